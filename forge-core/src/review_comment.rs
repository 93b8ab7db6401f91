//! Comments on one line of a pull request's diff, and the conversations
//! they start: the first comment names the commit, path, side and line it
//! was written on (with that line's text, so later diffs find it again);
//! replies answer it; the pull request's author or a maintainer resolves
//! and unresolves the conversation. Authors edit and delete their own
//! comments; maintainers delete any.

use crate::clock::now_ms;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ids::{IssueId, UserId};
use crate::issue::{self, Rights};
use crate::outbox::{self, Tx, kind as event};
use crate::pull::PullRequest;
use crate::repo::Repo;
use crate::user::User;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// Longest path a line comment names, in bytes.
const MAX_PATH: usize = 4096;

/// Which side of the diff a line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A line of the base (a removed or unchanged line, by its old number).
    Old,
    /// A line of the head (an added or unchanged line, by its new number).
    New,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Old => "old",
            Side::New => "new",
        }
    }

    pub fn parse(text: &str) -> Result<Side> {
        match text.trim() {
            "old" => Ok(Side::Old),
            "new" => Ok(Side::New),
            _ => Err(Error::invalid("side", "error-review-line")),
        }
    }
}

/// Where a new conversation starts; the service fills `commit_id` and
/// `line_text` from the repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLineComment {
    pub commit_id: String,
    pub path: String,
    pub side: Side,
    pub line: i64,
    pub line_text: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewComment {
    pub id: i64,
    pub issue: IssueId,
    pub review_id: Option<i64>,
    /// The first comment of the conversation, for a reply.
    pub reply_to: Option<i64>,
    pub author: UserId,
    pub author_name: String,
    pub commit_id: String,
    pub path: String,
    pub side: Side,
    pub line: i64,
    pub line_text: String,
    pub body: String,
    /// Who resolved the conversation (on its first comment).
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ReviewComment {
    /// The id of the conversation's first comment.
    pub fn thread(&self) -> i64 {
        self.reply_to.unwrap_or(self.id)
    }
}

macro_rules! select_comment {
    ($filter:literal) => {
        concat!(
            "SELECT c.id, c.issue_id, c.review_id, c.reply_to, c.author_id, a.name AS author_name, \
             c.commit_id, c.path, c.side, c.line, c.line_text, c.body, r.name AS resolver_name, \
             c.resolved_at, c.created_at, c.updated_at \
             FROM review_comments c JOIN accounts a ON a.id = c.author_id \
             LEFT JOIN accounts r ON r.id = c.resolved_by ",
            $filter
        )
    };
}

fn from_row(row: &AnyRow) -> Result<ReviewComment> {
    Ok(ReviewComment {
        id: row.try_get("id")?,
        issue: IssueId(row.try_get("issue_id")?),
        review_id: row.try_get("review_id")?,
        reply_to: row.try_get("reply_to")?,
        author: UserId(row.try_get("author_id")?),
        author_name: row.try_get("author_name")?,
        commit_id: row.try_get("commit_id")?,
        path: row.try_get("path")?,
        side: if row.try_get::<String, _>("side")? == "old" {
            Side::Old
        } else {
            Side::New
        },
        line: row.try_get("line")?,
        line_text: row.try_get("line_text")?,
        body: row.try_get("body")?,
        resolved_by: row.try_get("resolver_name")?,
        resolved_at: row.try_get("resolved_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn check_body(body: &str) -> Result<String> {
    let body = issue::validate_body("body", body)?;
    if body.trim().is_empty() {
        return Err(Error::invalid("body", "error-comment-empty"));
    }
    Ok(body)
}

/// Refuses what a line comment may not name.
pub(crate) fn check_line(new: &NewLineComment) -> Result<()> {
    if new.path.is_empty() || new.path.len() > MAX_PATH || new.path.contains('\0') {
        return Err(Error::invalid("path", "error-review-line"));
    }
    if new.line < 1 || new.line > i64::from(u32::MAX) {
        return Err(Error::invalid("line", "error-review-line"));
    }
    Ok(())
}

/// Those who may comment: signed-in readers of the repository (maintainers
/// only, when the pull request is locked).
async fn require_participant(
    db: &Db,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
) -> Result<Rights> {
    let rights = Rights::of(db, Some(actor), repo).await?;
    if !rights.read() || pull.issue.repo_id != repo.id {
        return Err(Error::not_found("error-pull-not-found"));
    }
    if !rights.participate(Some(&pull.issue)) {
        return Err(Error::forbidden("error-issue-locked"));
    }
    Ok(rights)
}

/// Writes one line comment (a new conversation) in `tx`, part of review
/// `review` if given, and its event.
pub(crate) async fn insert(
    tx: &mut Tx<'_>,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
    review: Option<i64>,
    new: &NewLineComment,
) -> Result<i64> {
    check_line(new)?;
    let body = check_body(&new.body)?;
    let now = now_ms();
    let id: i64 = sqlx::query(
        "INSERT INTO review_comments (issue_id, review_id, author_id, commit_id, path, side, line, \
         line_text, body, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
    )
    .bind(pull.issue.id.0)
    .bind(review)
    .bind(actor.id.0)
    .bind(&new.commit_id)
    .bind(&new.path)
    .bind(new.side.as_str())
    .bind(new.line)
    .bind(&new.line_text)
    .bind(&body)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    outbox::record_change(
        tx,
        event::PULL_REVIEW_COMMENTED,
        actor.id,
        repo.id,
        Some(pull.issue.id),
        json!({
            "number": pull.number(),
            "comment_id": id,
            "review_id": review,
            "reply_to": null,
            "path": new.path,
            "side": new.side.as_str(),
            "line": new.line,
            "commit_id": new.commit_id,
        }),
    )
    .await?;
    Ok(id)
}

/// Starts a conversation on a line of `pull`'s diff, outside a review.
pub async fn create(
    db: &Db,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
    new: &NewLineComment,
) -> Result<ReviewComment> {
    require_participant(db, actor, repo, pull).await?;
    let mut tx = db.pool().begin().await?;
    let id = insert(&mut tx, actor, repo, pull, None, new).await?;
    tx.commit().await?;
    fetch(db, pull.issue.id, id).await
}

/// Answers the conversation comment `to` belongs to.
pub async fn reply(
    db: &Db,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
    to: i64,
    body: &str,
) -> Result<ReviewComment> {
    require_participant(db, actor, repo, pull).await?;
    let first = get(db, pull.issue.id, to)
        .await?
        .ok_or_else(|| Error::not_found("error-review-comment-not-found"))?;
    let thread = first.thread();
    let body = check_body(body)?;
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO review_comments (issue_id, reply_to, author_id, commit_id, path, side, line, \
         line_text, body, created_at, updated_at) \
         SELECT issue_id, id, $1, commit_id, path, side, line, line_text, $2, $3, $3 \
         FROM review_comments WHERE id = $4 AND issue_id = $5 RETURNING id",
    )
    .bind(actor.id.0)
    .bind(&body)
    .bind(now)
    .bind(thread)
    .bind(pull.issue.id.0)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| Error::not_found("error-review-comment-not-found"))?
    .try_get("id")?;
    outbox::record_change(
        &mut tx,
        event::PULL_REVIEW_COMMENTED,
        actor.id,
        repo.id,
        Some(pull.issue.id),
        json!({
            "number": pull.number(),
            "comment_id": id,
            "review_id": null,
            "reply_to": thread,
            "path": first.path,
            "side": first.side.as_str(),
            "line": first.line,
            "commit_id": first.commit_id,
        }),
    )
    .await?;
    tx.commit().await?;
    fetch(db, pull.issue.id, id).await
}

/// Resolves (or, with `resolved` false, unresolves) the conversation that
/// comment `id` belongs to: for the pull request's author and maintainers.
pub async fn set_resolved(
    db: &Db,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
    id: i64,
    resolved: bool,
) -> Result<ReviewComment> {
    let rights = Rights::of(db, Some(actor), repo).await?;
    if !rights.read() || pull.issue.repo_id != repo.id {
        return Err(Error::not_found("error-pull-not-found"));
    }
    if !rights.edit(Some(actor), &pull.issue) {
        return Err(Error::forbidden("error-review-resolve-forbidden"));
    }
    let comment = get(db, pull.issue.id, id)
        .await?
        .ok_or_else(|| Error::not_found("error-review-comment-not-found"))?;
    let thread = comment.thread();
    let now = now_ms();
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "UPDATE review_comments SET resolved_by = $1, resolved_at = $2 WHERE id = $3 AND issue_id = $4",
    )
    .bind(resolved.then_some(actor.id.0))
    .bind(resolved.then_some(now))
    .bind(thread)
    .bind(pull.issue.id.0)
    .execute(&mut *tx)
    .await?;
    outbox::record_change(
        &mut tx,
        if resolved {
            event::PULL_CONVERSATION_RESOLVED
        } else {
            event::PULL_CONVERSATION_UNRESOLVED
        },
        actor.id,
        repo.id,
        Some(pull.issue.id),
        json!({"number": pull.number(), "comment_id": thread}),
    )
    .await?;
    tx.commit().await?;
    fetch(db, pull.issue.id, thread).await
}

/// Changes the text of one's own comment `id`.
pub async fn edit(
    db: &Db,
    actor: &User,
    repo: &Repo,
    pull: &PullRequest,
    id: i64,
    body: &str,
) -> Result<ReviewComment> {
    require_participant(db, actor, repo, pull).await?;
    let comment = get(db, pull.issue.id, id)
        .await?
        .ok_or_else(|| Error::not_found("error-review-comment-not-found"))?;
    if comment.author != actor.id {
        return Err(Error::forbidden("error-review-comment-not-yours"));
    }
    let body = check_body(body)?;
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE review_comments SET body = $1, updated_at = $2 WHERE id = $3")
        .bind(&body)
        .bind(now_ms())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    outbox::record_change(
        &mut tx,
        event::PULL_REVIEW_COMMENT_EDITED,
        actor.id,
        repo.id,
        Some(pull.issue.id),
        json!({"number": pull.number(), "comment_id": id}),
    )
    .await?;
    tx.commit().await?;
    fetch(db, pull.issue.id, id).await
}

/// Deletes comment `id` (with its replies, when it starts a conversation):
/// its author's or a maintainer's choice.
pub async fn delete(db: &Db, actor: &User, repo: &Repo, pull: &PullRequest, id: i64) -> Result<()> {
    let rights = Rights::of(db, Some(actor), repo).await?;
    if !rights.read() || pull.issue.repo_id != repo.id {
        return Err(Error::not_found("error-pull-not-found"));
    }
    let comment = get(db, pull.issue.id, id)
        .await?
        .ok_or_else(|| Error::not_found("error-review-comment-not-found"))?;
    if comment.author != actor.id && !rights.maintain() {
        return Err(Error::forbidden("error-review-comment-not-yours"));
    }
    let mut tx = db.pool().begin().await?;
    sqlx::query("DELETE FROM review_comments WHERE reply_to = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM review_comments WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    outbox::record_change(
        &mut tx,
        event::PULL_REVIEW_COMMENT_DELETED,
        actor.id,
        repo.id,
        Some(pull.issue.id),
        json!({"number": pull.number(), "comment_id": id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Comment `id` of pull request `pull`.
pub async fn get(db: &Db, pull: IssueId, id: i64) -> Result<Option<ReviewComment>> {
    let row = sqlx::query(select_comment!("WHERE c.issue_id = $1 AND c.id = $2"))
        .bind(pull.0)
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(from_row).transpose()
}

async fn fetch(db: &Db, pull: IssueId, id: i64) -> Result<ReviewComment> {
    get(db, pull, id)
        .await?
        .ok_or_else(|| Error::Internal("a review comment vanished".into()))
}

/// Every line comment of `pull`, oldest first.
pub async fn list(db: &Db, pull: IssueId) -> Result<Vec<ReviewComment>> {
    let rows = sqlx::query(select_comment!("WHERE c.issue_id = $1 ORDER BY c.id"))
        .bind(pull.0)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

/// The line comments written with review `review`, oldest first.
pub async fn of_review(db: &Db, pull: IssueId, review: i64) -> Result<Vec<ReviewComment>> {
    let rows = sqlx::query(select_comment!(
        "WHERE c.issue_id = $1 AND c.review_id = $2 ORDER BY c.id"
    ))
    .bind(pull.0)
    .bind(review)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// The conversations of `comments` (as [`list`] gives them): each first
/// comment with its replies, in order.
pub fn conversations(comments: Vec<ReviewComment>) -> Vec<(ReviewComment, Vec<ReviewComment>)> {
    let mut threads: Vec<(ReviewComment, Vec<ReviewComment>)> = Vec::new();
    let mut replies = Vec::new();
    for comment in comments {
        if comment.reply_to.is_some() {
            replies.push(comment);
        } else {
            threads.push((comment, Vec::new()));
        }
    }
    for reply in replies {
        if let Some((_, answers)) = threads
            .iter_mut()
            .find(|(first, _)| Some(first.id) == reply.reply_to)
        {
            answers.push(reply);
        }
    }
    threads
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::kind;
    use crate::pull::{self, NewPull};
    use crate::repo::{self, NewRepo};
    use crate::review::{self, Verdict};
    use crate::testing;

    fn on_line(line: i64, body: &str) -> NewLineComment {
        NewLineComment {
            commit_id: "a".repeat(40),
            path: "src/lib.rs".into(),
            side: Side::New,
            line,
            line_text: "fn main() {}".into(),
            body: body.into(),
        }
    }

    #[tokio::test]
    async fn conversations_replies_resolution_and_own_edits() {
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
                    head_commit: "a".repeat(40),
                },
            )
            .await
            .unwrap();

            let bad = create(&db, &carol, &repo, &pull, &on_line(0, "Hm")).await;
            assert!(matches!(bad, Err(Error::Invalid { .. })), "{bad:?}");
            let empty = create(&db, &carol, &repo, &pull, &on_line(3, "  ")).await;
            assert!(matches!(empty, Err(Error::Invalid { .. })), "{empty:?}");

            // A review with a line comment and no text.
            let review = review::submit_with_comments(
                &db,
                &carol,
                &repo,
                &pull,
                Verdict::Commented,
                "",
                &[on_line(3, "Why **this**?")],
            )
            .await
            .unwrap();
            let first = of_review(&db, pull.issue.id, review.id).await.unwrap();
            assert_eq!(first.len(), 1);
            let first = first[0].clone();
            assert_eq!((first.line, first.side), (3, Side::New));

            let mut position = crate::outbox::Position::START;
            crate::testing::events_since(&db, &mut position, 3).await;
            let answer = reply(&db, &bob, &repo, &pull, first.id, "Because.")
                .await
                .unwrap();
            assert_eq!(answer.reply_to, Some(first.id));
            // A reply to a reply joins the same conversation.
            let again = reply(&db, &carol, &repo, &pull, answer.id, "I see.")
                .await
                .unwrap();
            assert_eq!(again.reply_to, Some(first.id));
            let kinds: Vec<String> = crate::testing::events_since(&db, &mut position, 2)
                .await
                .into_iter()
                .map(|e| e.kind)
                .collect();
            assert_eq!(
                kinds,
                vec![kind::PULL_REVIEW_COMMENTED, kind::PULL_REVIEW_COMMENTED]
            );

            // Only the author of the pull request and maintainers resolve.
            let refused = set_resolved(&db, &carol, &repo, &pull, first.id, true).await;
            assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
            let resolved = set_resolved(&db, &bob, &repo, &pull, answer.id, true)
                .await
                .unwrap();
            assert_eq!(resolved.id, first.id);
            assert_eq!(resolved.resolved_by.as_deref(), Some("bob"));
            let open = set_resolved(&db, &alice, &repo, &pull, first.id, false)
                .await
                .unwrap();
            assert_eq!(open.resolved_by, None);

            // Authors edit their own comments only.
            let theirs = edit(&db, &bob, &repo, &pull, first.id, "Mine now").await;
            assert!(matches!(theirs, Err(Error::Forbidden(_))), "{theirs:?}");
            let edited = edit(&db, &carol, &repo, &pull, first.id, "Why this, really?")
                .await
                .unwrap();
            assert_eq!(edited.body, "Why this, really?");

            let threads = conversations(list(&db, pull.issue.id).await.unwrap());
            assert_eq!(threads.len(), 1);
            assert_eq!(threads[0].1.len(), 2);

            let refused = delete(&db, &bob, &repo, &pull, first.id).await;
            assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
            delete(&db, &carol, &repo, &pull, first.id).await.unwrap();
            assert!(list(&db, pull.issue.id).await.unwrap().is_empty());
        }
    }
}
