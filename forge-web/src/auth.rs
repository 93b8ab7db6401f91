//! Who is calling the API or git over HTTP.
//!
//! Accepted credentials: `Authorization: token T`, `Authorization: Bearer T`,
//! and HTTP Basic with a username and either the password or a token, or
//! a token alone as Gitea takes it: `oauth2:T`, `T:x-oauth-basic`, or `T`
//! as the user name with an empty password. A
//! request that presents credentials which do not check out is refused with
//! 401 rather than treated as anonymous, so a typo never silently hides
//! private data behind a confusing 404.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine as _;
use forge_core::auth_limit::{self, Channel, Checked, Verdict};
use forge_core::clock::now_ms;
use forge_core::token;
use forge_core::user::User;

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

/// Whether Basic credentials carry a token the way Gitea accepts one
/// without a user name: `oauth2:TOKEN`, `TOKEN:x-oauth-basic`, `TOKEN:`.
fn gitea_token_login(username: &str, secret: &str) -> bool {
    username == "oauth2" || secret == "x-oauth-basic" || secret.is_empty()
}

/// The address a request came from (the peer of its connection), the key
/// of the guessing limits and what the security log shows.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    pub fn of(extensions: &axum::http::Extensions) -> ClientAddress {
        ClientAddress(
            extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "unknown".to_string(), |info| info.0.ip().to_string()),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress::of(&parts.extensions))
    }
}

/// The answer to an address over its guessing limit.
pub fn too_many(retry_after_ms: i64) -> ApiError {
    let seconds = u64::try_from((retry_after_ms + 999) / 1000)
        .unwrap_or(1)
        .max(1);
    ApiError {
        retry_after: Some(seconds),
        ..ApiError::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "error-too-many-attempts",
        )
    }
}

/// Checks the `Authorization` header value. `Ok(None)` means no credentials
/// were presented; wrong ones are an error. Every check is within the
/// guessing limits of `address` (see `forge_core::auth_limit`).
///
/// When the forge turned local passwords off (`[auth] local_signin =
/// false`), a password is accepted only from site admins, as on the sign-in
/// page; tokens keep working.
pub async fn authenticate(
    state: &AppState,
    header: Option<&str>,
    address: &str,
) -> Result<Option<Caller>, ApiError> {
    let db = &state.db;
    let Some(header) = header else {
        return Ok(None);
    };
    let credentials = parse(header).ok_or_else(ApiError::unauthorized)?;
    let now = now_ms();
    let login = match &credentials {
        Credentials::Token(_) => String::new(),
        // A token is never a login: it must not reach the limits' records.
        Credentials::Basic { username, secret } if gitea_token_login(username, secret) => {
            String::new()
        }
        Credentials::Basic { username, .. } => username.clone(),
    };
    if let Verdict::Wait { retry_after_ms } = auth_limit::check(db, address, &login, now).await? {
        return Err(too_many(retry_after_ms));
    }
    let caller = match credentials {
        Credentials::Token(presented) => {
            token::authenticate(db, &presented)
                .await?
                .map(|user| Caller {
                    user,
                    method: Method::Token,
                })
        }
        Credentials::Basic { username, secret } if gitea_token_login(&username, &secret) => {
            // Gitea's forms of a token in Basic: `oauth2:TOKEN`,
            // `TOKEN:x-oauth-basic`, or the token as user name with an
            // empty password. The token alone names the user.
            let presented = if username == "oauth2" {
                secret
            } else {
                username
            };
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
                None => {
                    let checked = auth_limit::authenticate_password(
                        db,
                        address,
                        &username,
                        &secret,
                        Channel::Basic,
                        now,
                    )
                    .await?;
                    match checked {
                        // A password alone would bypass the second factor:
                        // those who use one present a token instead.
                        Checked::User(user) if forge_core::totp::enabled(db, user.id).await? => {
                            return Err(ApiError::new(
                                axum::http::StatusCode::UNAUTHORIZED,
                                "error-two-factor-needs-token",
                            ));
                        }
                        Checked::User(user) if state.config.local_signin || user.is_admin => {
                            Some(Caller {
                                user,
                                method: Method::Password,
                            })
                        }
                        Checked::Wait { retry_after_ms } => return Err(too_many(retry_after_ms)),
                        // A wrong password is already counted.
                        Checked::User(_) | Checked::Wrong => {
                            return Err(ApiError::unauthorized());
                        }
                    }
                }
            }
        }
    };
    match caller {
        Some(caller) => Ok(Some(caller)),
        None => {
            auth_limit::failed(db, address, &login, Channel::Basic, now).await?;
            Err(ApiError::unauthorized())
        }
    }
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
        let address = ClientAddress::of(&parts.extensions);
        Ok(MaybeCaller(authenticate(state, header, &address.0).await?))
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
