//! Pull request pages: the list (`/{owner}/{repo}/pulls`), the compare
//! page that opens one (`/{owner}/{repo}/compare/BASE...HEAD`, the head
//! being `BRANCH` or `OWNER:BRANCH` of a fork), one pull request with its
//! state, mergeability, merge form and commits (`/pulls/{n}`), and the
//! fork button (`POST /{owner}/{repo}/fork`). The conversation is the
//! issue page of the same number: a pull request is an issue. The changed
//! files (`/pulls/{n}/files`) and reviews are in [`super::reviews`].
//!
//! Nothing here computes mergeability: the page shows what the background
//! check stored, "checking" until it is known.

use super::code::{FileDiffView, file_views};
use super::repo_head::RepoHead;
use super::{readable, see_other};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::views::{render, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use forge_core::Error;
use forge_core::commit_status::{self, State as CheckState};
use forge_core::pull::{self, ListState, MergeStyle, PullRequest, Status};
use forge_core::repo::{self, Access, Repo};
use forge_git::browse::DiffLimits;
use forge_service::pulls::{MergeOptions, OpenPull};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{owner}/{repo}/pulls", get(list))
        .route("/{owner}/{repo}/compare", get(choose))
        .route("/{owner}/{repo}/compare/{*spec}", get(compare).post(open))
        .route("/{owner}/{repo}/pulls/{index}", get(show))
        .route("/{owner}/{repo}/pulls/{index}/merge", post(merge))
        .route("/{owner}/{repo}/fork", post(fork))
        .route(
            "/{owner}/{repo}/settings/merge-styles",
            post(super::repo_settings::save_merge_styles),
        )
}

/// One pull request in a list.
struct Row {
    number: i64,
    title: String,
    href: String,
    author: String,
    branches: String,
    state: String,
}

fn state_label(ctx: &PageCtx, pr: &PullRequest) -> String {
    if pr.merged.is_some() {
        ctx.t("pulls-state-merged")
    } else if pr.issue.closed {
        ctx.t("pulls-state-closed")
    } else {
        ctx.t("pulls-state-open")
    }
}

fn status_label(ctx: &PageCtx, status: Status) -> String {
    ctx.t(match status {
        Status::Checking => "pulls-status-checking",
        Status::Mergeable => "pulls-status-mergeable",
        Status::Conflict => "pulls-status-conflict",
        Status::Unrelated => "pulls-status-unrelated",
        Status::HeadMissing => "pulls-status-head-missing",
        Status::BaseMissing => "pulls-status-base-missing",
    })
}

async fn head_label(state: &AppState, base: &Repo, pr: &PullRequest) -> Result<String, Error> {
    Ok(match pr.head_repo_id {
        Some(id) if id == base.id => pr.head_branch.clone(),
        Some(id) => match repo::find_by_id(&state.db, id).await? {
            Some(head) => format!("{}:{}", head.owner_name, pr.head_branch),
            None => pr.head_branch.clone(),
        },
        None => pr.head_branch.clone(),
    })
}

#[derive(Template)]
#[template(path = "pull_list.html")]
struct ListPage<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    closed: bool,
    rows: Vec<Row>,
    new_href: String,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    state: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let closed = query.state.as_deref() == Some("closed");
    let which = if closed {
        ListState::Closed
    } else {
        ListState::Open
    };
    let (pulls, _) = pull::list(&state.db, repo.id, which, 0, 100).await?;
    let head = RepoHead::new(&state, &repo, access, "pulls");
    let mut rows = Vec::with_capacity(pulls.len());
    for pr in &pulls {
        rows.push(Row {
            number: pr.number(),
            title: pr.issue.title.clone(),
            href: format!("{}/pulls/{}", head.base, pr.number()),
            author: pr.issue.author_name.clone(),
            branches: format!(
                "{} → {}",
                head_label(&state, &repo, pr).await?,
                pr.base_branch
            ),
            state: state_label(&ctx, pr),
        });
    }
    Ok(render(&ListPage {
        ctx: &ctx,
        new_href: format!("{}/compare", head.base),
        head,
        closed,
        rows,
    }))
}

