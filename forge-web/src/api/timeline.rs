//! The timeline of an issue: its events in order, funding events included,
//! in our own event shape rather than Gitea's.

use super::ApiPath;
use super::issue_common::{Lookups, readable_issue};
use super::list_url;
use super::paging::paged;
use crate::AppState;
use crate::auth::MaybeCaller;
use crate::error::ApiError;
use axum::extract::State;
use axum::extract::{OriginalUri, RawQuery};
use axum::response::Response;
use forge_core::clock::rfc3339;
use forge_core::timeline::{self, kind};
use serde_json::{Map, Value, json};

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

pub(super) async fn timeline(
    State(state): State<AppState>,
    MaybeCaller(caller): MaybeCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
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
            Some(name) => lookups.user(&state, name).await?,
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
                    super::users::gitea_user(
                        &state.config.base_url,
                        super::users::UserFields {
                            login: subject,
                            is_org: true,
                            ..Default::default()
                        },
                    ),
                );
            } else {
                value.insert("assignee".into(), lookups.user(&state, subject).await?);
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
    paged(out, raw.as_deref(), &list_url(&state, &uri))
}
