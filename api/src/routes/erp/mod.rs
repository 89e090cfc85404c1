//! The ERP's inbound API. Every message carries a `message_id`: a repeated message gets the
//! first answer again (`Idempotent-Replayed: true`) and changes nothing. A message that fails
//! validation is refused as a whole, listing every bad field, and kept in quarantine; so is a
//! message reusing an id with a different body (409), which would otherwise be lost unseen.

pub mod feedback;
pub mod master_data;
pub mod stock;

use std::future::Future;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use app::erp::inbox;

use crate::input::Input;
use crate::problem::{ApiError, FieldError, Problem};
use crate::server::AppState;

/// What a message handler decided.
pub enum Outcome {
    /// Accepted: status and body to answer (and to replay).
    Done(StatusCode, Value),
    /// Refused as a whole for these reasons: answered 422, quarantined and replayed.
    Invalid(Vec<FieldError>),
    /// Refused by a domain rule: answered, quarantined and replayed.
    Refused(Problem),
}

/// Runs one ERP message through deduplication, validation, quarantine and the inbox.
pub async fn handle<F, Fut>(state: &AppState, endpoint: &str, body: Bytes, apply: F) -> Response
where
    F: FnOnce(Value, String) -> Fut,
    Fut: Future<Output = Result<Outcome, ApiError>>,
{
    match run(state, endpoint, body, apply).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn run<F, Fut>(
    state: &AppState,
    endpoint: &str,
    body: Bytes,
    apply: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(Value, String) -> Fut,
    Fut: Future<Output = Result<Outcome, ApiError>>,
{
    let db = &state.db;
    let document: Value = match serde_json::from_slice(&body) {
        Ok(document) => document,
        Err(e) => {
            let problem = Problem::malformed("body", format!("not valid JSON: {e}"));
            return refuse(db, None, endpoint, problem, &body).await;
        }
    };
    if let Some(field) = crate::json::nul_at(&document) {
        let problem = Problem::validation(vec![FieldError::new(
            field,
            "must not contain NUL characters",
        )]);
        return refuse(db, None, endpoint, problem, &body).await;
    }
    let mut input = Input::new();
    let message_id = input
        .root(&document)
        .and_then(|root| input.string(root, "message_id", ""))
        .filter(|id| {
            let ok = !id.trim().is_empty() && id.len() <= 128;
            if !ok {
                input.error("message_id", "must be 1 to 128 characters");
            }
            ok
        });
    let Some(message_id) = message_id else {
        let errors = input.finish().err().unwrap_or_default();
        return refuse(db, None, endpoint, Problem::validation(errors), &body).await;
    };

    let fingerprint = app::fingerprint::Fingerprint::of("", &body);
    if let Some(answer) = inbox::lookup(db, &message_id, &fingerprint).await? {
        if answer.body_differs {
            // Replaying the first answer would drop this message's content unseen: refuse it,
            // keep it for ops, and leave the first answer standing for true repeats.
            tracing::warn!(
                message_id,
                endpoint,
                "message id reused with another body; refused and quarantined"
            );
            let problem = Problem {
                errors: vec![FieldError::new(
                    "message_id",
                    "already used for a different message",
                )],
                ..Problem::conflict(format!(
                    "message_id {message_id} was already used for a different message; \
                     send new content under a new message_id"
                ))
            };
            metrics::counter!("ordercore_erp_messages_total", "outcome" => "conflict").increment(1);
            return refuse(db, Some(&message_id), endpoint, problem, &body).await;
        }
        metrics::counter!("ordercore_erp_messages_total", "outcome" => "replayed").increment(1);
        return Ok(replay(answer));
    }

    let (status, response, quarantine_errors) = match apply(document, message_id.clone()).await? {
        Outcome::Done(status, value) => (status, value, None),
        Outcome::Invalid(errors) => {
            let problem = Problem::validation(errors);
            let value = serde_json::to_value(&problem).unwrap_or_default();
            let errors = serde_json::to_value(&problem.errors).unwrap_or_default();
            (problem.status_code(), value, Some(errors))
        }
        Outcome::Refused(problem) => {
            let value = serde_json::to_value(&problem).unwrap_or_default();
            let errors = serde_json::json!([{"field": "body", "message": problem.detail}]);
            (problem.status_code(), value, Some(errors))
        }
    };
    if let Some(errors) = &quarantine_errors {
        inbox::quarantine(db, Some(&message_id), endpoint, errors, &body).await?;
    }
    let text = response.to_string();
    inbox::record(
        db,
        &message_id,
        endpoint,
        &fingerprint,
        status.as_u16(),
        &text,
    )
    .await?;
    let outcome = if quarantine_errors.is_some() {
        "refused"
    } else {
        "applied"
    };
    metrics::counter!("ordercore_erp_messages_total", "outcome" => outcome).increment(1);
    Ok(json_response(status, text, false))
}

/// Answers `problem` to a message refused before it reached its handler, keeping the message in
/// quarantine with the problem's field errors.
async fn refuse(
    db: &app::db::Db,
    message_id: Option<&str>,
    endpoint: &str,
    problem: Problem,
    body: &[u8],
) -> Result<Response, ApiError> {
    let errors = serde_json::to_value(&problem.errors).unwrap_or_default();
    inbox::quarantine(db, message_id, endpoint, &errors, body).await?;
    Ok(problem.into_response())
}

fn replay(answer: inbox::StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    json_response(status, answer.response, true)
}

fn json_response(status: StatusCode, body: String, replayed: bool) -> Response {
    let content_type = if status.is_success() {
        "application/json"
    } else {
        "application/problem+json"
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}