#[derive(Deserialize, Default)]
struct ChooseQuery {
    #[serde(default)]
    base: Option<String>,
    #[serde(default)]
    head: Option<String>,
}

#[derive(Template)]
#[template(path = "pull_choose.html")]
struct ChoosePage<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
}

/// The compare page's chooser: two branch names, sent to the compare page.
async fn choose(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<ChooseQuery>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let head = RepoHead::new(&state, &repo, access, "pulls");
    if let (Some(base), Some(from)) = (query.base, query.head)
        && !base.trim().is_empty()
        && !from.trim().is_empty()
    {
        let spec = format!("{}...{}", base.trim(), from.trim());
        return Ok(see_other(&format!(
            "{}/compare/{}",
            head.base,
            url_encode(&spec)
        )));
    }
    Ok(render(&ChoosePage { ctx: &ctx, head }))
}

/// `BASE...HEAD` where HEAD is `BRANCH` or `OWNER:BRANCH`.
fn parse_spec(spec: &str) -> Option<(String, Option<String>, String)> {
    let (base, head) = spec.split_once("...")?;
    let (owner, branch) = match head.split_once(':') {
        Some((owner, branch)) => (Some(owner.to_string()), branch.to_string()),
        None => (None, head.to_string()),
    };
    (!base.is_empty() && !branch.is_empty()).then(|| (base.to_string(), owner, branch))
}

/// The head repository the compare page names: the repository itself, or
/// the fork of it that `owner` has (and the visitor may read).
async fn head_repo(
    state: &AppState,
    ctx: &PageCtx,
    base: &Repo,
    owner: Option<&str>,
) -> Result<Repo, PageError> {
    match owner {
        None => Ok(base.clone()),
        Some(owner) if owner.eq_ignore_ascii_case(&base.owner_name) => Ok(base.clone()),
        Some(owner) => repo::forks_of(&state.db, ctx.user.as_ref(), base.id)
            .await?
            .into_iter()
            .find(|f| f.owner_name.eq_ignore_ascii_case(owner))
            .ok_or_else(PageError::not_found),
    }
}

#[derive(Template)]
#[template(path = "pull_compare.html")]
struct ComparePage<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    base_branch: String,
    head_label: String,
    commits: Vec<(String, String, String)>,
    files: Vec<FileDiffView>,
    files_summary: String,
    truncated: Option<String>,
    problem: Option<String>,
    may_open: bool,
    action: String,
}

/// A pull request not yet opened, to show what it would bring.
fn draft(
    base: &Repo,
    head: &Repo,
    base_branch: &str,
    head_branch: &str,
    commit: String,
) -> PullRequest {
    PullRequest {
        issue: forge_core::issue::Issue {
            id: forge_core::IssueId(0),
            repo_id: base.id,
            number: 0,
            title: String::new(),
            body: String::new(),
            author_id: forge_core::AccountId(0),
            author_name: String::new(),
            closed: false,
            close_reason: None,
            closed_at: None,
            locked: false,
            milestone_id: None,
            comment_count: 0,
            created_at: 0,
            updated_at: 0,
        },
        head_repo_id: Some(head.id),
        head_branch: head_branch.to_string(),
        base_branch: base_branch.to_string(),
        head_commit: commit,
        base_commit: String::new(),
        merge_base: String::new(),
        status: Status::Checking,
        conflicts: Vec::new(),
        check_seq: 0,
        merging: None,
        merging_by: None,
        merged: None,
    }
}

