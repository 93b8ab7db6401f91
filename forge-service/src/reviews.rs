//! Reviews and line comments of pull requests: what needs both the
//! database and the repository. A new line comment takes its commit and
//! its line's text from the repository (the head for the `new` side, the
//! merge base for the `old` side); a page finds where each conversation
//! shows in the current diff, or that it is outdated.

use crate::Forge;
use crate::blocking;
use forge_core::pull::PullRequest;
use forge_core::repo::Repo;
use forge_core::review::{self, Review, Verdict};
use forge_core::review_comment::{self, NewLineComment, ReviewComment, Side};
use forge_core::user::User;
use forge_core::{Error, Result};
use forge_git::browse::{self, Oid};

/// A line comment as a person writes it: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDraft {
    pub path: String,
    pub side: Side,
    pub line: i64,
    pub body: String,
}

impl Forge {
    /// The commit each side of `pr`'s diff shows now: (merge base, head).
    async fn diff_ends(&self, repo: &Repo, pr: &PullRequest) -> Result<(Oid, Oid)> {
        self.pull_range(repo, pr)
            .await?
            .ok_or_else(|| Error::conflict(None, "error-review-no-diff"))
    }

    /// Fills in the commit and the line's text of each draft, refusing a
    /// line that the diff does not have.
    async fn anchor(
        &self,
        repo: &Repo,
        pr: &PullRequest,
        drafts: Vec<LineDraft>,
    ) -> Result<Vec<NewLineComment>> {
        if drafts.is_empty() {
            return Ok(Vec::new());
        }
        let (base, head) = self.diff_ends(repo, pr).await?;
        let storage = self.storage.clone();
        let id = repo.id.0;
        blocking::run("reading a commented line", move || {
            let git = storage
                .open(id)
                .map_err(|e| Error::Internal(format!("opening the repository: {e}")))?;
            drafts
                .into_iter()
                .map(|draft| {
                    let commit = match draft.side {
                        Side::New => head,
                        Side::Old => base,
                    };
                    let line = u32::try_from(draft.line)
                        .map_err(|_| Error::invalid("line", "error-review-line"))?;
                    let text = browse::line_text(&git, commit, &draft.path, line)
                        .map_err(|e| Error::Internal(format!("reading a line: {e}")))?
                        .ok_or_else(|| Error::invalid("line", "error-review-line"))?;
                    Ok(NewLineComment {
                        commit_id: commit.to_string(),
                        path: draft.path,
                        side: draft.side,
                        line: draft.line,
                        line_text: text,
                        body: draft.body,
                    })
                })
                .collect()
        })
        .await
    }

    /// Starts a conversation on a line of `pr`'s diff.
    pub async fn comment_line(
        &self,
        actor: &User,
        repo: &Repo,
        pr: &PullRequest,
        draft: LineDraft,
    ) -> Result<ReviewComment> {
        let mut anchored = self.anchor(repo, pr, vec![draft]).await?;
        let new = anchored
            .pop()
            .ok_or_else(|| Error::Internal("a line comment vanished".into()))?;
        review_comment::create(&self.db, actor, repo, pr, &new).await
    }

    /// Records a review with its line comments.
    pub async fn submit_review(
        &self,
        actor: &User,
        repo: &Repo,
        pr: &PullRequest,
        verdict: Verdict,
        body: &str,
        drafts: Vec<LineDraft>,
    ) -> Result<Review> {
        let comments = self.anchor(repo, pr, drafts).await?;
        review::submit_with_comments(&self.db, actor, repo, pr, verdict, body, &comments).await
    }

    /// Where each of `comments` shows in `pr`'s current diff: its line on
    /// its side, or `None` when that line is gone (outdated).
    pub async fn place_comments(
        &self,
        repo: &Repo,
        pr: &PullRequest,
        comments: &[ReviewComment],
    ) -> Result<Vec<Option<u32>>> {
        let Some((base, head)) = self.pull_range(repo, pr).await? else {
            return Ok(vec![None; comments.len()]);
        };
        let wanted: Vec<_> = comments
            .iter()
            .map(|c| {
                (
                    c.commit_id.clone(),
                    c.path.clone(),
                    c.side,
                    u32::try_from(c.line).unwrap_or(0),
                    c.line_text.clone(),
                )
            })
            .collect();
        let storage = self.storage.clone();
        let id = repo.id.0;
        blocking::run("placing review comments", move || {
            let git = storage
                .open(id)
                .map_err(|e| Error::Internal(format!("opening the repository: {e}")))?;
            wanted
                .iter()
                .map(|(commit, path, side, line, text)| {
                    let now = match side {
                        Side::New => head,
                        Side::Old => base,
                    };
                    browse::locate_line(&git, commit, now, path, *line, text)
                        .map_err(|e| Error::Internal(format!("placing a comment: {e}")))
                })
                .collect()
        })
        .await
    }
}
