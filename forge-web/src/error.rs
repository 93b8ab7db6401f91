//! How failures become HTTP responses.
//!
//! The API answers `{"message": "..."}` in English with a fitting 4xx status;
//! pages answer a readable page in the visitor's language. Both hide the
//! details of 5xx errors from the client and log them for the admin.

use crate::i18n::{self, Lang};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use forge_core::{Error, Problem};

/// The status a domain error deserves.
fn status_of(error: &Error) -> StatusCode {
    match error {
        Error::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict { .. } => StatusCode::CONFLICT,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::Database(_) if error.is_unavailable() => StatusCode::SERVICE_UNAVAILABLE,
        Error::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The problem shown for a domain error; 5xx errors are logged here and
/// replaced by a generic message.
fn problem_of(error: Error) -> (StatusCode, Option<&'static str>, Problem) {
    let status = status_of(&error);
    match error {
        Error::Invalid { field, problem } => (status, Some(field), problem),
        Error::Conflict { field, problem } => (status, field, problem),
        Error::NotFound(problem) | Error::Forbidden(problem) | Error::Busy(problem) => {
            (status, None, problem)
        }
        Error::Database(_) if status == StatusCode::SERVICE_UNAVAILABLE => {
            tracing::error!(error = %error, "the database is unavailable");
            (status, None, Problem::new("error-unavailable"))
        }
        Error::Database(_) | Error::Internal(_) => {
            tracing::error!(error = %error, "request failed");
            (status, None, Problem::new("error-internal"))
        }
    }
}

/// An error of the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds to wait, sent as `Retry-After` (429 and 503 answers).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, key: &'static str) -> Self {
        ApiError {
            status,
            message: i18n::t(Lang::En, key),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "error-unauthenticated")
    }

    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "error-not-found")
    }

    /// A request body that does not parse, or misses a field.
    pub fn bad_body(detail: impl std::fmt::Display) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!("{}: {detail}", i18n::t(Lang::En, "error-bad-body")),
            retry_after: None,
        }
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        let (status, field, problem) = problem_of(error);
        let text = i18n::problem(Lang::En, &problem);
        let message = match field {
            Some(field) => format!("{field}: {text}"),
            None => text,
        };
        ApiError {
            status,
            message,
            retry_after: (status == StatusCode::SERVICE_UNAVAILABLE).then_some(1),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(serde_json::json!({ "message": self.message })),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"forge\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// An error of a page. It carries no text: the page layer renders it in the
/// visitor's language (see [`crate::context::render_error_pages`]).
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub problem: Problem,
}

impl PageError {
    pub fn new(status: StatusCode, key: &'static str) -> Self {
        PageError {
            status,
            problem: Problem::new(key),
        }
    }

    pub fn not_found() -> Self {
        PageError::new(StatusCode::NOT_FOUND, "error-page-not-found")
    }

    pub fn csrf() -> Self {
        PageError::new(StatusCode::FORBIDDEN, "error-csrf")
    }
}

impl From<Error> for PageError {
    fn from(error: Error) -> Self {
        let (status, _field, problem) = problem_of(error);
        PageError { status, problem }
    }
}

/// Marks a response as an error page still to be rendered.
#[derive(Debug, Clone)]
pub struct ErrorPage(pub Problem);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response.extensions_mut().insert(ErrorPage(self.problem));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_errors_map_to_statuses_and_name_the_field() {
        let e: ApiError = Error::invalid("username", "error-name-reserved").into();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.message.starts_with("username: "), "{}", e.message);
        let e: ApiError = Error::conflict(Some("email"), "error-email-taken").into();
        assert_eq!(e.status, StatusCode::CONFLICT);
        assert!(e.message.starts_with("email: "));
        let e: ApiError = Error::forbidden("error-org-owner-only").into();
        assert_eq!(e.status, StatusCode::FORBIDDEN);
    }

    #[test]
    fn an_unreachable_database_is_a_passing_unavailability() {
        let e: ApiError = Error::Database(sqlx::Error::PoolTimedOut).into();
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(e.message.contains("try again"), "{}", e.message);
        let e: PageError = Error::Database(sqlx::Error::PoolClosed).into();
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        // A query that finds nothing is no outage.
        let e: ApiError = Error::Database(sqlx::Error::RowNotFound).into();
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn internal_errors_hide_their_details() {
        let e: ApiError = Error::Internal("secret detail of the database".into()).into();
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.message.contains("secret"));
    }
}