async fn compare(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, spec)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let (base_branch, head_owner, head_branch) =
        parse_spec(&spec).ok_or_else(PageError::not_found)?;
    let from = head_repo(&state, &ctx, &repo, head_owner.as_deref()).await?;
    let head = RepoHead::new(&state, &repo, access, "pulls");
    let head_label = if from.id == repo.id {
        head_branch.clone()
    } else {
        format!("{}:{head_branch}", from.owner_name)
    };
    let mut page = ComparePage {
        ctx: &ctx,
        action: format!("{}/compare/{}", head.base, url_encode(&spec)),
        head,
        base_branch: base_branch.clone(),
        head_label,
        commits: Vec::new(),
        files: Vec::new(),
        files_summary: String::new(),
        truncated: None,
        problem: None,
        may_open: ctx.user.is_some(),
    };
    let found = state
        .forge
        .compare(&repo, &from, &base_branch, &head_branch)
        .await;
    match found {
        Ok(commit) => {
            let pr = draft(&repo, &from, &base_branch, &head_branch, commit);
            let commits = state.forge.pull_commits(&repo, &pr).await?;
            let diff = state
                .forge
                .pull_files(&repo, &pr, DiffLimits::default())
                .await?;
            page.commits = commits
                .into_iter()
                .map(|c| {
                    let summary = c.message.lines().next().unwrap_or_default().to_string();
                    let href = format!("{}/commit/{}", page.head.base, c.id);
                    (c.id.chars().take(10).collect(), summary, href)
                })
                .collect();
            page.files_summary = ctx.t1(
                "code-diff-files-changed",
                "count",
                &diff.total_files.to_string(),
            );
            page.truncated = diff.truncated.then(|| {
                ctx.t1(
                    "code-diff-too-large",
                    "shown",
                    &diff.files.len().min(diff.total_files).to_string(),
                )
            });
            page.files = file_views(&ctx, &diff);
        }
        Err(e) => {
            page.may_open = false;
            page.problem = Some(crate::i18n::problem(ctx.lang, &PageError::from(e).problem));
        }
    }
    Ok(render(&page))
}

#[derive(Deserialize)]
struct OpenForm {
    title: String,
    #[serde(default)]
    body: String,
}

async fn open(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, spec)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<OpenForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _) = readable(&state, &ctx, &owner, &name).await?;
    let (base_branch, head_owner, head_branch) =
        parse_spec(&spec).ok_or_else(PageError::not_found)?;
    let from = head_repo(&state, &ctx, &repo, head_owner.as_deref()).await?;
    let opened = state
        .forge
        .open_pull(
            &user,
            &repo,
            OpenPull {
                title: form.title,
                body: form.body,
                head_repo: from,
                head_branch,
                base_branch,
            },
        )
        .await?;
    Ok(see_other(&format!(
        "{}/pulls/{}",
        super::repo_head::base_of(&repo),
        opened.number()
    )))
}

#[derive(Template)]
#[template(path = "pull_show.html")]
struct ShowPage<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    number: i64,
    title: String,
    state: String,
    author: String,
    base_branch: String,
    head_label: String,
    status: String,
    conflicts: Vec<String>,
    merged_commit: Option<(String, String)>,
    conversation_href: String,
    files_href: String,
    commits: Vec<(String, String, String)>,
    /// The merge form's choices, when the visitor may merge now.
    styles: Vec<(&'static str, String)>,
    merge_action: String,
    head_commit: String,
    /// The rule protecting the base branch and what it still waits for
    /// (`pull_protection.html`).
    protection: Option<(String, Vec<String>)>,
    /// The head commit's combined status and its contexts, when CI posted any.
    checks: Option<ChecksView>,
    /// For a maintainer: each funded issue the pull request fixes, and the
    /// link to its delivery form filled from the pull request.
    deliveries: Vec<(i64, String)>,
}

async fn load(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
    index: &str,
) -> Result<(Repo, Access, PullRequest), PageError> {
    let (repo, access) = readable(state, ctx, owner, name).await?;
    let number: i64 = index.parse().map_err(|_| PageError::not_found())?;
    let pr = pull::get(&state.db, repo.id, number)
        .await?
        .ok_or_else(PageError::not_found)?;
    Ok((repo, access, pr))
}

/// Where a pull request page of a plain issue's number leads: the issue's
/// page (as Gitea does), once the visitor may read the repository.
async fn issue_instead(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
    index: &str,
) -> Result<Option<Response>, PageError> {
    let (repo, _) = readable(state, ctx, owner, name).await?;
    let Ok(number) = index.parse::<i64>() else {
        return Ok(None);
    };
    if pull::get(&state.db, repo.id, number).await?.is_some() {
        return Ok(None);
    }
    Ok(forge_core::issue::get(&state.db, repo.id, number)
        .await?
        .map(|_| {
            see_other(&format!(
                "{}/issues/{number}",
                super::repo_head::base_of(&repo)
            ))
        }))
}

