//! Issues: the list (filters, keyset pages), opening, reading and editing
//! one.

use super::ApiJson;
use super::ApiPath;
use super::issue_common::{
    LabelRef, Lookups, first, label_json, present, query_pairs, readable_issue, readable_repo,
    refuse_nul_names, repo_path, resolve_labels, state_filter,
};
use super::paging::{Paging, page_response};
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forge_core::clock::rfc3339;
use forge_core::issue::{self, CloseReason, Issue, IssueChanges, NewIssue};
use forge_core::issue_query::{self, IssueQuery, KindFilter, MilestoneFilter, Sort};
use forge_core::label;
use forge_core::milestone;
use forge_core::pull;
use forge_core::repo::Repo;
use forge_core::user;
use forge_core::{Db, Error, MilestoneId, UserId};
use serde::Deserialize;
use serde_json::{Value, json};

pub(super) async fn issue_json(
    state: &AppState,
    repo: &Repo,
    found: &Issue,
    lookups: &mut Lookups,
) -> Result<Value, ApiError> {
    let db = &state.db;
    let labels: Vec<Value> = issue::labels_of(db, found.id)
        .await?
        .iter()
        .map(|l| label_json(state, repo, l))
        .collect();
    let mut assignees = Vec::new();
    for name in issue::assignees_of(db, found.id).await? {
        assignees.push(lookups.user(state, &name).await?);
    }
    let milestone = match found.milestone_id {
        Some(id) => lookups.milestone(db, repo, id).await?,
        None => Value::Null,
    };
    let (html, api) = repo_path(state, repo);
    // Gitea's `PullRequestMeta` on the issue that is a pull request, whose
    // page is then the pull request's.
    let (pull_request, html_url) = match pull::merged_at_of(db, found.id).await? {
        Some(merged_at) => {
            let html_url = format!("{html}/pulls/{}", found.number);
            let meta = json!({
                "merged": merged_at.is_some(),
                "merged_at": merged_at.map(rfc3339),
                "draft": false,
                "html_url": html_url,
            });
            (meta, html_url)
        }
        None => (Value::Null, format!("{html}/issues/{}", found.number)),
    };
    Ok(json!({
        "id": found.id,
        "number": found.number,
        "url": format!("{api}/issues/{}", found.number),
        "html_url": html_url,
        "title": found.title,
        "body": found.body,
        "user": lookups.user(state, &found.author_name).await?,
        "labels": labels,
        "milestone": milestone,
        "assignee": assignees.first().cloned().unwrap_or(Value::Null),
        "assignees": assignees,
        "state": if found.closed { "closed" } else { "open" },
        "state_reason": found.close_reason.map(CloseReason::as_str),
        "is_locked": found.locked,
        "comments": found.comment_count,
        "created_at": rfc3339(found.created_at),
        "updated_at": rfc3339(found.updated_at),
        "closed_at": found.closed_at.map(rfc3339),
        "due_date": Value::Null,
        "pull_request": pull_request,
        // Gitea's fields without meaning here: no migrated authors, no
        // branch reference, no attachments, no pins.
        "original_author": "",
        "original_author_id": 0,
        "ref": "",
        "assets": [],
        "pin_order": 0,
        "repository": {
            "id": repo.id,
            "name": repo.name,
            "owner": repo.owner_name,
            "full_name": repo.full_name(),
        },
    }))
}

