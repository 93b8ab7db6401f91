use super::ApiJson;
use super::ApiPath;
use super::list_url;
use super::paging::paged;
use crate::AppState;
use crate::auth::{ClientAddress, Method, RequireCaller};
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use axum::extract::{OriginalUri, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::clock::rfc3339;
use forge_core::user::{self, NewUser, User};
use forge_core::{TokenId, token};
use serde::Deserialize;
use serde_json::{Value, json};

// The `User` object's shape is shared with the payloads of webhooks, which
// `forge-service` builds.
pub use forge_service::gitea::{UserFields, gitea_user};

/// A user as Gitea's API shows it. The e-mail address is shown only to the
/// user and to site admins.
pub fn user_json(base_url: &str, user: &User, viewer: Option<&User>) -> Value {
    let private = viewer.is_some_and(|v| v.id == user.id || v.is_admin);
    gitea_user(
        base_url,
        UserFields {
            id: user.id.0,
            login: &user.name,
            full_name: &user.full_name,
            email: private.then_some(user.email.as_str()),
            is_org: false,
            language: user.locale.as_deref().unwrap_or_default(),
            is_admin: user.is_admin,
            created: Some(user.created_at),
        },
    )
}

#[derive(Deserialize)]
pub struct CreateUser {
    username: String,
    email: String,
    password: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    admin: bool,
}

pub async fn admin_create(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if !caller.user.is_admin {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "error-admin-only"));
    }
    let created = user::create(
        &state.db,
        NewUser {
            name: body.username,
            email: body.email,
            password: body.password,
            full_name: body.full_name,
            is_admin: body.admin,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(user_json(
            &state.config.base_url,
            &created,
            Some(&caller.user),
        )),
    ))
}

pub async fn current(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
) -> Json<Value> {
    Json(user_json(
        &state.config.base_url,
        &caller.user,
        Some(&caller.user),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    crate::auth::MaybeCaller(caller): crate::auth::MaybeCaller,
    ApiPath(username): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    let found = user::by_name(&state.db, &username)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(user_json(
        &state.config.base_url,
        &found,
        caller.as_ref().map(|c| &c.user),
    )))
}

/// Token management needs the account's password (HTTP Basic), like Gitea: a
/// stolen token must not be able to mint more tokens.
fn require_password_of(caller: &crate::auth::Caller, username: &str) -> Result<(), ApiError> {
    if caller.method != Method::Password {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "error-basic-auth-required",
        ));
    }
    if caller.user.name != username.trim().to_lowercase() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "error-own-tokens-only",
        ));
    }
    Ok(())
}

fn token_json(token: &token::AccessToken, secret: Option<&str>) -> Value {
    json!({
        "id": token.id,
        "name": token.name,
        "sha1": secret.unwrap_or(""),
        "token_last_eight": token.last_eight,
        "scopes": ["all"],
        "created_at": rfc3339(token.created_at),
        "last_used_at": token.last_used_at.map(rfc3339),
    })
}

#[derive(Deserialize)]
pub struct CreateToken {
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ClientAddress(address): ClientAddress,
    ApiPath(username): ApiPath<String>,
    ApiJson(body): ApiJson<CreateToken>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require_password_of(&caller, &username)?;
    let (token, secret) = token::create(&state.db, caller.user.id, &body.name).await?;
    forge_core::security_log::record(
        &state.db,
        Some(caller.user.id),
        forge_core::security_log::kind::TOKEN_CREATED,
        &address,
        &token.name,
        forge_core::clock::now_ms(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(token_json(&token, Some(&secret)))))
}

pub async fn list_tokens(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath(username): ApiPath<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    require_password_of(&caller, &username)?;
    let tokens = token::list(&state.db, caller.user.id).await?;
    let items = tokens.iter().map(|t| token_json(t, None)).collect();
    paged(items, raw.as_deref(), &list_url(&state, &uri))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiPath((username, id)): ApiPath<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    require_password_of(&caller, &username)?;
    token::revoke(&state.db, caller.user.id, TokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
