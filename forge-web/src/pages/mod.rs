//! Server-rendered pages. Every form posts back with a CSRF token and works
//! without JavaScript; every state change answers with a redirect (303) so a
//! reload never repeats it.

mod account;
mod branch_protection;
pub(crate) mod code;
mod deploy_keys;
mod explore;
mod feeds;
mod funding;
mod funding_confirm;
mod funding_documents;
mod funding_ledger;
mod funding_open;
mod funding_org;
mod funding_received;
mod funding_repo;
mod home;
mod issues;
mod mail;
mod notifications;
mod oauth;
mod orgs;
mod payee;
mod profile;
mod pulls;
mod repo_head;
mod repo_settings;
mod reviews;
mod security;
mod settings;
mod setup;
mod two_factor;
mod webhooks;

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
        .route("/explore/funding", get(funding_open::explore))
        .route("/{owner}/{repo}/funding/open", get(funding_open::repo))
        .route("/user/login", get(account::login_form).post(account::login))
        .route(
            "/user/sign_up",
            get(account::sign_up_form).post(account::sign_up),
        )
        .route("/user/logout", post(account::logout))
        .route("/-/lang", post(account::set_language))
        .route("/user/settings/security", get(security::mine))
        .route(
            two_factor::SIGN_IN_PAGE,
            get(two_factor::sign_in_form).post(two_factor::sign_in),
        )
        .route(two_factor::SETTINGS_PAGE, get(two_factor::settings))
        .route("/user/settings/two_factor/enrol", post(two_factor::enrol))
        .route(
            "/user/settings/two_factor/confirm",
            post(two_factor::confirm),
        )
        .route(
            "/user/settings/two_factor/disable",
            post(two_factor::disable),
        )
        .route("/org/{org}/two_factor", post(two_factor::org_requirement))
        .route("/-/admin/two_factor", post(two_factor::admins_requirement))
        .route("/-/admin/security", get(security::site))
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
        .route("/org/{name}/received", get(funding_received::page))
        .route("/user/{name}/received", get(funding_received::page))
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
        .route(
            "/{owner}/{repo}/settings/keys",
            get(deploy_keys::show).post(deploy_keys::add),
        )
        .route(
            "/{owner}/{repo}/settings/keys/{id}/delete",
            post(deploy_keys::delete),
        )
        .route(
            "/{owner}/{repo}/settings/branches",
            get(branch_protection::show).post(branch_protection::add),
        )
        .route(
            "/{owner}/{repo}/settings/branches/save",
            post(branch_protection::save),
        )
        .route("/-/ssh", get(deploy_keys::ssh_info))
        .merge(settings::router())
        .merge(issues::router())
        .merge(notifications::router())
        .merge(pulls::router())
        .merge(reviews::router())
        .merge(mail::router())
        .merge(funding::router())
        .merge(funding_documents::router())
        .merge(code::router())
        .merge(oauth::router())
        .merge(webhooks::router())
        .merge(feeds::router())
        .route("/{name}", get(profile::show))
        .fallback(|| async { PageError::not_found() })
}

/// A redirect that carries a confirmation ("Organisation created.") to the
/// page it leads to.
fn see_other_confirmed(
    state: &AppState,
    ctx: &crate::context::PageCtx,
    path: &str,
    done: crate::flash::Flash,
) -> axum::response::Response {
    let mut response = see_other(path);
    crate::flash::attach(
        &mut response,
        ctx.flash_key.as_ref(),
        done,
        state.config.secure_cookies(),
    );
    response
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
    let (repo, access) =
        forge_core::repo::find_readable(&state.db, ctx.user.as_ref(), owner, name).await?;
    if repo.private {
        ctx.mark_private();
    }
    Ok((repo, access))
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
