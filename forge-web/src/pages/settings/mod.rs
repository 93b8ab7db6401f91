//! The user's settings, one page per section, all reached from one menu:
//! profile, account (password, e-mail address, closing the account),
//! sign-in identities, access tokens and SSH keys.

mod account;
pub(crate) mod notifications;
mod profile;
pub(crate) mod ssh_keys;
mod tokens;

use crate::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/user/settings", get(profile::show).post(profile::save))
        .route("/user/settings/account", get(account::show))
        .route("/user/settings/account/password", post(account::password))
        .route("/user/settings/account/email", post(account::email))
        .route(
            "/user/settings/account/close",
            get(account::close_form).post(account::close),
        )
        .route(
            "/user/settings/notifications",
            get(notifications::show).post(notifications::save),
        )
        .route(
            "/user/settings/notifications/verify",
            post(notifications::resend),
        )
        .route(
            "/user/settings/tokens",
            get(tokens::tokens).post(tokens::create_token),
        )
        .route(
            "/user/settings/tokens/{id}/delete",
            post(tokens::revoke_token),
        )
        .route(
            "/user/settings/keys",
            get(ssh_keys::show).post(ssh_keys::add),
        )
        .route("/user/settings/keys/{id}/delete", post(ssh_keys::delete))
}

/// A "saved" notice after a settings form: the form redirects to its page
/// with `?done=WHAT`, so a reload neither repeats the change nor the notice's
/// cause, and the notice needs no state on the server.
#[derive(serde::Deserialize, Default)]
pub struct Done {
    done: Option<String>,
}

impl Done {
    /// The translated notice for a known `done` value.
    fn notice(&self, ctx: &crate::context::PageCtx) -> Option<String> {
        let key = match self.done.as_deref()? {
            "profile" => "settings-saved-profile",
            "password" => "settings-saved-password",
            "email" => "settings-saved-email",
            _ => return None,
        };
        Some(ctx.t(key))
    }
}
