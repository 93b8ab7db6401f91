//! The profile section: the name shown beside the user name, a few words
//! about oneself, and the language of the pages and messages.

use super::Done;
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::i18n::Lang;
use crate::pages::see_other;
use crate::views::{FormErrors, render};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::account_settings::{self, ProfileChange};
use serde::Deserialize;

/// One choice of the language list: code (empty for "the browser's"), name,
/// and whether it is the stored one.
pub struct LanguageChoice {
    pub code: &'static str,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "settings_profile.html")]
struct ProfileView<'a> {
    ctx: &'a PageCtx,
    full_name: String,
    description: String,
    languages: Vec<LanguageChoice>,
    notice: Option<String>,
    errors: FormErrors,
}

fn languages(ctx: &PageCtx, stored: &str) -> Vec<LanguageChoice> {
    let mut choices = vec![LanguageChoice {
        code: "",
        name: ctx.t("settings-language-browser"),
        selected: stored.is_empty(),
    }];
    choices.extend(Lang::ALL.iter().map(|lang| LanguageChoice {
        code: lang.code(),
        name: lang.native_name().to_string(),
        selected: stored == lang.code(),
    }));
    choices
}

pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(done): Query<Done>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let description = account_settings::description(&state.db, user.id).await?;
    Ok(render(&ProfileView {
        ctx: &ctx,
        full_name: user.full_name.clone(),
        description,
        languages: languages(&ctx, user.locale.as_deref().unwrap_or("")),
        notice: done.notice(&ctx),
        errors: FormErrors::default(),
    }))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    language: String,
}

pub async fn save(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> Result<Response, PageError> {
    let user = match ctx.require_user() {
        Ok(user) => user.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let codes: Vec<&str> = Lang::ALL.iter().map(|lang| lang.code()).collect();
    let change = ProfileChange {
        full_name: Some(form.full_name.clone()),
        description: Some(form.description.clone()),
        locale: Some(form.language.clone()),
    };
    match account_settings::update_profile(&state.db, user.id, change, &codes).await {
        Ok(()) => Ok(see_other("/user/settings?done=profile")),
        Err(e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            let mut response = render(&ProfileView {
                ctx: &ctx,
                languages: languages(&ctx, &form.language),
                full_name: form.full_name,
                description: form.description,
                notice: None,
                errors,
            });
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}
