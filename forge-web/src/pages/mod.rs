//! Server-rendered pages. Every form posts back with a CSRF token and works
//! without JavaScript; every state change answers with a redirect (303) so a
//! reload never repeats it.

mod account;
mod code;
mod explore;
mod funding;
mod funding_documents;
mod home;
mod issues;
mod oauth;
mod orgs;
mod payee;
mod profile;
mod repo_head;
mod repo_settings;
mod settings;
mod setup;

use crate::AppState;
use crate::error::PageError;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/-/setup", get(setup::show).post(setup::save))
        .route("/explore", get(|| async { see_other("/explore/repos") }))
        .route("/explore/repos", get(explore::repos))
        .route("/explore/organizations", get(explore::organisations))
        .route("/user/login", get(account::login_form).post(account::login))
        .route(
            "/user/sign_up",
            get(account::sign_up_form).post(account::sign_up),
        )
        .route("/user/logout", post(account::logout))
        .route("/-/lang", post(account::set_language))
        .route(
            "/user/settings/payee",
            get(payee::user_page).post(payee::user_save),
        )
        .route(
            "/org/{org}/payee",
            get(payee::org_page).post(payee::org_save),
        )
        .route("/org/create", get(orgs::new_form).post(orgs::create))
        .route("/org/{org}/members", post(orgs::set_member))
        .route(
            "/org/{org}/members/{username}/remove",
            post(orgs::remove_member),
        )
        .route(
            "/repo/create",
            get(repo_settings::new_form).post(repo_settings::create),
        )
        .route(
            "/{owner}/{repo}/settings",
            get(repo_settings::settings).post(repo_settings::save),
        )
        .route(
            "/{owner}/{repo}/settings/delete",
            post(repo_settings::delete),
        )
        .merge(settings::router())
        .merge(issues::router())
        .merge(funding::router())
        .merge(funding_documents::router())
        .merge(code::router())
        .merge(oauth::router())
        .route("/{name}", get(profile::show))
        .fallback(|| async { PageError::not_found() })
}

/// A 303 redirect (what `Redirect::to` sends): after a POST, the browser
/// follows with a GET.
fn see_other(path: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::response::Redirect::to(path).into_response()
}

/// The repository `owner/name` with what the visitor may do with it; a
/// repository the visitor may not read is "not found", like one that does
/// not exist.
pub async fn load_repo(
    state: &AppState,
    ctx: &crate::context::PageCtx,
    owner: &str,
    name: &str,
) -> Result<(forge_core::repo::Repo, forge_core::repo::Access), PageError> {
    Ok(forge_core::repo::find_readable(&state.db, ctx.user.as_ref(), owner, name).await?)
}

/// The repository if the visitor may read it; whatever is missing, the
/// same "page not found" as for any unknown address.
async fn readable(
    state: &AppState,
    ctx: &crate::context::PageCtx,
    owner: &str,
    name: &str,
) -> Result<(forge_core::repo::Repo, forge_core::repo::Access), PageError> {
    load_repo(state, ctx, owner, name).await.map_err(|e| {
        if e.status == axum::http::StatusCode::NOT_FOUND {
            PageError::not_found()
        } else {
            e
        }
    })
}
