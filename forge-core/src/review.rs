//! Reviews of pull requests: a verdict (approve, request changes, comment)
//! given by one person on the head commit they saw. A person's latest
//! approving or blocking verdict counts until it is dismissed; approvals
//! count towards branch protection only from people who may merge.
//!
//! Line comments written with a review are in [`crate::review_comment`];
//! this module holds the verdicts that other rules (branch protection)
//! read.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{IssueId, UserId};
use crate::outbox::{self, kind as event};
use crate::pull::PullRequest;
use crate::repo::{self, Access, Repo};
use crate::review_comment::{self, NewLineComment};
use crate::user::{self, User};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Longest review text, in characters.
pub const MAX_BODY: usize = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Approved,
    ChangesRequested,
    Commented,
}

impl Verdict {
    pub const ALL: [Verdict; 3] = [
        Verdict::Approved,
        Verdict::ChangesRequested,
        Verdict::Commented,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Approved => "approved",
            Verdict::ChangesRequested => "changes_requested",
            Verdict::Commented => "commented",
        }
    }

    /// Gitea's review states (`APPROVED`, `REQUEST_CHANGES`, `COMMENT`) or
    /// ours.
    pub fn parse(text: &str) -> Result<Verdict> {
        match text.trim() {
            "approved" | "APPROVED" | "approve" => Ok(Verdict::Approved),
            "changes_requested" | "REQUEST_CHANGES" | "request_changes" => {
                Ok(Verdict::ChangesRequested)
            }
            "commented" | "COMMENT" | "comment" => Ok(Verdict::Commented),
            _ => Err(Error::invalid("event", "error-review-state")),
        }
    }

    fn from_stored(text: &str) -> Verdict {
        Verdict::ALL
            .into_iter()
            .find(|v| v.as_str() == text)
            .unwrap_or(Verdict::Commented)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: i64,
    pub issue: IssueId,
    pub reviewer: UserId,
    pub reviewer_name: String,
    pub verdict: Verdict,
    pub body: String,
    pub commit_id: String,
    pub dismissed: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &AnyRow) -> Result<Review> {
    Ok(Review {
        id: row.try_get("id")?,
        issue: IssueId(row.try_get("issue_id")?),
        reviewer: UserId(row.try_get("reviewer_id")?),
        reviewer_name: row.try_get("reviewer_name")?,
        verdict: Verdict::from_stored(&row.try_get::<String, _>("state")?),
        body: row.try_get("body")?,
        commit_id: row.try_get("commit_id")?,
        dismissed: row.try_get::<i64, _>("dismissed")? != 0,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

macro_rules! select_review {
    ($filter:literal) => {
        concat!(
            "SELECT r.id, r.issue_id, r.reviewer_id, a.name AS reviewer_name, r.state, r.body, \
             r.commit_id, r.dismissed, r.created_at, r.updated_at \
             FROM pull_reviews r JOIN accounts a ON a.id = r.reviewer_id ",
            $filter
        )
    };
}

/// Records `actor`'s verdict on `pull` of `repo`, on the pull request's
/// current head commit. Anyone who may read the repository may review; the
/// author may only comment on their own pull request, and a closed pull
/// request takes no verdict.
pub async fn submit(
    db: &Db,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
    verdict: Verdict,
    body: &str,
) -> Result<Review> {
    submit_with_comments(db, actor, repo, pull, verdict, body, &[]).await
}

/// [`submit`] with line comments written as part of the review (each one a
/// new conversation), all in one transaction. A review with line comments
/// needs no text.
pub async fn submit_with_comments(
    db: &Db,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
    verdict: Verdict,
    body: &str,
    comments: &[NewLineComment],
) -> Result<Review> {
    let access = repo::access(db, Some(actor), repo).await?;
    if access == Access::None {
        return Err(Error::not_found("error-repo-not-found"));
    }
    if pull.issue.repo_id != repo.id {
        return Err(Error::not_found("error-pull-not-found"));
    }
    if !pull.is_open() {
        return Err(Error::conflict(None, "error-pull-not-open"));
    }
    if verdict != Verdict::Commented && pull.issue.author_id == actor.id.into() {
        return Err(Error::forbidden("error-review-own-pull"));
    }
    let body = body.trim();
    if body.chars().count() > MAX_BODY || body.contains('\0') {
        return Err(Error::invalid("body", "error-text-too-long"));
    }
    if pull.issue.locked && access < Access::Write {
        return Err(Error::forbidden("error-issue-locked"));
    }
    if verdict != Verdict::Approved && body.is_empty() && comments.is_empty() {
        return Err(Error::invalid("body", "error-review-body-required"));
    }
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO pull_reviews (issue_id, reviewer_id, state, body, commit_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(pull.issue.id.0)
    .bind(actor.id.0)
    .bind(verdict.as_str())
    .bind(body)
    .bind(&pull.head_commit)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    for comment in comments {
        review_comment::insert(&mut tx, actor, repo, pull, Some(id), comment).await?;
    }
    outbox::record_change(
        &mut tx,
        event::PULL_REVIEWED,
        actor.id,
        repo.id,
        Some(pull.issue.id),
        json!({
            "number": pull.number(),
            "review_id": id,
            "state": verdict.as_str(),
            "commit_id": pull.head_commit,
        }),
    )
    .await?;
    tx.commit().await?;
    get(db, pull.issue.id, id)
        .await?
        .ok_or_else(|| Error::Internal("a new review vanished".into()))
}

/// Review `id` of pull request `pull`.
pub async fn get(db: &Db, pull: IssueId, id: i64) -> Result<Option<Review>> {
    let row = sqlx::query(select_review!("WHERE r.issue_id = $1 AND r.id = $2"))
        .bind(pull.0)
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every review of pull request `pull`, oldest first.
pub async fn list(db: &Db, pull: IssueId) -> Result<Vec<Review>> {
    let rows = sqlx::query(select_review!("WHERE r.issue_id = $1 ORDER BY r.id"))
        .bind(pull.0)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The verdict that counts for each reviewer: their latest approving or
/// blocking review that was not dismissed (a later comment changes
/// nothing).
pub fn standing(reviews: &[Review]) -> Vec<&Review> {
    let mut latest: Vec<&Review> = Vec::new();
    for review in reviews.iter().filter(|r| r.verdict != Verdict::Commented) {
        match latest.iter_mut().find(|r| r.reviewer == review.reviewer) {
            Some(slot) if slot.id < review.id => *slot = review,
            Some(_) => {}
            None => latest.push(review),
        }
    }
    latest.retain(|r| !r.dismissed);
    latest
}

/// The people whose standing verdict on `pull` approves it and who may
/// merge in `repo` (write access). With `on_commit`, only approvals given
/// on that head commit count (stale approvals dismissed by new commits).
pub async fn approvers(
    db: &Db,
    repo: &Repo,
    pull: IssueId,
    on_commit: Option<&str>,
) -> Result<Vec<UserId>> {
    let reviews = list(db, pull).await?;
    let mut approvers = Vec::new();
    for review in standing(&reviews) {
        if review.verdict != Verdict::Approved
            || on_commit.is_some_and(|commit| commit != review.commit_id)
        {
            continue;
        }
        let Some(reviewer) = user::by_id(db, review.reviewer).await? else {
            continue;
        };
        if repo::access(db, Some(&reviewer), repo).await? >= Access::Write {
            approvers.push(review.reviewer);
        }
    }
    Ok(approvers)
}

/// Whether someone's standing verdict on `pull` requests changes.
pub async fn changes_requested(db: &Db, pull: IssueId) -> Result<bool> {
    let reviews = list(db, pull).await?;
    Ok(standing(&reviews)
        .iter()
        .any(|r| r.verdict == Verdict::ChangesRequested))
}

/// Dismisses the approvals of `pull` given on another commit than
/// `head_commit` (branch protection's "dismiss stale approvals" after a
/// push). Returns how many.
pub async fn dismiss_stale_approvals(db: &Db, pull: IssueId, head_commit: &str) -> Result<u64> {
    Ok(sqlx::query(
        "UPDATE pull_reviews SET dismissed = 1, updated_at = $3 \
         WHERE issue_id = $1 AND state = 'approved' AND dismissed = 0 AND commit_id <> $2",
    )
    .bind(pull.0)
    .bind(head_commit)
    .bind(now_ms())
    .execute(db.pool())
    .await?
    .rows_affected())
}

/// Dismisses review `id` of `pull` (a maintainer's choice): it no longer
/// counts, and the reviewer's earlier verdicts do not count again.
pub async fn dismiss(
    db: &Db,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
    id: i64,
) -> Result<Review> {
    crate::issue::Rights::require_maintainer(db, actor, repo).await?;
    if pull.issue.repo_id != repo.id {
        return Err(Error::not_found("error-pull-not-found"));
    }
    let review = get(db, pull.issue.id, id)
        .await?
        .ok_or_else(|| Error::not_found("error-review-not-found"))?;
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "UPDATE pull_reviews SET dismissed = 1, updated_at = $3 \
         WHERE issue_id = $1 AND reviewer_id = $2 AND id <= $4 AND dismissed = 0",
    )
    .bind(pull.issue.id.0)
    .bind(review.reviewer.0)
    .bind(now_ms())
    .bind(id)
    .execute(&mut *tx)
    .await?;
    outbox::record_change(
        &mut tx,
        event::PULL_REVIEW_DISMISSED,
        actor.id,
        repo.id,
        Some(pull.issue.id),
        json!({"number": pull.number(), "review_id": id}),
    )
    .await?;
    tx.commit().await?;
    get(db, pull.issue.id, id)
        .await?
        .ok_or_else(|| Error::Internal("a dismissed review vanished".into()))
}

/// How many line comments each review of `pull` holds, by review id.
pub async fn comment_counts(db: &Db, pull: IssueId) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT review_id, COUNT(*) AS n FROM review_comments \
         WHERE issue_id = $1 AND review_id IS NOT NULL GROUP BY review_id",
    )
    .bind(pull.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("review_id")?, row.try_get("n")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pull::{self, NewPull};
    use crate::repo::NewRepo;
    use crate::testing;

    #[test]
    fn states_read_back_in_both_spellings() {
        for verdict in Verdict::ALL {
            assert_eq!(Verdict::parse(verdict.as_str()).unwrap(), verdict);
        }
        assert_eq!(Verdict::parse("APPROVED").unwrap(), Verdict::Approved);
        assert_eq!(
            Verdict::parse("REQUEST_CHANGES").unwrap(),
            Verdict::ChangesRequested
        );
        assert!(Verdict::parse("PENDING").is_err());
    }

    #[tokio::test]
    async fn only_standing_approvals_of_those_who_may_merge_count() {
        for db in testing::engines().await {
            let alice = testing::user(&db, "alice").await;
            let bob = testing::user(&db, "bob").await;
            let carol = testing::user(&db, "carol").await;
            let new = NewRepo {
                name: "tool".into(),
                description: String::new(),
                private: false,
                default_branch: None,
            };
            let repo = repo::create(&db, &alice, "alice", new, async |_: &Repo| Ok(()))
                .await
                .unwrap();
            let first = "a".repeat(40);
            let pull = pull::open(
                &db,
                &bob,
                &repo,
                NewPull {
                    title: "Faster".into(),
                    body: String::new(),
                    head_repo: repo.clone(),
                    head_branch: "fast".into(),
                    base_branch: "main".into(),
                    head_commit: first.clone(),
                },
            )
            .await
            .unwrap();
            let pull_id = pull.issue.id;

            let own = submit(&db, &bob, &repo, &pull, Verdict::Approved, "").await;
            assert!(matches!(own, Err(Error::Forbidden(_))), "{own:?}");
            let silent = submit(&db, &carol, &repo, &pull, Verdict::ChangesRequested, "").await;
            assert!(matches!(silent, Err(Error::Invalid { .. })), "{silent:?}");

            submit(&db, &carol, &repo, &pull, Verdict::Approved, "")
                .await
                .unwrap();
            assert!(
                approvers(&db, &repo, pull_id, None)
                    .await
                    .unwrap()
                    .is_empty()
            );

            submit(&db, &alice, &repo, &pull, Verdict::Approved, "Good")
                .await
                .unwrap();
            submit(
                &db,
                &alice,
                &repo,
                &pull,
                Verdict::Commented,
                "One more thing",
            )
            .await
            .unwrap();
            assert_eq!(
                approvers(&db, &repo, pull_id, Some(&first)).await.unwrap(),
                vec![alice.id]
            );
            assert!(!changes_requested(&db, pull_id).await.unwrap());

            let second = "b".repeat(40);
            assert!(
                approvers(&db, &repo, pull_id, Some(&second))
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(
                dismiss_stale_approvals(&db, pull_id, &second)
                    .await
                    .unwrap(),
                2
            );
            assert!(
                approvers(&db, &repo, pull_id, None)
                    .await
                    .unwrap()
                    .is_empty()
            );

            submit(
                &db,
                &alice,
                &repo,
                &pull,
                Verdict::ChangesRequested,
                "Not yet",
            )
            .await
            .unwrap();
            assert!(changes_requested(&db, pull_id).await.unwrap());
            assert_eq!(list(&db, pull_id).await.unwrap().len(), 4);
        }
    }
}
