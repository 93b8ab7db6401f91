//! Issues closed and referenced by commits.
//!
//! When a push reaches the default branch, "Fixes #12" (and the other
//! closing keywords) closes issue 12 with an event naming the commit; any
//! other mention adds a "referenced" event. Events are recorded once per
//! issue, kind and commit, so seeing a commit again changes nothing.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::Result;
use crate::ids::AccountId;
use crate::issue::{self, CloseReason};
use crate::refs;
use crate::repo::{self, Access, Repo};
use crate::timeline::{self, NewEvent, kind};
use crate::user::User;

/// A commit as the push saw it.
#[derive(Debug, Clone)]
pub struct PushedCommit {
    pub id: String,
    pub message: String,
}

/// What a push did to issues, for logs and tests.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `(owner/repo, number)` of each issue closed.
    pub closed: Vec<(String, i64)>,
    pub referenced: Vec<(String, i64)>,
}

/// Applies the commits of a push to `repo` (oldest first). `closing` is
/// whether they reached the default branch.
pub async fn apply(
    db: &Db,
    repo: &Repo,
    pusher: Option<&User>,
    commits: &[PushedCommit],
    closing: bool,
) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let actor = pusher.map(|u| AccountId::from(u.id));
    for commit in commits {
        for reference in refs::issue_refs(&commit.message) {
            let (target_repo, may_close) = match &reference.repo {
                None => (repo.clone(), true),
                Some((owner, name)) => {
                    let Some(other) = repo::find(db, owner, name).await? else {
                        continue;
                    };
                    let access = repo::access(db, pusher, &other).await?;
                    if access < Access::Read {
                        continue;
                    }
                    (other, access >= Access::Write)
                }
            };
            let Some(target) = issue::get(db, target_repo.id, reference.number).await? else {
                continue;
            };
            let now = now_ms();
            let mut tx = db.pool().begin().await?;
            let label = (target_repo.full_name(), target.number);
            if reference.closes && closing && may_close {
                if issue::set_state_tx(
                    &mut tx,
                    &target,
                    Some(CloseReason::Completed),
                    actor,
                    Some(&commit.id),
                    now,
                )
                .await?
                {
                    outcome.closed.push(label);
                }
            } else {
                let event = NewEvent {
                    kind: kind::REFERENCED,
                    actor,
                    commit: Some(&commit.id),
                    ..Default::default()
                };
                if timeline::record(&mut tx, target.id, event, now).await? {
                    outcome.referenced.push(label);
                }
            }
            tx.commit().await?;
        }
    }
    Ok(outcome)
}
