//! The ERP endpoints ordercore calls: `POST /orders` (submit) and
//! `POST /orders/{order_id}/cancel`. Each request passes the faults first, then the signature
//! check, then the books, which answer a repeated `Idempotency-Key` as the first time.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::books::{Answer, Booking};
use super::faults::{dropped_connection, Verdict};
use super::submission::Submission;
use super::{lifecycle, SimState};

/// How far a `webhook-timestamp` may be from the ERP's clock, as docs/erp-adapter.md asks.
const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// `POST /orders`.
pub(super) async fn submit(
    State(state): State<SimState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    guarded(&state, "/orders", &headers, &body, |key| {
        book_submit(&state, key, &body)
    })
    .await
}

/// `POST /orders/{order_id}/cancel`.
pub(super) async fn cancel(
    State(state): State<SimState>,
    Path(order_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // The path names the order; the body (operation, reason) adds nothing the ERP needs.
    let path = format!("/orders/{order_id}/cancel");
    guarded(&state, &path, &headers, &body, |key| {
        let mut books = state.books();
        match books.replay(key, &order_id, false) {
            Some(answer) => (answer, false),
            None => (books.cancel(key, &order_id), true),
        }
    })
    .await
}

/// Runs `handle` with the idempotency key behind the faults and the signature check, and
/// records the request (when it came, what it was answered) in the books. `handle` answers,
/// and says whether the request took effect now (not answered from the idempotency store).
async fn guarded(
    state: &SimState,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    handle: impl FnOnce(&str) -> (Answer, bool),
) -> Response {
    let arrived = SystemTime::now();
    let (status, response) = answer(state, headers, body, handle).await;
    let key = header(headers, "idempotency-key").unwrap_or_default();
    state.books().record_request(path, key, arrived, status);
    response
}

/// The answer to one request and its status (0 for a dropped connection).
async fn answer(
    state: &SimState,
    headers: &HeaderMap,
    body: &[u8],
    handle: impl FnOnce(&str) -> (Answer, bool),
) -> (u16, Response) {
    tokio::time::sleep(state.faults.latency()).await;
    if state.faults.down_remaining().is_some() {
        return reply(Answer::refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "the ERP is down (injected fault)",
        ));
    }
    if let Some((status, retry_after)) = state.faults.forced_answer() {
        return forced(status, retry_after);
    }
    let verdict = state.faults.roll();
    if verdict == Verdict::Error {
        return reply(Answer::refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "the ERP failed (injected fault)",
        ));
    }
    if let Some(secret) = &state.config.secret {
        if let Err(reason) = verify(secret, headers, body) {
            return reply(Answer::refusal(StatusCode::UNAUTHORIZED, reason));
        }
    }
    let Some(key) = header(headers, "idempotency-key").filter(|k| !k.is_empty()) else {
        return reply(Answer::refusal(
            StatusCode::BAD_REQUEST,
            "the Idempotency-Key header is required",
        ));
    };
    let (answer, took_effect) = handle(key);
    // A repeat is answered from the idempotency store at once, as a real ERP would.
    let delay = state.faults.answer_delay();
    if took_effect && !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match verdict {
        // The request took effect; only the answer is lost: the hardest case for a sender
        // that must not create the order twice.
        Verdict::Drop => (0, dropped_connection()),
        Verdict::Timeout => {
            tokio::time::sleep(state.config.hang).await;
            reply(answer)
        }
        Verdict::Pass | Verdict::Error => reply(answer),
    }
}

/// The answer `answer_status` forces, with its `Retry-After`.
fn forced(status: u16, retry_after: Option<String>) -> (u16, Response) {
    // `validate` keeps the status in 300–599, so it is always a valid one.
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let (code, mut response) = reply(Answer::refusal(
        code,
        format!("HTTP {status} (injected fault)"),
    ));
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(RETRY_AFTER, value);
    }
    (code, response)
}

/// Books a submit; the flag says whether it took effect now (false for a repeat or bad input).
fn book_submit(state: &SimState, key: &str, body: &[u8]) -> (Answer, bool) {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    let submission: Submission = match serde_path_to_error::deserialize(deserializer) {
        Ok(submission) => submission,
        Err(error) => {
            let path = error.path().to_string();
            let field = if path == "." { "body" } else { path.as_str() };
            let reason = format!("{field}: {}", error.inner());
            return (Answer::refusal(StatusCode::BAD_REQUEST, reason), false);
        }
    };
    if let Err(reason) = submission.check() {
        return (
            Answer::refusal(StatusCode::UNPROCESSABLE_ENTITY, reason),
            false,
        );
    }
    // Decided before the books are locked, so that the two locks are never held together.
    let refused_sku = state
        .faults
        .refused_sku(submission.lines.iter().map(|line| line.sku.as_str()));
    let (answer, booking) = {
        let mut books = state.books();
        if let Some(answer) = books.replay(key, &submission.order_id, true) {
            return (answer, false);
        }
        books.submit(key, &submission.order_id, refused_sku)
    };
    if let Booking::New { erp_order_no } = booking {
        tracing::info!(order_id = %submission.order_id, %erp_order_no, "order booked");
        lifecycle::spawn(state.clone(), submission, erp_order_no);
    }
    (answer, true)
}

/// Checks the Standard Webhooks signature; answers why it does not hold.
fn verify(
    secret: &app::erp::signature::SigningSecret,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let missing = |name: &str| format!("the {name} header is missing");
    let id = header(headers, "webhook-id").ok_or_else(|| missing("webhook-id"))?;
    let timestamp = header(headers, "webhook-timestamp")
        .ok_or_else(|| missing("webhook-timestamp"))?
        .trim()
        .parse::<i64>()
        .map_err(|_| "webhook-timestamp must be Unix seconds".to_string())?;
    let signature =
        header(headers, "webhook-signature").ok_or_else(|| missing("webhook-signature"))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    secret
        .verify(
            id,
            timestamp,
            body,
            signature,
            now,
            SIGNATURE_TOLERANCE_SECS,
        )
        .map_err(|error| format!("webhook signature refused: {error}"))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

fn reply(answer: Answer) -> (u16, Response) {
    (
        answer.status.as_u16(),
        (answer.status, Json(answer.body)).into_response(),
    )
}
