//! Repository operations that touch both the database and the disk:
//! `forge-core` decides and records, `forge-git` does the git work.

use crate::Forge;
use crate::blocking;
use crate::templates::InitFiles;
use forge_core::repo::{self, NewRepo, Repo, RepoChanges};
use forge_core::user::User;
use forge_core::{Error, Result};

impl Forge {
    /// Creates a repository: its row, and its bare folder on disk, or
    /// neither.
    pub async fn create_repo(&self, actor: &User, owner: &str, new: NewRepo) -> Result<Repo> {
        let storage = self.storage.clone();
        repo::create(&self.db, actor, owner, new, async move |created: &Repo| {
            let (id, branch) = (created.id.0, created.default_branch.clone());
            blocking::git("creating the repository on disk", move || {
                storage.create(id, &branch)
            })
            .await
        })
        .await
    }

    /// Creates a repository whose default branch starts with the files of
    /// `init`, committed by the forge on behalf of `actor`. Unknown
    /// templates are refused before anything is created; a first commit
    /// that fails leaves the repository empty (and is logged).
    pub async fn create_repo_with_files(
        &self,
        actor: &User,
        owner: &str,
        new: NewRepo,
        init: &InitFiles,
    ) -> Result<Repo> {
        init.check()?;
        let created = self.create_repo(actor, owner, new).await?;
        let year = forge_core::clock::rfc3339(forge_core::clock::now_ms())
            .get(..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or(1970);
        let files = init.files(
            &created.name,
            &created.description,
            &created.owner_name,
            year,
        )?;
        if files.is_empty() {
            return Ok(created);
        }
        let author = crate::contents::person_of(actor);
        let made = self
            .commit_and_move(
                &created,
                actor,
                &created.default_branch,
                None,
                None,
                files,
                "Initial commit",
                author.clone(),
                author,
            )
            .await;
        if let Err(e) = made {
            tracing::error!(repo = %created.full_name(), error = %e, "the first commit of a new repository failed");
        }
        Ok(repo::find_by_id(&self.db, created.id)
            .await?
            .unwrap_or(created))
    }

    /// Whether the repository has no commits yet.
    pub async fn is_empty(&self, repo: &Repo) -> Result<bool> {
        let storage = self.storage.clone();
        let id = repo.id.0;
        blocking::git("reading the repository", move || {
            forge_git::storage::is_empty(&storage.open(id)?)
        })
        .await
    }

    /// Changes settings; a new default branch must exist (unless the
    /// repository is still empty) and becomes HEAD.
    pub async fn update_repo(
        &self,
        actor: &User,
        repo: &Repo,
        changes: RepoChanges,
    ) -> Result<Repo> {
        if let Some(branch) = changes.default_branch.as_deref().map(str::trim)
            && branch != repo.default_branch
        {
            let branch = repo::validate_branch(branch)?;
            let storage = self.storage.clone();
            let id = repo.id.0;
            let exists = blocking::git("reading the repository", move || {
                let git = storage.open(id)?;
                Ok(forge_git::storage::is_empty(&git)?
                    || forge_git::storage::has_branch(&git, &branch))
            })
            .await?;
            if !exists {
                return Err(Error::invalid("default_branch", "error-branch-missing"));
            }
        }
        let updated = repo::update(&self.db, actor, repo, changes).await?;
        if updated.default_branch != repo.default_branch {
            let storage = self.storage.clone();
            let (id, branch) = (updated.id.0, updated.default_branch.clone());
            blocking::git("setting HEAD", move || {
                forge_git::storage::set_head(&storage.open(id)?, &branch)
            })
            .await?;
        }
        Ok(updated)
    }

    /// Deletes a repository: the row first (so it disappears at once), then
    /// the folder. A folder left behind is harmless: nothing points to it.
    pub async fn delete_repo(&self, actor: &User, repo: &Repo) -> Result<()> {
        repo::delete(&self.db, actor, repo).await?;
        let storage = self.storage.clone();
        let id = repo.id.0;
        if let Err(e) =
            blocking::git("deleting the repository folder", move || storage.delete(id)).await
        {
            tracing::error!(repo = %repo.full_name(), error = %e, "the repository's folder could not be removed");
        }
        Ok(())
    }
}
