//! Issues, comments, labels, milestones and timelines, in Gitea's v1 shapes.
//!
//! `forge-core` decides who may do what (and answers 404 for private
//! repositories to outsiders); this module parses requests and renders
//! Gitea's JSON. Our extensions: `state_reason` and `locked` on issues,
//! `hidden` on comments, the timeline's event shape, and keyset paging with
//! `after` (the next cursor comes in `Link` and `X-Next-Cursor` headers)
//! instead of Gitea's `page`.

use super::ApiJson;
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use forge_core::clock::{parse_rfc3339, rfc3339};
use forge_core::comment::{self, Comment};
use forge_core::issue::{self, CloseReason, Issue, IssueChanges, NewIssue, Rights};
use forge_core::issue_query::{self, IssueQuery, MilestoneFilter, Sort, StateFilter};
use forge_core::label::{self, Label, LabelInput};
use forge_core::milestone::{self, Milestone, MilestoneInput};
use forge_core::repo::{self, Access, Repo};
use forge_core::timeline::{self, kind};
use forge_core::user::{self, User};
use forge_core::{CommentId, Db, Error, LabelId, MilestoneId, UserId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Issues per page when the client does not say.
const DEFAULT_LIMIT: i64 = 30;

/// Path parameters whose failures (a non-numeric index) answer 404 in
/// JSON rather than axum's plain-text 400. A NUL character names nothing
/// (PostgreSQL refuses it in text), so it is not found either.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.path().contains("%00") {
            return Err(ApiError::not_found());
        }
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(_) => Err(ApiError::not_found()),
        }
    }
}

/// Tells a field sent as `null` (`Some(None)`) from a missing one (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

// ---------------------------------------------------------------------------
// Loading what a request names.

async fn readable_repo(
    state: &AppState,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
) -> Result<Repo, ApiError> {
    Ok(repo::find_readable(&state.db, viewer, owner, name).await?.0)
}

async fn readable_issue(
    state: &AppState,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
    index: i64,
) -> Result<(Repo, Issue, Rights), ApiError> {
    let repo = readable_repo(state, viewer, owner, name).await?;
    let (found, rights) = issue::find_readable(&state.db, viewer, &repo, index).await?;
    Ok((repo, found, rights))
}

/// A comment of the repository, with the issue it belongs to.
async fn readable_comment(
    state: &AppState,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
    id: i64,
) -> Result<(Repo, Issue, Comment, Rights), ApiError> {
    let repo = readable_repo(state, viewer, owner, name).await?;
    let (found, number) = comment::find_in_repo(&state.db, repo.id, CommentId(id))
        .await?
        .ok_or_else(|| Error::not_found("error-comment-not-found"))?;
    let (parent, rights) = issue::find_readable(&state.db, viewer, &repo, number).await?;
    Ok((repo, parent, found, rights))
}

/// Labels named by id (a number) or by name (a string), as Gitea accepts.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum LabelRef {
    Id(i64),
    Name(String),
}

