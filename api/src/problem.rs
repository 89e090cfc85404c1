//! RFC 9457 problem details: the one error type of the HTTP API.
//!
//! Domain rule violations become 4xx with the rule's message and a stable `type`; lost optimistic
//! races become 409; anything unexpected is a 500 whose detail is logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One offending field of a request.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
pub struct FieldError {
    /// Where in the request: `lines[0].quantity`, `body`, a header or a query parameter.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An `application/problem+json` body.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Stable identifier of the kind of problem, e.g. `/problems/validation-failed`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// The offending fields, where there are any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extra members specific to the problem type.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub extensions: Option<serde_json::Map<String, serde_json::Value>>,
    /// Seconds to wait before retrying (429 and 503 only; also sent as `Retry-After`).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem of kind `slug` (`/problems/<slug>`).
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            problem_type: format!("/problems/{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            extensions: None,
            retry_after: None,
        }
    }

    /// 422 with the fields at fault.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!("{} fields are invalid", many.len()),
        };
        Self {
            errors,
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation-failed",
                "The request is invalid",
                detail,
            )
        }
    }

    /// 400 for a body that is not the JSON we expect.
    pub fn malformed(field: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Self {
            detail: format!("{}: {}", error.field, error.message),
            errors: vec![error],
            ..Self::new(
                StatusCode::BAD_REQUEST,
                "malformed-request",
                "The request could not be read",
                "",
            )
        }
    }

    /// 404.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", what)
    }

    /// 409 when a concurrent change won the race.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "conflict",
            "Conflicting change",
            detail,
        )
    }

    /// Adds an extension member.
    pub fn with(mut self, key: &str, value: serde_json::Value) -> Self {
        self.extensions
            .get_or_insert_with(Default::default)
            .insert(key.to_string(), value);
        self
    }

    /// The HTTP status as a `StatusCode`.
    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// What handlers return on failure.
#[derive(Debug)]
pub enum ApiError {
    /// A problem to show the client as it is.
    Problem(Box<Problem>),
    /// Something unexpected: logged with its detail, answered with a generic 500.
    Internal(anyhow::Error),
}

impl From<Problem> for ApiError {
    fn from(problem: Problem) -> Self {
        Self::Problem(Box::new(problem))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::Internal(error)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Problem(problem) => problem.into_response(),
            Self::Internal(error) => {
                tracing::error!(error = %format!("{error:#}"), "request failed");
                let unavailable = is_unavailable(&error);
                if unavailable {
                    let mut problem = Problem::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "store-unavailable",
                        "The store is unavailable",
                        "the event store cannot be reached right now; nothing was changed, retry later",
                    );
                    problem.retry_after = Some(2);
                    problem.into_response()
                } else {
                    Problem::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "Internal error",
                        "an unexpected error occurred; it has been logged",
                    )
                    .into_response()
                }
            }
        }
    }
}

/// True when an error chain says the database could not be reached (pool timeout, I/O).
fn is_unavailable(error: &anyhow::Error) -> bool {
    if error.chain().any(store_unavailable) {
        return true;
    }
    // Some layers (cqrs-es's `AggregateError`) keep the store's error only as text; these are
    // the messages sqlx and PostgreSQL give when the store is away.
    let text = format!("{error:#}");
    UNAVAILABLE_MESSAGES.iter().any(|m| text.contains(m))
}

const UNAVAILABLE_MESSAGES: &[&str] = &[
    "pool timed out",
    "error communicating with database",
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "Connection refused",
    "Connection reset",
    "connection closed",
    "database is locked",
];

/// True when an error (or one of its causes) says the store cannot be reached right now: a
/// connection lost or refused, the pool exhausted, or the server shutting down or restarting
/// (SQLSTATE classes 08 and 57P, and 53300 too many connections). Such failures are 503 with
/// `Retry-After`: nothing was written, the client may retry.
pub fn store_unavailable(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        match current.downcast_ref::<sqlx::Error>() {
            Some(
                sqlx::Error::PoolTimedOut
                | sqlx::Error::Io(_)
                | sqlx::Error::PoolClosed
                | sqlx::Error::Protocol(_)
                | sqlx::Error::WorkerCrashed,
            ) => return true,
            Some(sqlx::Error::Database(db)) => {
                let code = db.code().unwrap_or_default();
                if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
                    return true;
                }
            }
            _ => {}
        }
        cause = current.source();
    }
    false
}

/// Handler result.
pub type ApiResult<T> = Result<T, ApiError>;
