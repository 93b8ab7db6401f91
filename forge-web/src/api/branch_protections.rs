//! Branch protection rules in Gitea's shapes (`BranchProtection`,
//! `CreateBranchProtectionOption`, `EditBranchProtectionOption`):
//! `GET/POST .../branch_protections`, `GET/PATCH/DELETE
//! .../branch_protections/{name}`. Administrators of the repository only;
//! the push allowlist is also the merge allowlist, and its "teams" are the
//! organisation roles that may write (`owner`, `maintainer`).

use super::issue_common::readable_repo;
use super::{ApiJson, ApiPath};
use crate::AppState;
use crate::auth::RequireCaller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use forge_core::Error;
use forge_core::branch_protection::{self, Changes, Protection, Settings};
use forge_core::clock::rfc3339;
use forge_core::repo::{self, Access, Repo};
use forge_core::user::User;
use serde::Deserialize;
use serde_json::{Value, json};

fn protection_json(p: &Protection) -> Value {
    let s = &p.settings;
    json!({
        "branch_name": p.rule_name,
        "rule_name": p.rule_name,
        "enable_push": s.enable_push,
        "enable_push_whitelist": s.enable_push_whitelist,
        "push_whitelist_usernames": s.push_whitelist_usernames,
        "push_whitelist_teams": s.push_whitelist_teams,
        "push_whitelist_deploy_keys": false,
        "enable_force_push": s.enable_force_push,
        "enable_merge_whitelist": s.enable_push_whitelist,
        "merge_whitelist_usernames": s.push_whitelist_usernames,
        "merge_whitelist_teams": s.push_whitelist_teams,
        "enable_status_check": s.enable_status_check,
        "status_check_contexts": s.status_check_contexts,
        "required_approvals": s.required_approvals,
        "enable_approvals_whitelist": false,
        "approvals_whitelist_username": [],
        "approvals_whitelist_teams": [],
        "block_on_rejected_reviews": s.block_on_rejected_reviews,
        "block_on_official_review_requests": false,
        "block_on_outdated_branch": false,
        "dismiss_stale_approvals": s.dismiss_stale_approvals,
        "require_signed_commits": false,
        "protected_file_patterns": "",
        "unprotected_file_patterns": "",
        "created_at": rfc3339(p.created_at),
        "updated_at": rfc3339(p.updated_at),
    })
}

/// The repository, when `actor` administers it: "not found" to those who
/// cannot see it, "forbidden" to the others.
async fn administered(
    state: &AppState,
    actor: &User,
    owner: &str,
    name: &str,
) -> Result<Repo, ApiError> {
    let repo = readable_repo(state, Some(actor), owner, name).await?;
    if repo::access(&state.db, Some(actor), &repo).await? < Access::Admin {
        return Err(Error::forbidden("error-protection-admins-only").into());
    }
    Ok(repo)
}

pub(super) async fn list(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let repo = administered(&state, &caller.user, &owner, &name).await?;
    let rules = branch_protection::list(&state.db, repo.id).await?;
    Ok(Json(Value::Array(
        rules.iter().map(protection_json).collect(),
    )))
}

pub(super) async fn get(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, rule)): ApiPath<(String, String, String)>,
) -> Result<Json<Value>, ApiError> {
    let repo = administered(&state, &caller.user, &owner, &name).await?;
    let found = branch_protection::get(&state.db, repo.id, &rule)
        .await?
        .ok_or_else(|| Error::not_found("error-protection-not-found"))?;
    Ok(Json(protection_json(&found)))
}

#[derive(Deserialize)]
pub(super) struct CreateProtection {
    #[serde(default)]
    rule_name: Option<String>,
    #[serde(default)]
    branch_name: Option<String>,
    #[serde(default)]
    enable_push: bool,
    #[serde(default)]
    enable_push_whitelist: bool,
    #[serde(default)]
    push_whitelist_usernames: Vec<String>,
    #[serde(default)]
    push_whitelist_teams: Vec<String>,
    #[serde(default)]
    enable_force_push: bool,
    #[serde(default)]
    required_approvals: i64,
    #[serde(default)]
    dismiss_stale_approvals: bool,
    #[serde(default)]
    block_on_rejected_reviews: bool,
    #[serde(default)]
    enable_status_check: bool,
    #[serde(default)]
    status_check_contexts: Vec<String>,
}

pub(super) async fn create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CreateProtection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let actor = caller.user;
    let repo = administered(&state, &actor, &owner, &name).await?;
    // Gitea's `rule_name`, or the older `branch_name`.
    let rule_name = body
        .rule_name
        .filter(|r| !r.trim().is_empty())
        .or(body.branch_name)
        .unwrap_or_default();
    let settings = Settings {
        enable_push: body.enable_push,
        enable_push_whitelist: body.enable_push_whitelist,
        push_whitelist_usernames: body.push_whitelist_usernames,
        push_whitelist_teams: body.push_whitelist_teams,
        enable_force_push: body.enable_force_push,
        required_approvals: body.required_approvals,
        dismiss_stale_approvals: body.dismiss_stale_approvals,
        block_on_rejected_reviews: body.block_on_rejected_reviews,
        enable_status_check: body.enable_status_check,
        status_check_contexts: body.status_check_contexts,
    };
    let made = branch_protection::create(&state.db, &actor, &repo, &rule_name, settings).await?;
    Ok((StatusCode::CREATED, Json(protection_json(&made))))
}

#[derive(Deserialize, Default)]
pub(super) struct EditProtection {
    enable_push: Option<bool>,
    enable_push_whitelist: Option<bool>,
    push_whitelist_usernames: Option<Vec<String>>,
    push_whitelist_teams: Option<Vec<String>>,
    enable_force_push: Option<bool>,
    required_approvals: Option<i64>,
    dismiss_stale_approvals: Option<bool>,
    block_on_rejected_reviews: Option<bool>,
    enable_status_check: Option<bool>,
    status_check_contexts: Option<Vec<String>>,
}

pub(super) async fn edit(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, rule)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<EditProtection>,
) -> Result<Json<Value>, ApiError> {
    let actor = caller.user;
    let repo = administered(&state, &actor, &owner, &name).await?;
    let changes = Changes {
        enable_push: body.enable_push,
        enable_push_whitelist: body.enable_push_whitelist,
        push_whitelist_usernames: body.push_whitelist_usernames,
        push_whitelist_teams: body.push_whitelist_teams,
        enable_force_push: body.enable_force_push,
        required_approvals: body.required_approvals,
        dismiss_stale_approvals: body.dismiss_stale_approvals,
        block_on_rejected_reviews: body.block_on_rejected_reviews,
        enable_status_check: body.enable_status_check,
        status_check_contexts: body.status_check_contexts,
    };
    let changed = branch_protection::update(&state.db, &actor, &repo, &rule, changes).await?;
    Ok(Json(protection_json(&changed)))
}

pub(super) async fn delete(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((owner, name, rule)): ApiPath<(String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.user;
    let repo = administered(&state, &actor, &owner, &name).await?;
    branch_protection::delete(&state.db, &actor, &repo, &rule).await?;
    Ok(StatusCode::NO_CONTENT)
}
