//! Repository operations that touch both the database and the disk, shared
//! by the API and the pages: `forge-core` decides and records, `forge-git`
//! does the git work, on the blocking pool.

use crate::AppState;
use forge_core::repo::{self, NewRepo, Repo, RepoChanges};
use forge_core::user::User;
use forge_core::{Error, Result};

async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, forge_git::GitError> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("{what}: the task failed: {e}")))?
        .map_err(|e| Error::Internal(format!("{what}: {e}")))
}

/// Creates a repository: its row, and its bare folder on disk, or neither.
pub async fn create(state: &AppState, actor: &User, owner: &str, new: NewRepo) -> Result<Repo> {
    let storage = state.storage.clone();
    repo::create(&state.db, actor, owner, new, async move |created: &Repo| {
        let (id, branch) = (created.id.0, created.default_branch.clone());
        blocking("creating the repository on disk", move || {
            storage.create(id, &branch)
        })
        .await
    })
    .await
}

/// Whether the repository has no commits yet.
pub async fn is_empty(state: &AppState, repo: &Repo) -> Result<bool> {
    let storage = state.storage.clone();
    let id = repo.id.0;
    blocking("reading the repository", move || {
        forge_git::storage::is_empty(&storage.open(id)?)
    })
    .await
}

/// Changes settings; a new default branch must exist (unless the repository
/// is still empty) and becomes HEAD.
pub async fn update(
    state: &AppState,
    actor: &User,
    repo: &Repo,
    changes: RepoChanges,
) -> Result<Repo> {
    if let Some(branch) = changes.default_branch.as_deref().map(str::trim)
        && branch != repo.default_branch
    {
        let branch = repo::validate_branch(branch)?;
        let storage = state.storage.clone();
        let id = repo.id.0;
        let exists = blocking("reading the repository", {
            let branch = branch.clone();
            move || {
                let git = storage.open(id)?;
                Ok(forge_git::storage::is_empty(&git)?
                    || forge_git::storage::has_branch(&git, &branch))
            }
        })
        .await?;
        if !exists {
            return Err(Error::invalid("default_branch", "error-branch-missing"));
        }
    }
    let updated = repo::update(&state.db, actor, repo, changes).await?;
    if updated.default_branch != repo.default_branch {
        let storage = state.storage.clone();
        let (id, branch) = (updated.id.0, updated.default_branch.clone());
        blocking("setting HEAD", move || {
            forge_git::storage::set_head(&storage.open(id)?, &branch)
        })
        .await?;
    }
    Ok(updated)
}

/// Deletes a repository: the row first (so it disappears at once), then the
/// folder.
pub async fn delete(state: &AppState, actor: &User, repo: &Repo) -> Result<()> {
    repo::delete(&state.db, actor, repo).await?;
    let storage = state.storage.clone();
    let id = repo.id.0;
    if let Err(e) = blocking("deleting the repository folder", move || storage.delete(id)).await {
        tracing::error!(repo = %repo.full_name(), error = %e, "the repository's folder could not be removed");
    }
    Ok(())
}

/// The clone URL of a repository.
pub fn clone_url(state: &AppState, repo: &Repo) -> String {
    format!("{}/{}.git", state.config.base_url, repo.full_name())
}