/// The issue list's query, or `None` when it names something that does not
/// exist (an unknown label, milestone or user), which no issue matches.
async fn issue_query(
    state: &AppState,
    repo: &Repo,
    pairs: &[(String, String)],
) -> Result<Option<IssueQuery>, ApiError> {
    let db = &state.db;
    let paging = Paging::from_pairs(pairs, issue_query::MAX_LIMIT)?;
    let after = first(pairs, &["after"]).map(str::to_string);
    let state_filter = state_filter(pairs)?;
    let sort = match first(pairs, &["sort"]) {
        Some(sort) => Sort::parse(sort)?,
        None => Sort::default(),
    };
    let kind = match first(pairs, &["type"]) {
        Some(kind) => KindFilter::parse(kind)?,
        None => KindFilter::Both,
    };
    let mut query = IssueQuery {
        state: state_filter,
        kind,
        sort,
        limit: paging.limit,
        // A cursor is where the page starts; without one, the page number.
        offset: if after.is_some() { 0 } else { paging.offset() },
        after,
        text: first(pairs, &["q"]).map(str::to_string),
        ..IssueQuery::default()
    };
    if let Some(names) = first(pairs, &["labels"]) {
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match label::by_name(db, repo.id, name).await? {
                Some(found) => query.labels.push(found.id),
                None => return Ok(None),
            }
        }
    }
    if let Some(wanted) = first(pairs, &["milestone", "milestones"]) {
        query.milestone = if wanted.eq_ignore_ascii_case("none") {
            Some(MilestoneFilter::None)
        } else {
            let mut found = milestone::by_title(db, repo.id, wanted).await?;
            if found.is_none()
                && let Ok(id) = wanted.parse::<i64>()
            {
                found = milestone::get(db, repo.id, MilestoneId(id)).await?;
            }
            match found {
                Some(m) => Some(MilestoneFilter::Is(m.id)),
                None => return Ok(None),
            }
        };
    }
    let people = [
        named_user(db, pairs, &["assignee", "assigned_by"]).await?,
        named_user(db, pairs, &["created_by"]).await?,
        named_user(db, pairs, &["mentioned_by"]).await?,
    ];
    let [assignee, author, mentioned] = match people {
        [Named::Unknown, _, _] | [_, Named::Unknown, _] | [_, _, Named::Unknown] => {
            return Ok(None);
        }
        [a, b, c] => [a, b, c].map(Named::found),
    };
    query.assignee = assignee;
    query.author = author.map(Into::into);
    query.mentioned = mentioned;
    Ok(Some(query))
}

/// A user named by a filter of the query string.
enum Named {
    Absent,
    Unknown,
    Found(UserId),
}

impl Named {
    fn found(self) -> Option<UserId> {
        match self {
            Named::Found(id) => Some(id),
            Named::Absent | Named::Unknown => None,
        }
    }
}

async fn named_user(db: &Db, pairs: &[(String, String)], keys: &[&str]) -> Result<Named, ApiError> {
    let Some(name) = first(pairs, keys) else {
        return Ok(Named::Absent);
    };
    Ok(match user::by_name(db, name).await? {
        Some(found) => Named::Found(found.id),
        None => Named::Unknown,
    })
}

fn header_value(text: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(text)
        .map_err(|e| Error::Internal(format!("an unsendable header value: {e}")).into())
}

pub(super) async fn list(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let Some(query) = issue_query(&state, &repo, &pairs).await? else {
        return Ok(Json(Value::Array(Vec::new())).into_response());
    };
    let page = issue_query::list(&state.db, repo.id, &query).await?;
    let total = issue_query::count(&state.db, repo.id, &query).await?;
    let mut lookups = Lookups::default();
    let mut out = Vec::with_capacity(page.issues.len());
    for found in &page.issues {
        out.push(issue_json(&state, &repo, found, &mut lookups).await?);
    }
    let (_, api) = repo_path(&state, &repo);
    let url = format!("{api}/issues");
    let paging = Paging {
        page: query.offset / query.limit + 1,
        limit: query.limit,
    };
    let mut response = if query.after.is_some() {
        // Walking by cursor: the next page is the one after this page's last
        // issue, and numbered pages would not line up with it.
        let mut response = Json(Value::Array(out)).into_response();
        response.headers_mut().insert(
            HeaderName::from_static("x-total-count"),
            HeaderValue::from(total),
        );
        if let Some(next) = &page.next {
            let mut kept: Vec<(&str, &str)> = pairs
                .iter()
                .filter(|(key, _)| !matches!(key.as_str(), "after" | "page"))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            kept.push(("after", next));
            let query = serde_urlencoded::to_string(&kept)
                .map_err(|e| Error::Internal(format!("encoding a query: {e}")))?;
            let link = format!("<{url}?{query}>; rel=\"next\"");
            response
                .headers_mut()
                .insert(header::LINK, header_value(&link)?);
        }
        response
    } else {
        page_response(out, total, paging, &url, &pairs)?
    };
    // The cursor of the page's last issue: clients may go on from it the fast
    // way, whichever way they came.
    if let Some(next) = page.next {
        response.headers_mut().insert(
            HeaderName::from_static("x-next-cursor"),
            header_value(&next)?,
        );
    }
    Ok(response)
}

