//! What a push causes, for every way refs move (git over HTTP, later SSH
//! and the forge's own merges): the default branch of an empty repository,
//! issues closed or referenced by the new commits, pull requests of the
//! moved branches marked for a new mergeability check (and their stale
//! approvals dismissed where branch protection says so), the repository's
//! update time and the `push` event of the outbox.
//!
//! A push is journalled before git may move a ref ([`Forge::journal_push`])
//! and its journal row is closed in the transaction that records it, so the
//! consequences of a push survive the death of the process that received
//! it: [`Forge::finish_interrupted_pushes`] finds the rows whose lease
//! lapsed and finishes them. Every consequence can be applied twice without
//! effect (events are recorded once per issue, kind and commit).

use crate::Forge;
use crate::blocking;
use forge_core::clock::now_ms;
use forge_core::commit_refs;
use forge_core::push_journal::{self, Command, DeployKeyPusher, Recorded};
use forge_core::repo::{self, Repo};
use forge_core::user::{self, User};
use forge_core::{PushJournalId, RepoId, Result, UserId, outbox};
use forge_git::push::{CommitInfo, Evidence, PushEvent, RefCommand};
use serde_json::json;
use std::time::Duration;

/// How long a journalled push stays its process's: the process renews the
/// lease a few times per length while the push runs; one length after it
/// died, any process may finish the push.
pub const LEASE: Duration = Duration::from_secs(30);

fn lease_until(now: i64) -> i64 {
    now + i64::try_from(LEASE.as_millis()).expect("the lease is a few seconds")
}

fn to_journal(commands: &[RefCommand]) -> Vec<Command> {
    commands
        .iter()
        .map(|c| Command {
            old: c.old.clone(),
            new: c.new.clone(),
            name: c.name.clone(),
        })
        .collect()
}

fn from_journal(commands: Vec<Command>) -> Vec<RefCommand> {
    commands
        .into_iter()
        .map(|c| RefCommand {
            old: c.old,
            new: c.new,
            name: c.name,
        })
        .collect()
}

/// What a push did to issues, for logs and tests.
pub type Outcome = commit_refs::Outcome;

impl Forge {
    /// Journals a push whose ref updates git has not applied yet. The
    /// caller renews the lease ([`Forge::renew_push_lease`]) while the push
    /// runs, and passes the id to [`Forge::process_push`] once git is done.
    pub async fn journal_push(
        &self,
        repo: RepoId,
        pusher: Option<UserId>,
        commands: &[RefCommand],
    ) -> Result<PushJournalId> {
        self.journal_push_by(repo, pusher, None, commands).await
    }

    /// [`Forge::journal_push`] naming the deploy key the push is made
    /// with, if it is (such a push has no user).
    pub async fn journal_push_by(
        &self,
        repo: RepoId,
        pusher: Option<UserId>,
        deploy_key: Option<&DeployKeyPusher>,
        commands: &[RefCommand],
    ) -> Result<PushJournalId> {
        let until = lease_until(now_ms());
        push_journal::open(
            &self.db,
            repo,
            pusher,
            deploy_key,
            &to_journal(commands),
            until,
        )
        .await
    }

    pub async fn renew_push_lease(&self, journal: PushJournalId) -> Result<()> {
        push_journal::renew(&self.db, journal, lease_until(now_ms())).await
    }

    /// Applies what a finished push caused. `commands` are the ref updates
    /// the client asked for; only those that took effect count (see
    /// [`Evidence`]). The journal row, when there is one, is closed in the
    /// transaction that records the push; on an error it stays, and the
    /// push is finished later.
    pub async fn process_push(
        &self,
        repo: &Repo,
        pusher: Option<&User>,
        journal: Option<PushJournalId>,
        commands: Vec<RefCommand>,
        evidence: Evidence,
    ) -> Result<Outcome> {
        self.process_push_by(repo, pusher, None, journal, commands, evidence)
            .await
    }

    /// [`Forge::process_push`] for a push that may have been made with a
    /// deploy key: the push event names the key (`deploy_key`).
    pub async fn process_push_by(
        &self,
        repo: &Repo,
        pusher: Option<&User>,
        deploy_key: Option<&DeployKeyPusher>,
        journal: Option<PushJournalId>,
        commands: Vec<RefCommand>,
        evidence: Evidence,
    ) -> Result<Outcome> {
        let storage = self.storage.clone();
        let id = repo.id.0;
        let event = blocking::git("reading a push", move || {
            forge_git::push::applied(&storage.open(id)?, &commands, evidence)
        })
        .await?;
        if event.updates.is_empty() {
            if journal.is_some() {
                let nothing = Recorded {
                    repo: repo.id,
                    journal,
                    pusher: None,
                    default_branch: None,
                    event: None,
                };
                push_journal::finish(&self.db, nothing).await?;
            }
            return Ok(Outcome::default());
        }
        tracing::info!(
            repo = %repo.full_name(),
            pusher = pusher.map(|u| u.name.as_str()).unwrap_or("-"),
            deploy_key = deploy_key.map(|k| k.title.as_str()).unwrap_or("-"),
            refs = event.updates.len(),
            new_commits = event.new_commits.len(),
            "push received"
        );
        let chosen = match self.choose_default_branch(repo, &event).await {
            Ok(branch) => branch,
            Err(e) => {
                tracing::error!(repo = %repo.full_name(), error = %e, "choosing the default branch failed");
                None
            }
        };
        let default_branch = chosen.as_deref().unwrap_or(&repo.default_branch);
        let outcome = self
            .close_and_reference_issues(repo, pusher, &event, default_branch)
            .await?;
        if outcome != Outcome::default() {
            tracing::info!(repo = %repo.full_name(), closed = ?outcome.closed, referenced = ?outcome.referenced, "issues updated by a push");
        }
        // Pull requests whose head or base moved are checked again by the
        // background job; nothing here waits for that.
        for update in &event.updates {
            if let Some(branch) = update.branch() {
                forge_core::pull::mark_checking(&self.db, repo.id, branch).await?;
                // New commits on a pull request's head make approvals of
                // older ones stale, where its base's protection says so.
                if let Some(new) = update.new.as_deref() {
                    forge_core::branch_protection::dismiss_stale(&self.db, repo.id, branch, new)
                        .await?;
                }
            }
        }
        let recorded = Recorded {
            repo: repo.id,
            journal,
            pusher: pusher.map(|u| u.id),
            default_branch: chosen.as_deref(),
            event: Some(push_payload(pusher, deploy_key, &event)),
        };
        if !push_journal::finish(&self.db, recorded).await? {
            tracing::info!(repo = %repo.full_name(), "a push was recorded by another process first");
        }
        Ok(outcome)
    }

