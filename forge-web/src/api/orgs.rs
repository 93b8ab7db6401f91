use super::ApiJson;
use super::ApiPath;
use super::list_url;
use super::paging::paged;
use crate::AppState;
use crate::auth::{MaybeCaller, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::extract::{OriginalUri, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::clock::rfc3339;
use forge_core::org::{self, NewOrg, Org, OrgKind, Role};
use serde::Deserialize;
use serde_json::{Value, json};

/// Gitea's `Organization` object, plus our `kind` and `created`. Neutral
/// values: no address, avatar or location; public visibility;
/// `repo_admin_change_team_access` false (there are no teams).
pub fn org_json(org: &Org) -> Value {
    json!({
        "id": org.id,
        "name": org.name,
        "username": org.name,
        "full_name": org.full_name,
        "email": "",
        "description": org.description,
        "website": org.website,
        "kind": org.kind,
        "avatar_url": "",
        "location": "",
        "visibility": "public",
        "repo_admin_change_team_access": false,
        "created": rfc3339(org.created_at),
    })
}

async fn find(state: &AppState, name: &str) -> Result<Org, ApiError> {
    org::by_name(&state.db, name)
        .await?
        .ok_or_else(ApiError::not_found)
}

#[derive(Deserialize)]
pub struct CreateOrg {
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    kind: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiJson(body): ApiJson<CreateOrg>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    create_owned_by(&state, &caller.user, body).await
}

/// `POST /admin/users/{username}/orgs`: a site admin creates an
/// organisation whose first owner is the named user, as Gitea's admin API
/// does.
pub async fn create_by_admin(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(username): ApiPath<String>,
    ApiJson(body): ApiJson<CreateOrg>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !caller.user.is_admin {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "error-admin-only"));
    }
    let owner = forge_core::user::by_name(&state.db, &username)
        .await?
        .ok_or_else(ApiError::not_found)?;
    create_owned_by(&state, &owner, body).await
}

async fn create_owned_by(
    state: &AppState,
    owner: &forge_core::user::User,
    body: CreateOrg,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let kind = match body.kind.as_deref() {
        Some(kind) => OrgKind::parse(kind)?,
        None => OrgKind::Other,
    };
    let created = org::create(
        &state.db,
        owner,
        NewOrg {
            name: body.username,
            full_name: body.full_name,
            description: body.description,
            kind,
            website: body.website,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(org_json(&created))))
}

pub async fn get(
    State(state): State<AppState>,
    MaybeCaller(_): MaybeCaller,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(org_json(&find(&state, &name).await?)))
}

pub async fn mine(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let orgs = org::of_user(&state.db, caller.user.id).await?;
    let items = orgs
        .iter()
        .map(|(o, role)| {
            let mut value = org_json(o);
            value["role"] = json!(role);
            value
        })
        .collect();
    paged(items, raw.as_deref(), &list_url(&state, &uri))
}

/// A member as Gitea's `User` object, with the member's role in this
/// organisation as an extra field.
fn member_json(base_url: &str, member: &org::Member) -> Value {
    let mut value = super::users::gitea_user(
        base_url,
        super::users::UserFields {
            id: member.user_id.0,
            login: &member.name,
            full_name: &member.full_name,
            ..Default::default()
        },
    );
    value["role"] = json!(member.role);
    value
}

pub async fn members(
    State(state): State<AppState>,
    MaybeCaller(_): MaybeCaller,
    ApiPath(name): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let org = find(&state, &name).await?;
    let members = org::members(&state.db, org.id).await?;
    let items = members
        .iter()
        .map(|m| member_json(&state.config.base_url, m))
        .collect();
    paged(items, raw.as_deref(), &list_url(&state, &uri))
}

#[derive(Deserialize)]
pub struct SetMember {
    role: String,
}

pub async fn set_member(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((name, username)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<SetMember>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let org = find(&state, &name).await?;
    let role = Role::parse(&body.role)?;
    let added = org::set_member(&state.db, &caller.user, &org, &username, role).await?;
    let members = org::members(&state.db, org.id).await?;
    let member = members
        .iter()
        .find(|m| m.name == username.trim().to_lowercase())
        .ok_or_else(ApiError::not_found)?;
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(member_json(&state.config.base_url, member))))
}

pub async fn remove_member(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((name, username)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let org = find(&state, &name).await?;
    org::remove_member(&state.db, &caller.user, &org, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}
