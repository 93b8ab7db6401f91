//! The heading every repository page shows: owner and name, description,
//! the tabs (code, issues, history, branches, tags, settings) and the clone
//! URL. One struct, so that every page of a repository reads the same
//! fields from `repo_header.html`.

use crate::AppState;
use crate::views::url_encode;
use forge_core::repo::{Access, Repo};

/// The repository's heading and tabs.
pub(crate) struct RepoHead {
    pub owner: String,
    pub name: String,
    pub description: String,
    pub private: bool,
    pub admin: bool,
    /// `/owner/name`, percent-encoded: every link of the repository starts
    /// with it.
    pub base: String,
    pub owner_href: String,
    pub clone_url: String,
    /// The SSH clone URL, when the forge serves git over SSH.
    pub ssh_url: Option<String>,
    /// The tab marked as current.
    pub tab: &'static str,
    pub default_branch: String,
    /// How the signed-in visitor watches the repository (`all`,
    /// `mentions`, `none`), on the pages that show the watch form.
    pub watch: Option<&'static str>,
    /// The repository this one was forked from (`owner/name` and its
    /// link), when the visitor may read it.
    pub forked_from: Option<(String, String)>,
}

impl RepoHead {
    pub fn new(state: &AppState, repo: &Repo, access: Access, tab: &'static str) -> RepoHead {
        let base = base_of(repo);
        RepoHead {
            owner: repo.owner_name.clone(),
            name: repo.name.clone(),
            description: repo.description.clone(),
            private: repo.private,
            admin: access >= Access::Admin,
            owner_href: format!("/{}", url_encode(&repo.owner_name)),
            clone_url: format!("{}{base}.git", state.config.base_url.trim_end_matches('/')),
            ssh_url: state.ssh_url(repo),
            base,
            tab,
            default_branch: repo.default_branch.clone(),
            watch: None,
            forked_from: None,
        }
    }

    /// Adds the "forked from" line of a fork whose parent the visitor may
    /// read.
    pub async fn with_parent(
        mut self,
        state: &AppState,
        ctx: &crate::context::PageCtx,
        repo: &Repo,
    ) -> Result<RepoHead, crate::error::PageError> {
        if let Some(parent) = forge_core::repo::parent_of(&state.db, repo.id).await?
            && forge_core::repo::access(&state.db, ctx.user.as_ref(), &parent).await? > Access::None
        {
            self.forked_from = Some((parent.full_name(), base_of(&parent)));
        }
        Ok(self)
    }

    /// Adds the watch form for a signed-in visitor.
    pub async fn with_watch(
        mut self,
        state: &AppState,
        ctx: &crate::context::PageCtx,
        repo: &Repo,
    ) -> Result<RepoHead, crate::error::PageError> {
        if let Some(user) = &ctx.user {
            let watch = forge_core::notification::watch::watch_of(&state.db, user, repo.id).await?;
            self.watch = Some(watch.map_or("none", |w| w.mode.as_str()));
        }
        Ok(self)
    }

    /// Whether the visitor watches the repository in `mode`.
    pub fn watching(&self, mode: &str) -> bool {
        self.watch == Some(mode)
    }

    pub fn is(&self, tab: &str) -> bool {
        self.tab == tab
    }
}

/// `/owner/name` of a repository, percent-encoded.
pub(crate) fn base_of(repo: &Repo) -> String {
    format!(
        "/{}/{}",
        url_encode(&repo.owner_name),
        url_encode(&repo.name)
    )
}
