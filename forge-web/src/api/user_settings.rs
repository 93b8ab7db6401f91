//! `GET` and `PATCH /api/v1/user/settings`, in Gitea's `UserSettings` shape.
//! Fields the forge has no notion of (location, website, theme, diff view
//! style, hiding e-mail or activity) answer Gitea's neutral values and are
//! accepted but not stored, so Gitea's clients work unchanged.

use super::ApiJson;
use crate::AppState;
use crate::auth::RequireCaller;
use crate::error::ApiError;
use crate::i18n::Lang;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use forge_core::account_settings::{self, ProfileChange};
use forge_core::user::{self, User};
use serde::Deserialize;
use serde_json::{Value, json};

async fn settings_json(state: &AppState, user: &User) -> Result<Value, ApiError> {
    let description = account_settings::description(&state.db, user.id).await?;
    Ok(json!({
        "full_name": user.full_name,
        "description": description,
        "language": user.locale.clone().unwrap_or_default(),
        "location": "",
        "website": "",
        "theme": "",
        "diff_view_style": "",
        "hide_email": false,
        "hide_activity": false,
    }))
}

pub async fn get(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(settings_json(&state, &caller.user).await?))
}

#[derive(Deserialize)]
pub struct SettingsChange {
    full_name: Option<String>,
    description: Option<String>,
    language: Option<String>,
}

pub async fn edit(
    State(state): State<AppState>,
    RequireCaller(caller): RequireCaller,
    ApiJson(body): ApiJson<SettingsChange>,
) -> Result<Json<Value>, ApiError> {
    // Gitea speaks of `fr-FR`; the forge keeps the language alone.
    let locale = match body.language.as_deref().map(str::trim) {
        None => None,
        Some("") => Some(String::new()),
        Some(tag) => Some(
            Lang::from_code(tag)
                .map(|lang| lang.code().to_string())
                .ok_or_else(|| {
                    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "error-language-unknown")
                })?,
        ),
    };
    let codes: Vec<&str> = Lang::ALL.iter().map(|lang| lang.code()).collect();
    let change = ProfileChange {
        full_name: body.full_name,
        description: body.description,
        locale,
    };
    account_settings::update_profile(&state.db, caller.user.id, change, &codes).await?;
    let updated = user::by_id(&state.db, caller.user.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(settings_json(&state, &updated).await?))
}
