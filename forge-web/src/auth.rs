//! Who is calling the API or git over HTTP.
//!
//! Accepted credentials: `Authorization: token T`, `Authorization: Bearer T`,
//! and HTTP Basic with a username and either the password or a token. A
//! request that presents credentials which do not check out is refused with
//! 401 rather than treated as anonymous, so a typo never silently hides
//! private data behind a confusing 404.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine as _;
use forge_core::user::User;
use forge_core::{token, user};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Token,
    Password,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub method: Method,
}

enum Credentials {
    Token(String),
    Basic { username: String, secret: String },
}

fn parse(header: &str) -> Option<Credentials> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    let rest = rest.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "token" | "bearer" => Some(Credentials::Token(rest.to_string())),
        "basic" => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()?;
            let decoded = String::from_utf8(decoded).ok()?;
            let (username, secret) = decoded.split_once(':')?;
            Some(Credentials::Basic {
                username: username.to_string(),
                secret: secret.to_string(),
            })
        }
        _ => None,
    }
}

/// Checks the `Authorization` header value. `Ok(None)` means no credentials
/// were presented; wrong ones are an error.
///
/// When the forge turned local passwords off (`[auth] local_signin =
/// false`), a password is accepted only from site admins, as on the sign-in
/// page; tokens keep working.
pub async fn authenticate(
    state: &AppState,
    header: Option<&str>,
) -> Result<Option<Caller>, ApiError> {
    let db = &state.db;
    let Some(header) = header else {
        return Ok(None);
    };
    let credentials = parse(header).ok_or_else(ApiError::unauthorized)?;
    let caller = match credentials {
        Credentials::Token(presented) => {
            token::authenticate(db, &presented)
                .await?
                .map(|user| Caller {
                    user,
                    method: Method::Token,
                })
        }
        Credentials::Basic { username, secret } => {
            // A token as the password must belong to the named user.
            match token::authenticate(db, &secret).await? {
                Some(user) if user.name == username.trim().to_lowercase() => Some(Caller {
                    user,
                    method: Method::Token,
                }),
                Some(_) => None,
                None => user::authenticate(db, &username, &secret)
                    .await?
                    .filter(|user| state.config.local_signin || user.is_admin)
                    .map(|user| Caller {
                        user,
                        method: Method::Password,
                    }),
            }
        }
    };
    caller.map(Some).ok_or_else(ApiError::unauthorized)
}

/// The API caller, if any credentials were presented.
pub struct MaybeCaller(pub Option<Caller>);

/// The API caller; anonymous requests get 401.
pub struct RequireCaller(pub Caller);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = match parts.headers.get(AUTHORIZATION) {
            Some(value) => Some(value.to_str().map_err(|_| ApiError::unauthorized())?),
            None => None,
        };
        Ok(MaybeCaller(authenticate(state, header).await?))
    }
}

impl FromRequestParts<AppState> for RequireCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let MaybeCaller(caller) = MaybeCaller::from_request_parts(parts, state).await?;
        caller.map(RequireCaller).ok_or_else(ApiError::unauthorized)
    }
}
