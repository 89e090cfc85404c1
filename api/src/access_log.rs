//! Logging every request: who (API key, acting user), what (method, route, path, query without
//! secrets), when, outcome (status, duration) and the request id, into the append-only access
//! log that auditors read at `GET /v1/audit/access-log`.
//!
//! Two middlewares cooperate. [`record`] sits outside authentication and the timeout, so it sees
//! the final status of every answer, 401, 404, 429 and 503 included. [`expose_principal`] sits
//! just inside authentication and copies the authenticated key id onto the response, where
//! `record` reads it: the principal is put into the request only after `record` has passed it
//! on. Entries go to `app::access_log`'s background writer, never to the database inline.

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use axum::extract::{MatchedPath, Query, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use futures::FutureExt;
use serde::Serialize;
use utoipa::ToSchema;

use app::access_log::{AccessEntry, AccessFilter, AccessLog, AccessRecord};
use app::auth::Principal;
use app::event_log::Checkpoint;

use crate::problem::{ApiResult, Problem};
use crate::routes::audit::Params;
use crate::server::AppState;

/// Longest path, query or header value kept in a log entry.
const MAX_TEXT: usize = 2048;

/// The authenticated key of a request, carried on its response for [`record`].
#[derive(Clone, Debug)]
struct LoggedKey(String);

/// Names the key of a request on its answer, for [`record`]: authentication calls it on the
/// answers it gives itself (a revoked key's 401, a 429), which never reach [`expose_principal`].
pub fn mark_key(response: &mut Response, key_id: &str) {
    response
        .extensions_mut()
        .insert(LoggedKey(key_id.to_string()));
}

/// Copies the authenticated key id from the request onto the response. Layer it just inside
/// `crate::auth::authenticate`.
pub async fn expose_principal(request: Request, next: Next) -> Response {
    let key = request
        .extensions()
        .get::<Principal>()
        .map(|p| LoggedKey(p.key_id.clone()));
    let mut response = next.run(request).await;
    if let Some(key) = key {
        response.extensions_mut().insert(key);
    }
    response
}

/// Records the request in the access log once it is answered. Layer it outside authentication
/// and the timeout, inside the layer that sets `x-request-id`.
pub async fn record(State(log): State<AccessLog>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let (acting_user, request_id) = (
        header(&request, "x-acting-user"),
        header(&request, "x-request-id"),
    );
    let mut entry = AccessEntry {
        at: Utc::now(),
        key_id: None,
        acting_user,
        method: request.method().to_string(),
        route: request
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_string()),
        path: clip(request.uri().path()),
        query: request.uri().query().map(|q| clip(&redact_query(q))),
        status: 0,
        duration_ms: 0,
        request_id,
    };
    // A panicking handler is answered 500 further out; it is logged as such here.
    let outcome = AssertUnwindSafe(next.run(request)).catch_unwind().await;
    entry.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match &outcome {
        Ok(response) => {
            entry.status = i64::from(response.status().as_u16());
            entry.key_id = response
                .extensions()
                .get::<LoggedKey>()
                .map(|k| k.0.clone());
        }
        Err(_) => entry.status = 500,
    }
    log.record(entry).await;
    match outcome {
        Ok(response) => response,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn header(request: &Request, name: &str) -> Option<String> {
    Some(clip(request.headers().get(name)?.to_str().ok()?))
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Parameter names whose values are never logged.
fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    const NAMES: &[&str] = &[
        "key",
        "api_key",
        "apikey",
        "token",
        "access_token",
        "secret",
        "password",
        "passwd",
        "signature",
        "sig",
        "auth",
        "authorization",
        "session",
        "credentials",
    ];
    NAMES.contains(&name.as_str())
        || ["_token", "_secret", "_password", "_signature"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// The query string with the values of secret-looking parameters replaced by `***`.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}=***"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// One logged request.
#[derive(Serialize, ToSchema)]
pub struct AccessEntryView {
    /// Its place in the log.
    pub id: i64,
    /// When the request arrived.
    pub at: DateTime<Utc>,
    /// The API key that authenticated it, if one did.
    pub key_id: Option<String>,
    /// The acting user the e-shop named (`X-Acting-User`).
    pub acting_user: Option<String>,
    /// The HTTP method.
    pub method: String,
    /// The matched route template, when a route matched.
    pub route: Option<String>,
    /// The concrete path.
    pub path: String,
    /// The query string, secret parameters masked.
    pub query: Option<String>,
    /// The status answered.
    pub status: i64,
    /// How long the answer took, in milliseconds.
    pub duration_ms: i64,
    /// The request id (`x-request-id`).
    pub request_id: Option<String>,
}

impl From<AccessRecord> for AccessEntryView {
    fn from(AccessRecord { cursor, entry: e }: AccessRecord) -> Self {
        Self {
            id: cursor.position,
            at: e.at,
            key_id: e.key_id,
            acting_user: e.acting_user,
            method: e.method,
            route: e.route,
            path: e.path,
            query: e.query,
            status: e.status,
            duration_ms: e.duration_ms,
            request_id: e.request_id,
        }
    }
}

/// A page of the access log.
#[derive(Serialize, ToSchema)]
pub struct AccessLogPage {
    /// The requests, oldest first.
    pub items: Vec<AccessEntryView>,
    /// Pass as `after` for the next page; absent when this page was not full.
    pub next: Option<String>,
}

/// The access log, filtered, a page at a time (oldest first). Entries are written in batches
/// just after each answer, so the newest request may appear a moment later. The log is
/// append-only: no endpoint changes it and the database refuses updates and deletes.
#[utoipa::path(get, path = "/v1/audit/access-log", tag = "audit",
    params(
        ("key_id" = Option<String>, Query), ("acting_user" = Option<String>, Query),
        ("path" = Option<String>, Query, description = "Path prefix, e.g. /v1/orders"),
        ("status" = Option<i64>, Query, minimum = 100, maximum = 599),
        ("from" = Option<DateTime<Utc>>, Query), ("to" = Option<DateTime<Utc>>, Query),
        ("after" = Option<String>, Query, description = "`next` of the previous page"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "Default 100")),
    responses(
        (status = 200, body = AccessLogPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> ApiResult<Json<AccessLogPage>> {
    let mut p = Params::new(
        pairs,
        &[
            "key_id",
            "acting_user",
            "path",
            "status",
            "from",
            "to",
            "after",
            "limit",
        ],
    );
    let (from, to) = p.range();
    let filter = AccessFilter {
        key_id: p.text("key_id"),
        acting_user: p.text("acting_user"),
        path_prefix: p.text("path"),
        status: p.integer("status", 100..=599),
        from,
        to,
    };
    let limit = p.limit();
    let after = p.cursor("after").unwrap_or(Checkpoint::START);
    p.finish()?;
    let records = app::access_log::list(&state.db, &filter, after, limit).await?;
    let next = (records.len() as i64 == limit)
        .then(|| records.last().map(|r| r.cursor.to_string()))
        .flatten();
    Ok(Json(AccessLogPage {
        items: records.into_iter().map(Into::into).collect(),
        next,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parameters_are_masked_and_the_rest_kept() {
        assert_eq!(
            redact_query(
                "key_id=k1&api_key=abc&status=404&Access_Token=x&reset_password=p&path=%2Fv1"
            ),
            "key_id=k1&api_key=***&status=404&Access_Token=***&reset_password=***&path=%2Fv1"
        );
        assert_eq!(redact_query("flag&token"), "flag&token");
    }

    #[test]
    fn long_values_are_clipped() {
        assert_eq!(
            clip(&"é".repeat(MAX_TEXT + 5)).chars().count(),
            MAX_TEXT + 1
        );
        assert_eq!(clip("/v1/orders"), "/v1/orders");
    }
}
