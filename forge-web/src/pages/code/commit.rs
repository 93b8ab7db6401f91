//! One commit: its message, author, parents and diff.

use super::{RepoHead, components, owner_and_repo, read_repository, readable, short};
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::i18n;
use crate::views::{date, render};
use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use forge_git::browse::{self, DiffBody, FileStatus, LineKind};

/// The files of a diff as the diff template (`diff_files.html`) shows
/// them: a commit's, or a pull request's.
pub(crate) fn file_views(ctx: &PageCtx, diff: &browse::DiffView) -> Vec<FileDiffView> {
    let added = ctx.t("code-diff-added-line");
    let removed = ctx.t("code-diff-removed-line");
    diff.files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let title = match f.status {
                FileStatus::Renamed | FileStatus::Copied if f.old_path != f.new_path => {
                    format!("{} → {}", f.old_path, f.new_path)
                }
                FileStatus::Deleted => f.old_path.clone(),
                _ => f.new_path.clone(),
            };
            let status = ctx.t(match f.status {
                FileStatus::Added => "code-diff-status-added",
                FileStatus::Deleted => "code-diff-status-deleted",
                FileStatus::Modified => "code-diff-status-modified",
                FileStatus::Renamed => "code-diff-status-renamed",
                FileStatus::Copied => "code-diff-status-copied",
                FileStatus::TypeChanged => "code-diff-status-type-changed",
            });
            let stats = message2(
                ctx,
                "code-diff-stats",
                &[
                    ("added", &f.additions.to_string()),
                    ("removed", &f.deletions.to_string()),
                ],
            );
            let mut rows = Vec::new();
            let notice = match &f.body {
                DiffBody::Hunks(hunks) => {
                    for hunk in hunks {
                        rows.push(DiffRow {
                            class: "hunk",
                            old_no: String::new(),
                            new_no: String::new(),
                            mark: "",
                            mark_label: String::new(),
                            text: hunk.header.clone(),
                        });
                        for line in &hunk.lines {
                            let (class, mark, label) = match line.kind {
                                LineKind::Added => ("add", "+", added.clone()),
                                LineKind::Removed => ("del", "-", removed.clone()),
                                LineKind::Context => ("ctx", "", String::new()),
                            };
                            rows.push(DiffRow {
                                class,
                                old_no: line.old_no.map(|n| n.to_string()).unwrap_or_default(),
                                new_no: line.new_no.map(|n| n.to_string()).unwrap_or_default(),
                                mark,
                                mark_label: label,
                                text: line.text.clone(),
                            });
                        }
                    }
                    None
                }
                DiffBody::Binary => Some(ctx.t("code-diff-binary")),
                DiffBody::TooLarge => Some(ctx.t("code-diff-file-too-large")),
                DiffBody::Empty => Some(ctx.t("code-diff-no-lines")),
            };
            FileDiffView {
                anchor: format!("diff-{}", i + 1),
                title,
                status,
                stats,
                notice,
                rows,
            }
        })
        .collect()
}

fn message2(ctx: &PageCtx, key: &str, args: &[(&str, &str)]) -> String {
    i18n::catalogue().message(ctx.lang, key, args)
}

#[derive(Template)]
#[template(path = "repo_commit.html")]
struct CommitView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    id: String,
    summary: String,
    body: String,
    author: String,
    author_date: String,
    author_date_iso: String,
    committer: Option<(String, String, String)>,
    parents: Vec<(String, String)>,
    browse_href: String,
    files_summary: String,
    truncated: Option<String>,
    files: Vec<FileDiffView>,
    /// What CI said about the commit, when anyone posted a status.
    checks: Option<crate::pages::pulls::ChecksView>,
}

pub(crate) struct FileDiffView {
    pub(crate) anchor: String,
    pub(crate) title: String,
    pub(crate) status: String,
    pub(crate) stats: String,
    pub(crate) notice: Option<String>,
    pub(crate) rows: Vec<DiffRow>,
}

pub(crate) struct DiffRow {
    pub(crate) class: &'static str,
    pub(crate) old_no: String,
    pub(crate) new_no: String,
    pub(crate) mark: &'static str,
    pub(crate) mark_label: String,
    pub(crate) text: String,
}

pub(super) async fn commit(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let wanted = parts
        .get(3)
        .and_then(|p| String::from_utf8(p.clone()).ok())
        .ok_or_else(PageError::not_found)?;
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "commits");
    let views = state.views.clone();
    let id = repo.id.0;
    let detail = read_repository(&state, id, move |git| {
        // The commit must be in this repository now, cached or not.
        let commit = browse::commit_by_id(git, &wanted)?;
        views.commits.get_or_try_insert(
            (id, commit),
            || browse::commit(git, commit, browse::DiffLimits::default()),
            crate::view_cache::commit_bytes,
        )
    })
    .await?;
    let files = file_views(&ctx, &detail.diff);
    let id = detail.id.to_string();
    let checks = crate::pages::pulls::checks_of(&state, &ctx, &repo, &id).await?;
    let committer = (detail.committer_name != detail.author_name
        || date(detail.committer_time_ms) != date(detail.author_time_ms))
    .then(|| {
        (
            detail.committer_name.clone(),
            date(detail.committer_time_ms),
            crate::format::long_date(ctx.lang, detail.committer_time_ms),
        )
    });
    let truncated = detail.diff.truncated.then(|| {
        ctx.t1(
            "code-diff-too-large",
            "shown",
            &detail
                .diff
                .files
                .len()
                .min(detail.diff.total_files)
                .to_string(),
        )
    });
    Ok(render(&CommitView {
        ctx: &ctx,
        checks,
        browse_href: format!("{}/src/commit/{id}", head.base),
        parents: detail
            .parents
            .iter()
            .map(|p| {
                let p = p.to_string();
                (short(&p), format!("{}/commit/{p}", head.base))
            })
            .collect(),
        id,
        summary: if detail.summary.is_empty() {
            ctx.t("code-no-message")
        } else {
            detail.summary.clone()
        },
        body: detail.body.clone(),
        author: detail.author_name.clone(),
        author_date: crate::format::long_date(ctx.lang, detail.author_time_ms),
        author_date_iso: date(detail.author_time_ms),
        committer,
        files_summary: ctx.t1(
            "code-diff-files-changed",
            "count",
            &detail.diff.total_files.to_string(),
        ),
        truncated,
        files,
        head,
    }))
}