    /// Finishes the journalled pushes whose process died: claims each one
    /// whose lease lapsed and applies what its ref updates caused. Returns
    /// how many it finished.
    pub async fn finish_interrupted_pushes(&self) -> Result<usize> {
        let now = now_ms();
        let claimed = push_journal::claim_lapsed(&self.db, now, lease_until(now), 100).await?;
        let mut finished = 0;
        for entry in claimed {
            // A deleted repository takes its journal rows with it.
            let Some(repo) = repo::find_by_id(&self.db, entry.repo).await? else {
                continue;
            };
            let pusher = match entry.pusher {
                Some(id) => user::by_id(&self.db, id).await?,
                None => None,
            };
            tracing::warn!(repo = %repo.full_name(), journal = %entry.id, "finishing a push whose process stopped");
            let commands = from_journal(entry.commands);
            match self
                .process_push_by(
                    &repo,
                    pusher.as_ref(),
                    entry.deploy_key.as_ref(),
                    Some(entry.id),
                    commands,
                    Evidence::FoundLater,
                )
                .await
            {
                Ok(_) => finished += 1,
                Err(e) => {
                    tracing::error!(repo = %repo.full_name(), journal = %entry.id, error = %e, "finishing an interrupted push failed; it will be tried again");
                }
            }
        }
        Ok(finished)
    }

    /// Commits reaching the default branch close the issues they say they
    /// fix; the other new commits only reference the issues they mention.
    async fn close_and_reference_issues(
        &self,
        repo: &Repo,
        pusher: Option<&User>,
        event: &PushEvent,
        default_branch: &str,
    ) -> Result<Outcome> {
        let default_ref = format!("refs/heads/{default_branch}");
        let mut on_default = Vec::new();
        if let Some(update) = event.updates.iter().find(|u| u.name == default_ref)
            && let Some(new) = update.new.clone()
        {
            let storage = self.storage.clone();
            let (id, old) = (repo.id.0, update.old.clone());
            on_default = blocking::git("reading the pushed commits", move || {
                forge_git::push::branch_commits(&storage.open(id)?, old.as_deref(), &new)
            })
            .await?;
        }
        let as_pushed = |c: &CommitInfo| commit_refs::PushedCommit {
            id: c.id.clone(),
            message: c.message.clone(),
        };
        let closing: Vec<_> = on_default.iter().map(as_pushed).collect();
        let mut outcome = commit_refs::apply(&self.db, repo, pusher, &closing, true).await?;
        let others: Vec<_> = event
            .new_commits
            .iter()
            .rev()
            .filter(|c| !on_default.iter().any(|d| d.id == c.id))
            .map(as_pushed)
            .collect();
        let more = commit_refs::apply(&self.db, repo, pusher, &others, false).await?;
        outcome.closed.extend(more.closed);
        outcome.referenced.extend(more.referenced);
        Ok(outcome)
    }

    /// When the repository's default branch does not exist after the push
    /// (the first push into an empty repository, typically), picks one of
    /// the pushed branches (`main`, then `master`, then the first) and
    /// points HEAD at it.
    async fn choose_default_branch(
        &self,
        repo: &Repo,
        event: &PushEvent,
    ) -> Result<Option<String>> {
        let pushed: Vec<String> = event
            .updates
            .iter()
            .filter(|u| u.new.is_some())
            .filter_map(|u| u.branch().map(str::to_string))
            .collect();
        if pushed.is_empty() {
            return Ok(None);
        }
        let storage = self.storage.clone();
        let id = repo.id.0;
        let current = repo.default_branch.clone();
        blocking::git("choosing the default branch", move || {
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
    }
}

/// The `push` event's payload (see [`outbox::kind::PUSH`]).
fn push_payload(
    pusher: Option<&User>,
    deploy_key: Option<&DeployKeyPusher>,
    event: &PushEvent,
) -> serde_json::Value {
    let refs: Vec<_> = event
        .updates
        .iter()
        .map(|u| json!({"name": u.name, "old": u.old, "new": u.new}))
        .collect();
    let commits: Vec<_> = event
        .new_commits
        .iter()
        .take(outbox::MAX_PUSH_COMMITS)
        .map(|c| {
            json!({
                "id": c.id,
                "message": c.message,
                "author_name": c.author_name,
                "author_email": c.author_email,
                "time": c.time,
            })
        })
        .collect();
    let mut payload = json!({
        "pusher": pusher.map(|u| u.name.as_str()),
        "refs": refs,
        "commits": commits,
        "commit_count": event.new_commits.len(),
    });
    if let Some(key) = deploy_key {
        payload["deploy_key"] = json!({"id": key.id, "title": key.title});
    }
    payload
}
