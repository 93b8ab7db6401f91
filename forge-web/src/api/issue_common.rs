//! What the issue tracker's resources share (issues, comments, labels,
//! milestones, the labels of an issue, timelines): loading what a request
//! names, reading query strings, and Gitea's v1 JSON shapes.
//!
//! `forge-core` decides who may do what (and answers 404 for private
//! repositories to outsiders); these modules parse requests and render
//! Gitea's JSON. Our extensions: `state_reason` and `locked` on issues,
//! `hidden` on comments, the timeline's event shape, and keyset paging with
//! `after` (the next cursor comes in `Link` and `X-Next-Cursor` headers)
//! instead of Gitea's `page`.

use crate::AppState;
use crate::error::ApiError;
use forge_core::clock::rfc3339;
use forge_core::issue::{self, Issue, Rights};
use forge_core::issue_query::StateFilter;
use forge_core::label::{self, Label};
use forge_core::milestone::{self, Milestone};
use forge_core::repo::{self, Access, Repo};
use forge_core::user::{self, User};
use forge_core::{Db, Error, LabelId, MilestoneId};
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Tells a field sent as `null` (`Some(None)`) from a missing one (`None`).
pub(super) fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

// ---------------------------------------------------------------------------
// Loading what a request names.

pub(super) async fn readable_repo(
    state: &AppState,
    viewer: Option<&User>,
    owner: &str,
    name: &str,
) -> Result<Repo, ApiError> {
    Ok(repo::find_readable(&state.db, viewer, owner, name).await?.0)
}

pub(super) async fn readable_issue(
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

/// Labels named by id (a number) or by name (a string), as Gitea accepts.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum LabelRef {
    Id(i64),
    Name(String),
}

pub(super) async fn resolve_labels(
    db: &Db,
    repo: &Repo,
    refs: &[LabelRef],
) -> Result<Vec<LabelId>, ApiError> {
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

pub(super) async fn existing_label(
    state: &AppState,
    repo: &Repo,
    id: i64,
) -> Result<Label, ApiError> {
    Ok(label::get(&state.db, repo.id, LabelId(id))
        .await?
        .ok_or_else(|| Error::not_found("error-label-not-found"))?)
}

// ---------------------------------------------------------------------------
// Gitea's JSON shapes.

/// An account embedded in another object, known only by id and name.
pub(super) fn user_ref(state: &AppState, id: i64, name: &str) -> Value {
    super::users::gitea_user(
        &state.config.base_url,
        super::users::UserFields {
            id,
            login: name,
            ..Default::default()
        },
    )
}

pub(super) fn repo_path(state: &AppState, repo: &Repo) -> (String, String) {
    let base = &state.config.base_url;
    let full = repo.full_name();
    (
        format!("{base}/{full}"),
        format!("{base}/api/v1/repos/{full}"),
    )
}

pub(super) fn label_json(state: &AppState, repo: &Repo, label: &Label) -> Value {
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

pub(super) fn milestone_json(milestone: &Milestone) -> Value {
    json!({
        "id": milestone.id,
        "title": milestone.title,
        "description": milestone.description,
        "state": if milestone.closed { "closed" } else { "open" },
        "open_issues": milestone.open_issues,
        "closed_issues": milestone.closed_issues,
        "due_on": milestone.due_at.map(rfc3339),
        // When it was closed is not recorded: its last change stands in.
        "closed_at": milestone.closed.then(|| rfc3339(milestone.updated_at)),
        "created_at": rfc3339(milestone.created_at),
        "updated_at": rfc3339(milestone.updated_at),
    })
}

/// Looks up, once per response, the users and milestones JSON refers to.
#[derive(Default)]
pub(super) struct Lookups {
    users: HashMap<String, Value>,
    milestones: HashMap<i64, Value>,
    readable_repos: HashMap<String, bool>,
}

impl Lookups {
    pub(super) async fn user(&mut self, state: &AppState, name: &str) -> Result<Value, ApiError> {
        if let Some(found) = self.users.get(name) {
            return Ok(found.clone());
        }
        let value = match user::by_name(&state.db, name).await? {
            Some(found) => super::users::user_json(&state.config.base_url, &found, None),
            None => user_ref(state, 0, name),
        };
        self.users.insert(name.to_string(), value.clone());
        Ok(value)
    }

    pub(super) async fn milestone(
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
    pub(super) async fn may_read(
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

// ---------------------------------------------------------------------------
// Query strings.

/// The query string as pairs, in order.
pub(super) fn query_pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
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
pub(super) fn refuse_nul_names<'a>(
    field: &'static str,
    names: impl IntoIterator<Item = &'a String>,
) -> Result<(), ApiError> {
    if names.into_iter().any(|n| n.contains('\0')) {
        return Err(Error::invalid(field, "error-text-nul").into());
    }
    Ok(())
}

pub(super) fn first<'a>(pairs: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| names.contains(&key.as_str()))
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

/// A list's `state` filter: open unless the query says closed or all.
pub(super) fn state_filter(pairs: &[(String, String)]) -> Result<StateFilter, ApiError> {
    match first(pairs, &["state"]) {
        None | Some("open") => Ok(StateFilter::Open),
        Some("closed") => Ok(StateFilter::Closed),
        Some("all") => Ok(StateFilter::All),
        Some(_) => Err(Error::invalid("state", "error-state-filter").into()),
    }
}