#[derive(Deserialize)]
pub(super) struct CreateIssue {
    title: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    assignee: Option<String>,
    #[serde(default)]
    assignees: Option<Vec<String>>,
    #[serde(default)]
    milestone: Option<i64>,
    #[serde(default)]
    labels: Vec<LabelRef>,
    #[serde(default)]
    closed: bool,
}

pub(super) async fn create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreateIssue>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let mut assignees = body.assignees.unwrap_or_default();
    if let Some(one) = body.assignee.filter(|a| !a.trim().is_empty())
        && !assignees.contains(&one)
    {
        assignees.push(one);
    }
    refuse_nul_names("assignees", &assignees)?;
    let new = NewIssue {
        title: body.title,
        body: body.body.unwrap_or_default(),
        labels: resolve_labels(&state.db, &repo, &body.labels).await?,
        assignees,
        milestone: body.milestone.filter(|m| *m != 0).map(MilestoneId),
    };
    let mut created = issue::create(&state.db, &actor, &repo, new).await?;
    if body.closed {
        let close = IssueChanges {
            state: Some(Some(CloseReason::Completed)),
            ..IssueChanges::default()
        };
        created = issue::update(&state.db, &actor, &repo, &created, close).await?;
    }
    let value = issue_json(&state, &repo, &created, &mut Lookups::default()).await?;
    Ok((StatusCode::CREATED, Json(value)))
}

pub(super) async fn get(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, found, _) = readable_issue(&state, viewer.as_ref(), &owner, &name, index).await?;
    Ok(Json(
        issue_json(&state, &repo, &found, &mut Lookups::default()).await?,
    ))
}

#[derive(Deserialize)]
pub(super) struct EditIssue {
    title: Option<String>,
    body: Option<String>,
    state: Option<String>,
    state_reason: Option<String>,
    assignee: Option<String>,
    assignees: Option<Vec<String>>,
    /// A milestone id; `0` or `null` removes the milestone.
    #[serde(default, deserialize_with = "present")]
    milestone: Option<Option<i64>>,
    locked: Option<bool>,
}

/// Gitea answers an edited issue with 201.
pub(super) async fn edit(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<EditIssue>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let (repo, found, _) = readable_issue(&state, Some(&actor), &owner, &name, index).await?;
    let reason = body
        .state_reason
        .as_deref()
        .map(CloseReason::parse)
        .transpose()?;
    let new_state = match body.state.as_deref().map(str::trim) {
        None => None,
        Some("open") => Some(None),
        Some("closed") => Some(Some(reason.unwrap_or(CloseReason::Completed))),
        Some(_) => return Err(Error::invalid("state", "error-issue-state").into()),
    };
    let assignees = match (body.assignees, body.assignee) {
        (Some(list), _) => Some(list),
        (None, Some(one)) if one.trim().is_empty() => Some(Vec::new()),
        (None, Some(one)) => Some(vec![one]),
        (None, None) => None,
    };
    refuse_nul_names("assignees", assignees.iter().flatten())?;
    let changes = IssueChanges {
        title: body.title,
        body: body.body,
        state: new_state,
        locked: body.locked,
        milestone: body
            .milestone
            .map(|m| m.filter(|id| *id != 0).map(MilestoneId)),
        assignees,
    };
    let updated = issue::update(&state.db, &actor, &repo, &found, changes).await?;
    let value = issue_json(&state, &repo, &updated, &mut Lookups::default()).await?;
    Ok((StatusCode::CREATED, Json(value)))
}
