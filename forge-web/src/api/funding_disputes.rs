//! Disputes in the funding API: a goal's dispute terms and votes in its
//! JSON, setting the terms with the goal, and the pledgers' vote.

use super::funding::{answer_goal, load};
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::RequireCaller;
use crate::error::ApiError;
use axum::extract::State;
use forge_core::Error;
use forge_core::clock::rfc3339;
use forge_core::funding::dispute::{self, DisputeRule};
use forge_core::funding::{self, Goal, Resolution};
use forge_core::issue::Issue;
use forge_core::repo::Repo;
use forge_core::user::User;
use serde::Deserialize;
use serde_json::{Value, json};

/// The goal's dispute terms and, while disputed, the votes.
pub async fn dispute_json(state: &AppState, goal: &Goal) -> Result<Value, ApiError> {
    let terms = dispute::terms_of(&state.db, goal.id).await?;
    let votes = dispute::votes(&state.db, goal.id).await?;
    Ok(json!({
        "rule": terms.rule.as_str(),
        "mediator": terms.mediator.map(|(_, name)| name),
        "vote_ends_at": terms.vote_ends_at.map(rfc3339),
        "votes": votes.iter().map(|v| json!({
            "org": v.org_name,
            "vote": if v.accept { "accept" } else { "reject" },
            "weight_minor": v.weight,
            "created_at": rfc3339(v.created_at),
        })).collect::<Vec<_>>(),
    }))
}

/// Sets the dispute terms sent with a goal: the rule (majority when
/// absent) and the mediator (none when absent).
pub async fn set_terms(
    state: &AppState,
    actor: &User,
    repo: &Repo,
    issue: &Issue,
    rule: Option<&str>,
    mediator: Option<&str>,
) -> Result<(), ApiError> {
    let rule = match rule {
        Some(text) => DisputeRule::parse(text)?,
        None => DisputeRule::default(),
    };
    dispute::set_terms(
        &state.db,
        actor,
        repo,
        issue,
        rule,
        mediator.unwrap_or_default(),
    )
    .await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct VoteBody {
    org: String,
    vote: String,
}

/// A pledging organisation's vote in a dispute.
pub async fn vote(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, index)): ApiPath<(String, String, i64)>,
    ApiJson(body): ApiJson<VoteBody>,
) -> Result<axum::Json<Value>, ApiError> {
    let actor = caller.user;
    let (found, issue) = load(&state, Some(&actor), &owner, &name, index).await?;
    let choice = match body.vote.trim() {
        "accept" => Resolution::Accept,
        "reject" => Resolution::Reject,
        _ => return Err(Error::invalid("vote", "error-resolution").into()),
    };
    funding::vote(&state.db, &actor, &found, &issue, &body.org, choice).await?;
    Ok(axum::Json(answer_goal(&state, &found, &issue).await?))
}
