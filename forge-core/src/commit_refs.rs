//! Issues closed and referenced by commits.
//!
//! When a push reaches the default branch, "Fixes #12" (and the other
//! closing keywords) closes issue 12 with an event naming the commit; any
//! other mention adds a "referenced" event. Events are recorded once per
//! issue, kind and commit, so seeing a commit again changes nothing.
//!
//! A commit of another repository acts on an issue only when everyone who
//! can read the issue can read the commit's repository (see
//! [`may_act_on`]): otherwise a private commit would close a public issue
//! and show its id, and its existence, to everyone.

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
                    if !may_act_on(repo, &other) {
                        continue;
                    }
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

/// Whether a commit of `source` may close or mention issues of `target`:
/// only when every reader of `target` can read `source`. A public source
/// satisfies it; a private one only when the target is a private repository
/// of the same owner, whose readers (the owner, or the organisation's
/// members, and the site administrators) are exactly the source's.
pub fn may_act_on(source: &Repo, target: &Repo) -> bool {
    source.id == target.id
        || !source.private
        || (target.private && source.owner_id == target.owner_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::RepoId;

    fn repo(id: i64, owner: i64, private: bool) -> Repo {
        Repo {
            id: RepoId(id),
            owner_id: AccountId(owner),
            owner_name: format!("owner{owner}"),
            owner_is_org: false,
            name: format!("repo{id}"),
            description: String::new(),
            private,
            default_branch: "main".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn private_commits_act_only_where_every_reader_sees_them() {
        let public = repo(1, 1, false);
        let private = repo(2, 1, true);
        let private_sibling = repo(3, 1, true);
        let private_elsewhere = repo(4, 2, true);
        let public_elsewhere = repo(5, 2, false);
        assert!(may_act_on(&public, &public_elsewhere));
        assert!(may_act_on(&public, &private_elsewhere));
        assert!(may_act_on(&private, &private));
        assert!(may_act_on(&private, &private_sibling));
        assert!(!may_act_on(&private, &public));
        assert!(!may_act_on(&private, &public_elsewhere));
        assert!(!may_act_on(&private, &private_elsewhere));
    }
}
