//! What happens after a push: the consumers of push events.
//!
//! Every accepted push yields a [`PushEvent`] (which refs moved, which
//! commits are new). Today it keeps the repository's default branch and
//! update time right; the issue tracker will close issues from commit
//! messages here too.

use crate::AppState;
use forge_core::commit_refs;
use forge_core::repo::{self, Repo};
use forge_core::user::User;
use forge_git::push::{PushEvent, RefCommand};
use std::sync::Arc;

/// An accepted push, as announced on [`AppState::pushes`].
#[derive(Debug, Clone)]
pub struct PushNotice {
    pub repo: forge_core::RepoId,
    pub full_name: String,
    pub pusher: Option<String>,
    pub event: PushEvent,
}

pub async fn after_push(
    state: &AppState,
    repo: &Repo,
    pusher: Option<&User>,
    commands: Vec<RefCommand>,
) {
    let Some(event) = crate::git_http::push_event(state, repo, commands).await else {
        return;
    };
    if event.updates.is_empty() {
        return;
    }
    tracing::info!(
        repo = %repo.full_name(),
        pusher = pusher.map(|u| u.name.as_str()).unwrap_or("-"),
        refs = event.updates.len(),
        new_commits = event.new_commits.len(),
        "push received"
    );
    let default_branch = match choose_default_branch(state, repo, &event).await {
        Ok(branch) => branch,
        Err(e) => {
            tracing::error!(repo = %repo.full_name(), error = %e, "choosing the default branch failed");
            None
        }
    };
    if let Err(e) = repo::record_push(&state.db, repo.id, default_branch.as_deref()).await {
        tracing::error!(repo = %repo.full_name(), error = %e, "recording a push failed");
    }
    let default_branch = default_branch.unwrap_or_else(|| repo.default_branch.clone());
    match close_and_reference_issues(state, repo, pusher, &event, &default_branch).await {
        Ok(outcome) if outcome != commit_refs::Outcome::default() => {
            tracing::info!(repo = %repo.full_name(), closed = ?outcome.closed, referenced = ?outcome.referenced, "issues updated by a push");
        }
        Ok(_) => {}
        Err(e) => {
            tracing::error!(repo = %repo.full_name(), error = %e, "updating issues from a push failed")
        }
    }
    // Nobody listening is fine: the notice is for whoever subscribed.
    let _ = state.pushes.send(Arc::new(PushNotice {
        repo: repo.id,
        full_name: repo.full_name(),
        pusher: pusher.map(|u| u.name.clone()),
        event,
    }));
}

/// Commits reaching the default branch close the issues they say they fix;
/// the other new commits only reference the issues they mention.
async fn close_and_reference_issues(
    state: &AppState,
    repo: &Repo,
    pusher: Option<&User>,
    event: &PushEvent,
    default_branch: &str,
) -> forge_core::Result<commit_refs::Outcome> {
    let default_ref = format!("refs/heads/{default_branch}");
    let mut on_default = Vec::new();
    if let Some(update) = event.updates.iter().find(|u| u.name == default_ref)
        && let Some(new) = update.new.clone()
    {
        {
            let storage = state.storage.clone();
            let (id, old) = (repo.id.0, update.old.clone());
            on_default = tokio::task::spawn_blocking(move || {
                forge_git::push::branch_commits(&storage.open(id)?, old.as_deref(), &new)
            })
            .await
            .map_err(|e| forge_core::Error::Internal(format!("the push task failed: {e}")))?
            .map_err(|e| {
                forge_core::Error::Internal(format!("reading the pushed commits failed: {e}"))
            })?;
        }
    }
    let as_pushed = |c: &forge_git::push::CommitInfo| commit_refs::PushedCommit {
        id: c.id.clone(),
        message: c.message.clone(),
    };
    let closing: Vec<_> = on_default.iter().map(as_pushed).collect();
    let mut outcome = commit_refs::apply(&state.db, repo, pusher, &closing, true).await?;
    let others: Vec<_> = event
        .new_commits
        .iter()
        .rev()
        .filter(|c| !on_default.iter().any(|d| d.id == c.id))
        .map(as_pushed)
        .collect();
    let more = commit_refs::apply(&state.db, repo, pusher, &others, false).await?;
    outcome.closed.extend(more.closed);
    outcome.referenced.extend(more.referenced);
    Ok(outcome)
}

/// When the repository's default branch does not exist after the push (the
/// first push into an empty repository, typically), picks one of the pushed
/// branches (`main`, then `master`, then the first) and points HEAD at it.
async fn choose_default_branch(
    state: &AppState,
    repo: &Repo,
    event: &PushEvent,
) -> Result<Option<String>, forge_git::GitError> {
    let pushed: Vec<String> = event
        .updates
        .iter()
        .filter(|u| u.new.is_some())
        .filter_map(|u| u.branch().map(str::to_string))
        .collect();
    if pushed.is_empty() {
        return Ok(None);
    }
    let storage = state.storage.clone();
    let id = repo.id.0;
    let current = repo.default_branch.clone();
    tokio::task::spawn_blocking(move || {
        let git = storage.open(id)?;
        if forge_git::storage::has_branch(&git, &current) {
            return Ok(None);
        }
        let chosen = ["main", "master"]
            .iter()
            .find(|b| pushed.iter().any(|p| p == *b))
            .map(|b| b.to_string())
            .unwrap_or_else(|| pushed[0].clone());
        forge_git::storage::set_head(&git, &chosen)?;
        Ok(Some(chosen))
    })
    .await
    .unwrap_or_else(|e| {
        tracing::error!(error = %e, "the default branch task failed");
        Ok(None)
    })
}