async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    if let Some(redirect) = issue_instead(&state, &ctx, &owner, &name, &index).await? {
        return Ok(redirect);
    }
    let (repo, access, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    let head = RepoHead::new(&state, &repo, access, "pulls");
    let commits = state
        .forge
        .pull_commits(&repo, &pr)
        .await?
        .into_iter()
        .map(|c| {
            let summary = c.message.lines().next().unwrap_or_default().to_string();
            let href = format!("{}/commit/{}", head.base, c.id);
            (c.id.chars().take(10).collect(), summary, href)
        })
        .collect();
    let checks = checks_of(&state, &ctx, &repo, &pr.head_commit).await?;
    let deliveries = if access >= Access::Write {
        funded_fixes(&state, &repo, &pr)
            .await?
            .into_iter()
            .map(|n| {
                let href = format!(
                    "{}/issues/{n}/funding?pull={}#deliver-form",
                    head.base,
                    pr.number()
                );
                (n, href)
            })
            .collect()
    } else {
        Vec::new()
    };
    let may_merge = access >= Access::Write && pr.is_open() && pr.merged.is_none();
    let protection = if pr.is_open() && pr.merged.is_none() {
        let merger = ctx.user.as_ref().filter(|_| may_merge);
        let (rule, blockers) = state
            .forge
            .merge_blockers(&repo, &pr, &pr.head_commit, merger)
            .await?;
        rule.map(|r| {
            (
                r.rule_name,
                blockers.iter().map(|p| ctx.problem(p)).collect(),
            )
        })
    } else {
        None
    };
    let styles = if may_merge && pr.status == Status::Mergeable {
        pull::merge_styles(&state.db, repo.id)
            .await?
            .into_iter()
            .map(|s| {
                let key = match s {
                    MergeStyle::Merge => "pulls-style-merge",
                    MergeStyle::Squash => "pulls-style-squash",
                    MergeStyle::Rebase => "pulls-style-rebase",
                    MergeStyle::FastForwardOnly => "pulls-style-fast-forward-only",
                };
                (s.as_str(), ctx.t(key))
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(render(&ShowPage {
        ctx: &ctx,
        number: pr.number(),
        title: pr.issue.title.clone(),
        state: state_label(&ctx, &pr),
        author: pr.issue.author_name.clone(),
        base_branch: pr.base_branch.clone(),
        head_label: head_label(&state, &repo, &pr).await?,
        status: status_label(&ctx, pr.status),
        conflicts: pr.conflicts.clone(),
        merged_commit: pr.merged.as_ref().map(|m| {
            (
                m.commit.chars().take(10).collect(),
                format!("{}/commit/{}", head.base, m.commit),
            )
        }),
        conversation_href: format!("{}/issues/{}", head.base, pr.number()),
        files_href: format!("{}/pulls/{}/files", head.base, pr.number()),
        merge_action: format!("{}/pulls/{}/merge", head.base, pr.number()),
        head_commit: pr.head_commit.clone(),
        checks,
        protection,
        deliveries,
        commits,
        styles,
        head,
    }))
}

#[derive(Deserialize)]
struct MergeForm {
    style: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    head_commit: String,
}

async fn merge(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<MergeForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, _, pr) = load(&state, &ctx, &owner, &name, &index).await?;
    state
        .forge
        .merge_pull(
            &user,
            &repo,
            &pr,
            MergeOptions {
                style: MergeStyle::parse(&form.style)?,
                message: Some(form.message).filter(|m| !m.trim().is_empty()),
                expected_head: Some(form.head_commit),
            },
        )
        .await?;
    Ok(see_other(&format!(
        "{}/pulls/{}",
        super::repo_head::base_of(&repo),
        pr.number()
    )))
}

/// A form with nothing but its CSRF token.
#[derive(Deserialize)]
struct NoFields {}

async fn fork(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (parent, _) = readable(&state, &ctx, &owner, &name).await?;
    let fork = state
        .forge
        .fork_repo(&user, &parent, &user.name, None)
        .await?;
    Ok(see_other(&super::repo_head::base_of(&fork)))
}

/// What CI said about a commit: the combined state and the latest status
/// of each context, for the pull request and commit pages.
pub(crate) struct ChecksView {
    pub(crate) combined: String,
    pub(crate) rows: Vec<CheckRow>,
}

pub(crate) struct CheckRow {
    pub(crate) context: String,
    pub(crate) state: String,
    pub(crate) description: String,
    pub(crate) target_url: Option<String>,
}

pub(crate) fn check_state_label(ctx: &PageCtx, state: CheckState) -> String {
    ctx.t(match state {
        CheckState::Success => "checks-state-success",
        CheckState::Warning => "checks-state-warning",
        CheckState::Pending => "checks-state-pending",
        CheckState::Failure => "checks-state-failure",
        CheckState::Error => "checks-state-error",
    })
}

/// The checks of commit `sha` of `repo` (which the visitor may read), or
/// `None` when nobody posted a status for it.
pub(crate) async fn checks_of(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    sha: &str,
) -> Result<Option<ChecksView>, Error> {
    let (combined, latest) = commit_status::combined(&state.db, repo.id, sha).await?;
    if latest.is_empty() {
        return Ok(None);
    }
    Ok(Some(ChecksView {
        combined: check_state_label(ctx, combined),
        rows: latest
            .into_iter()
            .map(|s| CheckRow {
                state: check_state_label(ctx, s.state),
                context: s.context,
                description: s.description,
                // Only web addresses are stored (checked when posted).
                target_url: Some(s.target_url).filter(|u| !u.is_empty()),
            })
            .collect(),
    }))
}

/// The issues of `repo` that `pr` says it fixes ("Fixes #N" in its
/// description or its commits) whose funding goal awaits a delivery.
async fn funded_fixes(state: &AppState, repo: &Repo, pr: &PullRequest) -> Result<Vec<i64>, Error> {
    let mut texts = vec![pr.issue.body.clone()];
    texts.extend(
        state
            .forge
            .pull_commits(repo, pr)
            .await?
            .into_iter()
            .map(|c| c.message),
    );
    let mut numbers: Vec<i64> = Vec::new();
    for reference in texts.iter().flat_map(|t| forge_core::refs::issue_refs(t)) {
        let here = reference.repo.as_ref().is_none_or(|(owner, name)| {
            owner.eq_ignore_ascii_case(&repo.owner_name) && name.eq_ignore_ascii_case(&repo.name)
        });
        if reference.closes && here && reference.number != pr.number() {
            numbers.push(reference.number);
        }
    }
    numbers.sort_unstable();
    numbers.dedup();
    let mut funded = Vec::new();
    for number in numbers {
        let Some(found) = forge_core::issue::get(&state.db, repo.id, number).await? else {
            continue;
        };
        if let Some(goal) = forge_core::funding::goal_of_issue(&state.db, found.id).await?
            && goal.state == forge_core::funding::GoalState::Funded
        {
            funded.push(number);
        }
    }
    Ok(funded)
}

/// The delivery form's start for a maintainer who comes from pull request
/// `number` of `repo`: its commits (and the merge commit, when it is not one
/// of them) and a note linking to it.
pub(crate) async fn delivery_prefill(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    number: i64,
) -> Result<Option<super::funding::DeliveryPrefill>, Error> {
    let Some(pr) = pull::get(&state.db, repo.id, number).await? else {
        return Ok(None);
    };
    let mut commits: Vec<String> = state
        .forge
        .pull_commits(repo, &pr)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    if let Some(merged) = &pr.merged
        && !commits.contains(&merged.commit)
    {
        commits.push(merged.commit.clone());
    }
    let link = format!(
        "{}{}/pulls/{number}",
        state.config.base_url.trim_end_matches('/'),
        super::repo_head::base_of(repo)
    );
    Ok(Some(super::funding::DeliveryPrefill {
        commits: commits.join(" "),
        note: crate::i18n::catalogue().message(
            ctx.lang,
            "pulls-delivery-note",
            &[("number", &number.to_string()), ("link", &link)],
        ),
    }))
}