async fn resolve_labels(db: &Db, repo: &Repo, refs: &[LabelRef]) -> Result<Vec<LabelId>, ApiError> {
    let mut ids = Vec::with_capacity(refs.len());
    for reference in refs {
        let id = match reference {
            LabelRef::Id(id) => LabelId(*id),
            LabelRef::Name(name) => {
                refuse_nul_names("labels", [name])?;
                label::by_name(db, repo.id, name)
                    .await?
                    .ok_or_else(|| Error::invalid("labels", "error-label-not-found"))?
                    .id
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

// ---------------------------------------------------------------------------
// Gitea's JSON shapes.

fn user_ref(id: i64, name: &str) -> Value {
    json!({ "id": id, "login": name, "username": name })
}

fn repo_path(state: &AppState, repo: &Repo) -> (String, String) {
    let base = &state.config.base_url;
    let full = repo.full_name();
    (
        format!("{base}/{full}"),
        format!("{base}/api/v1/repos/{full}"),
    )
}

fn label_json(state: &AppState, repo: &Repo, label: &Label) -> Value {
    let (_, api) = repo_path(state, repo);
    json!({
        "id": label.id,
        "name": label.name,
        // Gitea gives colours without their `#`.
        "color": label.color.trim_start_matches('#'),
        "description": label.description,
        "exclusive": false,
        "is_archived": false,
        "url": format!("{api}/labels/{}", label.id),
    })
}

fn milestone_json(milestone: &Milestone) -> Value {
    json!({
        "id": milestone.id,
        "title": milestone.title,
        "description": milestone.description,
        "state": if milestone.closed { "closed" } else { "open" },
        "open_issues": milestone.open_issues,
        "closed_issues": milestone.closed_issues,
        "due_on": milestone.due_at.map(rfc3339),
        "created_at": rfc3339(milestone.created_at),
        "updated_at": rfc3339(milestone.updated_at),
    })
}

/// Looks up, once per response, the users and milestones JSON refers to.
#[derive(Default)]
struct Lookups {
    users: HashMap<String, Value>,
    milestones: HashMap<i64, Value>,
    readable_repos: HashMap<String, bool>,
}

impl Lookups {
    async fn user(&mut self, db: &Db, name: &str) -> Result<Value, ApiError> {
        if let Some(found) = self.users.get(name) {
            return Ok(found.clone());
        }
        let id = user::by_name(db, name).await?.map_or(0, |u| u.id.0);
        let value = user_ref(id, name);
        self.users.insert(name.to_string(), value.clone());
        Ok(value)
    }

    async fn milestone(
        &mut self,
        db: &Db,
        repo: &Repo,
        id: MilestoneId,
    ) -> Result<Value, ApiError> {
        if let Some(found) = self.milestones.get(&id.0) {
            return Ok(found.clone());
        }
        let value = milestone::get(db, repo.id, id)
            .await?
            .map_or(Value::Null, |m| milestone_json(&m));
        self.milestones.insert(id.0, value.clone());
        Ok(value)
    }

    /// Whether `viewer` may read the repository `owner/name`.
    async fn may_read(
        &mut self,
        db: &Db,
        viewer: Option<&User>,
        full_name: &str,
    ) -> Result<bool, ApiError> {
        if let Some(known) = self.readable_repos.get(full_name) {
            return Ok(*known);
        }
        let readable = match full_name.split_once('/') {
            Some((owner, name)) => match repo::find(db, owner, name).await? {
                Some(found) => repo::access(db, viewer, &found).await? >= Access::Read,
                None => false,
            },
            None => false,
        };
        self.readable_repos.insert(full_name.to_string(), readable);
        Ok(readable)
    }
}

async fn issue_json(
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
        assignees.push(lookups.user(db, &name).await?);
    }
    let milestone = match found.milestone_id {
        Some(id) => lookups.milestone(db, repo, id).await?,
        None => Value::Null,
    };
    let (html, api) = repo_path(state, repo);
    Ok(json!({
        "id": found.id,
        "number": found.number,
        "url": format!("{api}/issues/{}", found.number),
        "html_url": format!("{html}/issues/{}", found.number),
        "title": found.title,
        "body": found.body,
        "user": user_ref(found.author_id.0, &found.author_name),
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
        "pull_request": Value::Null,
        "repository": {
            "id": repo.id,
            "name": repo.name,
            "owner": repo.owner_name,
            "full_name": repo.full_name(),
        },
    }))
}

/// A comment; the text of a hidden one only for maintainers.
fn comment_json(
    state: &AppState,
    repo: &Repo,
    number: i64,
    found: &Comment,
    rights: Rights,
) -> Value {
    let (html, _) = repo_path(state, repo);
    let issue_url = format!("{html}/issues/{number}");
    let body = if found.hidden && !rights.maintain() {
        ""
    } else {
        found.body.as_str()
    };
    json!({
        "id": found.id,
        "body": body,
        "hidden": found.hidden,
        "user": user_ref(found.author_id.0, &found.author_name),
        "html_url": format!("{issue_url}#issuecomment-{}", found.id),
        "issue_url": issue_url,
        "pull_request_url": "",
        "created_at": rfc3339(found.created_at),
        "updated_at": rfc3339(found.updated_at),
    })
}

// ---------------------------------------------------------------------------
// Issues.

/// The query string as pairs, in order.
fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        .map_err(|_| Error::invalid("query", "error-bad-query"))?;
    if pairs
        .iter()
        .any(|(key, value)| key.contains('\0') || value.contains('\0'))
    {
        return Err(Error::invalid("query", "error-text-nul").into());
    }
    Ok(pairs)
}

/// Names to look up, refused when they hold a NUL character (which no name
/// holds, and PostgreSQL cannot compare).
fn refuse_nul_names<'a>(
    field: &'static str,
    names: impl IntoIterator<Item = &'a String>,
) -> Result<(), ApiError> {
    if names.into_iter().any(|n| n.contains('\0')) {
        return Err(Error::invalid(field, "error-text-nul").into());
    }
    Ok(())
}

fn first<'a>(pairs: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| names.contains(&key.as_str()))
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// The issue list's query, or `None` when it names something that does not
/// exist (an unknown label, milestone or user), which no issue matches.
async fn issue_query(
    state: &AppState,
    repo: &Repo,
    pairs: &[(String, String)],
) -> Result<Option<IssueQuery>, ApiError> {
    let db = &state.db;
    if let Some(page) = first(pairs, &["page"]) {
        let page: i64 = page
            .parse()
            .map_err(|_| Error::invalid("page", "error-page-offset"))?;
        if page > 1 {
            return Err(Error::invalid("page", "error-page-offset").into());
        }
    }
    let limit = match first(pairs, &["limit"]) {
        None => DEFAULT_LIMIT,
        Some(limit) => match limit.parse::<i64>() {
            Ok(0) => DEFAULT_LIMIT,
            Ok(n) if n > 0 => n.min(issue_query::MAX_LIMIT),
            _ => return Err(Error::invalid("limit", "error-limit").into()),
        },
    };
    let state_filter = match first(pairs, &["state"]) {
        None | Some("open") => StateFilter::Open,
        Some("closed") => StateFilter::Closed,
        Some("all") => StateFilter::All,
        Some(_) => return Err(Error::invalid("state", "error-state-filter").into()),
    };
    let sort = match first(pairs, &["sort"]) {
        Some(sort) => Sort::parse(sort)?,
        None => Sort::default(),
    };
    let mut query = IssueQuery {
        state: state_filter,
        sort,
        limit,
        after: first(pairs, &["after"]).map(str::to_string),
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

pub async fn list(
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
    let mut lookups = Lookups::default();
    let mut out = Vec::with_capacity(page.issues.len());
    for found in &page.issues {
        out.push(issue_json(&state, &repo, found, &mut lookups).await?);
    }
    let mut response = Json(Value::Array(out)).into_response();
    if let Some(next) = page.next {
        let mut kept: Vec<(&str, &str)> = pairs
            .iter()
            .filter(|(key, _)| key != "after" && key != "page")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        kept.push(("after", &next));
        let query = serde_urlencoded::to_string(&kept)
            .map_err(|e| Error::Internal(format!("encoding a query: {e}")))?;
        let (_, api) = repo_path(&state, &repo);
        let link = format!("<{api}/issues?{query}>; rel=\"next\"");
        let headers = response.headers_mut();
        headers.insert(header::LINK, header_value(&link)?);
        headers.insert(
            HeaderName::from_static("x-next-cursor"),
            header_value(&next)?,
        );
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct CreateIssue {
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

pub async fn create(
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

pub async fn get(
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
pub struct EditIssue {
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
pub async fn edit(
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

// ---------------------------------------------------------------------------
// Comments.

pub async fn list_comments(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, found, rights) =
        readable_issue(&state, viewer.as_ref(), &owner, &name, index).await?;
    let comments = comment::list(&state.db, found.id).await?;
    Ok(Json(
        comments
            .iter()
            .map(|c| comment_json(&state, &repo, found.number, c, rights))
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct CreateComment {
    body: String,
}

pub async fn create_comment(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<CreateComment>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let (repo, found, rights) = readable_issue(&state, Some(&actor), &owner, &name, index).await?;
    let created = comment::create(&state.db, &actor, &repo, &found, &body.body).await?;
    Ok((
        StatusCode::CREATED,
        Json(comment_json(&state, &repo, found.number, &created, rights)),
    ))
}

pub async fn get_comment(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, parent, found, rights) =
        readable_comment(&state, viewer.as_ref(), &owner, &name, id).await?;
    Ok(Json(comment_json(
        &state,
        &repo,
        parent.number,
        &found,
        rights,
    )))
}

#[derive(Deserialize)]
pub struct EditComment {
    body: Option<String>,
    /// Our extension: maintainers hide and show comments.
    hidden: Option<bool>,
}

pub async fn edit_comment(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<EditComment>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let (repo, parent, found, rights) =
        readable_comment(&state, Some(&actor), &owner, &name, id).await?;
    // forge-core checks each part again; checking both first keeps a request
    // that is refused in part from changing anything.
    if body.hidden.is_some() && !rights.maintain() {
        return Err(Error::forbidden("error-maintainers-only").into());
    }
    if body.body.is_some() && found.author_id.0 != actor.id.0 {
        return Err(Error::forbidden("error-comment-own-only").into());
    }
    if let Some(text) = &body.body {
        comment::edit(&state.db, &actor, &repo, &parent, found.id, text).await?;
    }
    if let Some(hidden) = body.hidden {
        comment::set_hidden(&state.db, &actor, &repo, &parent, found.id, hidden).await?;
    }
    let (updated, _) = comment::find_in_repo(&state.db, repo.id, found.id)
        .await?
        .ok_or_else(|| Error::not_found("error-comment-not-found"))?;
    Ok(Json(comment_json(
        &state,
        &repo,
        parent.number,
        &updated,
        rights,
    )))
}

pub async fn delete_comment(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let (repo, parent, found, _) =
        readable_comment(&state, Some(&actor), &owner, &name, id).await?;
    comment::delete(&state.db, &actor, &repo, &parent, found.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// Labels of the repository.

pub async fn list_labels(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let labels = label::list(&state.db, repo.id).await?;
    Ok(Json(
        labels
            .iter()
            .map(|l| label_json(&state, &repo, l))
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct CreateLabel {
    name: String,
    color: String,
    #[serde(default)]
    description: Option<String>,
}

pub async fn create_label(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreateLabel>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let input = LabelInput {
        name: body.name,
        color: body.color,
        description: body.description.unwrap_or_default(),
    };
    let created = label::create(&state.db, &actor, &repo, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(label_json(&state, &repo, &created)),
    ))
}

async fn existing_label(state: &AppState, repo: &Repo, id: i64) -> Result<Label, ApiError> {
    Ok(label::get(&state.db, repo.id, LabelId(id))
        .await?
        .ok_or_else(|| Error::not_found("error-label-not-found"))?)
}

pub async fn get_label(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let found = existing_label(&state, &repo, id).await?;
    Ok(Json(label_json(&state, &repo, &found)))
}

#[derive(Deserialize)]
pub struct EditLabel {
    name: Option<String>,
    color: Option<String>,
    description: Option<String>,
}

pub async fn edit_label(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<EditLabel>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let found = existing_label(&state, &repo, id).await?;
    let input = LabelInput {
        name: body.name.unwrap_or(found.name),
        color: body.color.unwrap_or(found.color),
        description: body.description.unwrap_or(found.description),
    };
    let updated = label::update(&state.db, &actor, &repo, found.id, input).await?;
    Ok(Json(label_json(&state, &repo, &updated)))
}

pub async fn delete_label(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    label::delete(&state.db, &actor, &repo, LabelId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// Labels of an issue.

async fn issue_labels_json(
    state: &AppState,
    repo: &Repo,
    found: &Issue,
) -> Result<Value, ApiError> {
    Ok(issue::labels_of(&state.db, found.id)
        .await?
        .iter()
        .map(|l| label_json(state, repo, l))
        .collect())
}

pub async fn list_issue_labels(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (repo, found, _) = readable_issue(&state, viewer.as_ref(), &owner, &name, index).await?;
    Ok(Json(issue_labels_json(&state, &repo, &found).await?))
}

#[derive(Deserialize)]
pub struct IssueLabels {
    labels: Vec<LabelRef>,
}

/// Adds (or, with `replace`, sets) an issue's labels; answers its labels.
async fn change_issue_labels(
    state: &AppState,
    actor: &User,
    (owner, name, index): (String, String, i64),
    labels: &[LabelRef],
    replace: bool,
) -> Result<Value, ApiError> {
    let (repo, found, _) = readable_issue(state, Some(actor), &owner, &name, index).await?;
    let ids = resolve_labels(&state.db, &repo, labels).await?;
    if replace {
        issue::set_labels(&state.db, actor, &repo, &found, &ids).await?;
    } else {
        issue::add_labels(&state.db, actor, &repo, &found, &ids).await?;
    }
    issue_labels_json(state, &repo, &found).await
}

pub async fn add_issue_labels(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(path): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<IssueLabels>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        change_issue_labels(&state, &caller.user, path, &body.labels, false).await?,
    ))
}

pub async fn replace_issue_labels(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(path): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<IssueLabels>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        change_issue_labels(&state, &caller.user, path, &body.labels, true).await?,
    ))
}

/// Removes every label.
pub async fn clear_issue_labels(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(path): ApiPath<(String, String, i64)>,
) -> Result<StatusCode, ApiError> {
    change_issue_labels(&state, &caller.user, path, &[], true).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_issue_label(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index, id)): ApiPath<(String, String, i64, i64)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let (repo, found, _) = readable_issue(&state, Some(&actor), &owner, &name, index).await?;
    let target = existing_label(&state, &repo, id).await?;
    issue::remove_label(&state.db, &actor, &repo, &found, target.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// Milestones.

fn parse_due(text: &str) -> Result<i64, ApiError> {
    parse_rfc3339(text).ok_or_else(|| Error::invalid("due_on", "error-date").into())
}

fn parse_milestone_state(text: &str) -> Result<bool, ApiError> {
    match text.trim() {
        "open" => Ok(false),
        "closed" => Ok(true),
        _ => Err(Error::invalid("state", "error-issue-state").into()),
    }
}

pub async fn list_milestones(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let pairs = query_pairs(raw.as_deref())?;
    let wanted = match first(&pairs, &["state"]) {
        None | Some("open") => StateFilter::Open,
        Some("closed") => StateFilter::Closed,
        Some("all") => StateFilter::All,
        Some(_) => return Err(Error::invalid("state", "error-state-filter").into()),
    };
    let milestones = milestone::list(&state.db, repo.id).await?;
    Ok(Json(
        milestones
            .iter()
            .filter(|m| match wanted {
                StateFilter::Open => !m.closed,
                StateFilter::Closed => m.closed,
                StateFilter::All => true,
            })
            .map(milestone_json)
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct CreateMilestone {
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    due_on: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

pub async fn create_milestone(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreateMilestone>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let input = MilestoneInput {
        title: body.title,
        description: body.description.unwrap_or_default(),
        due_at: body.due_on.as_deref().map(parse_due).transpose()?,
        closed: body
            .state
            .as_deref()
            .map(parse_milestone_state)
            .transpose()?
            .unwrap_or(false),
    };
    let created = milestone::create(&state.db, &actor, &repo, input).await?;
    Ok((StatusCode::CREATED, Json(milestone_json(&created))))
}

/// A milestone by id, or by title like Gitea.
async fn existing_milestone(
    state: &AppState,
    repo: &Repo,
    id_or_title: &str,
) -> Result<Milestone, ApiError> {
    let mut found = None;
    if let Ok(id) = id_or_title.parse::<i64>() {
        found = milestone::get(&state.db, repo.id, MilestoneId(id)).await?;
    }
    if found.is_none() {
        found = milestone::by_title(&state.db, repo.id, id_or_title).await?;
    }
    Ok(found.ok_or_else(|| Error::not_found("error-milestone-not-found"))?)
}

pub async fn get_milestone(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let repo = readable_repo(&state, viewer.as_ref(), &owner, &name).await?;
    let found = existing_milestone(&state, &repo, &id).await?;
    Ok(Json(milestone_json(&found)))
}

#[derive(Deserialize)]
pub struct EditMilestone {
    title: Option<String>,
    description: Option<String>,
    /// `null` removes the due date.
    #[serde(default, deserialize_with = "present")]
    due_on: Option<Option<String>>,
    state: Option<String>,
}

pub async fn edit_milestone(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<EditMilestone>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let found = existing_milestone(&state, &repo, &id).await?;
    let due_at = match body.due_on {
        None => found.due_at,
        Some(None) => None,
        Some(Some(text)) if text.trim().is_empty() => None,
        Some(Some(text)) => Some(parse_due(&text)?),
    };
    let input = MilestoneInput {
        title: body.title.unwrap_or(found.title),
        description: body.description.unwrap_or(found.description),
        due_at,
        closed: match body.state.as_deref() {
            Some(text) => parse_milestone_state(text)?,
            None => found.closed,
        },
    };
    let updated = milestone::update(&state.db, &actor, &repo, found.id, input).await?;
    Ok(Json(milestone_json(&updated)))
}

pub async fn delete_milestone(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, id)): ApiPath<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let repo = readable_repo(&state, Some(&actor), &owner, &name).await?;
    let found = existing_milestone(&state, &repo, &id).await?;
    milestone::delete(&state.db, &actor, &repo, found.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// The timeline.

/// Whether a timeline event comes from the funding of the issue.
fn is_funding_event(kind: &str) -> bool {
    use forge_core::funding::kind as f;
    [
        f::OPENED,
        f::CHANGED,
        f::PLEDGED,
        f::PLEDGE_CHANGED,
        f::WITHDRAWN,
        f::FUNDED,
        f::EXPIRED,
        f::CANCELLED,
        f::DELIVERED,
        f::REVIEW_ACCEPTED,
        f::DISPUTED,
        f::ACCEPTED,
        f::REJECTED,
        f::PAYMENT,
        f::PAYMENT_REVERSED,
        f::SETTLED,
    ]
    .contains(&kind)
}

pub async fn timeline(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
) -> Result<Json<Value>, ApiError> {
    let viewer = caller.map(|c| c.user);
    let (_, found, _) = readable_issue(&state, viewer.as_ref(), &owner, &name, index).await?;
    let db = &state.db;
    let base = &state.config.base_url;
    let mut lookups = Lookups::default();
    let mut out = Vec::new();
    for event in timeline::events(db, found.id).await? {
        let mut value = Map::new();
        value.insert("id".into(), json!(event.id));
        value.insert("type".into(), json!(event.kind));
        let actor = match &event.actor {
            Some(name) => lookups.user(db, name).await?,
            None => Value::Null,
        };
        value.insert("actor".into(), actor);
        value.insert("created_at".into(), json!(rfc3339(event.created_at)));
        if let Some((label_name, color)) = &event.label {
            value.insert(
                "label".into(),
                json!({ "name": label_name, "color": color.trim_start_matches('#') }),
            );
        }
        if let Some(title) = &event.milestone {
            value.insert("milestone".into(), json!({ "title": title }));
        }
        if let Some(subject) = &event.subject {
            if is_funding_event(&event.kind) {
                // Funding events name the organisation concerned, and the
                // amount as "minor-units CURRENCY".
                value.insert(
                    "org".into(),
                    json!({ "login": subject, "username": subject }),
                );
            } else {
                value.insert("assignee".into(), lookups.user(db, subject).await?);
            }
        }
        if is_funding_event(&event.kind)
            && event.kind != forge_core::funding::kind::DISPUTED
            && let Some((amount, currency)) =
                event.new_value.as_deref().and_then(|v| v.split_once(' '))
            && let Ok(amount) = amount.parse::<i64>()
        {
            value.insert("amount_minor".into(), json!(amount));
            value.insert("currency".into(), json!(currency));
        }
        if event.kind == forge_core::funding::kind::DISPUTED {
            value.insert("reason".into(), json!(event.new_value));
        }
        if let Some(commit) = &event.commit {
            value.insert("commit_id".into(), json!(commit));
        }
        if let Some((full_name, number)) = &event.ref_issue {
            // A reference from a repository the viewer cannot read is not
            // shown at all: it would tell them that issue exists.
            if !lookups.may_read(db, viewer.as_ref(), full_name).await? {
                continue;
            }
            value.insert(
                "ref_issue".into(),
                json!({
                    "repository": full_name,
                    "number": number,
                    "html_url": format!("{base}/{full_name}/issues/{number}"),
                }),
            );
        }
        if event.kind == kind::RENAMED {
            value.insert("old_title".into(), json!(event.old_value));
            value.insert("new_title".into(), json!(event.new_value));
        }
        if event.kind == kind::CLOSED {
            value.insert("state_reason".into(), json!(event.new_value));
        }
        if let Some(id) = event.comment {
            value.insert("comment_id".into(), json!(id));
        }
        out.push(Value::Object(value));
    }
    Ok(Json(Value::Array(out)))
}
