//! Auditor endpoints: the event log with filters and cursor pages, aggregates as they were at
//! a past moment, and verification of the seal chain over the event log.

use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use app::audit::query::EventFilter;
use app::audit::time_travel::AGGREGATE_TYPES;
use app::audit::{Mismatch, SealHead, VerifyReport};
use app::event_log::{Checkpoint, RecordedEvent};

use crate::problem::{ApiResult, Problem};
use crate::server::AppState;

mod params;
pub mod time_travel;

pub(crate) use params::Params;

/// Where the stored events stop matching the chain.
#[derive(Serialize, ToSchema)]
pub struct MismatchView {
    /// The seal at which the chain breaks (for an inserted event: the seal it stands before).
    pub seal_no: i64,
    /// The global position of the offending event.
    pub position: i64,
    /// What is wrong: a changed, deleted, inserted or reordered event, or an altered seal.
    pub reason: String,
}

/// The newest seal: keep it outside the database and compare it later.
#[derive(Serialize, ToSchema)]
pub struct SealHeadView {
    /// Its number in the chain.
    pub seal_no: i64,
    /// The position of the event it seals.
    pub position: i64,
    /// SHA-256 (hex) committing to every event sealed up to it.
    pub hash: String,
}

/// The outcome of a verification: a report, also when the log was tampered with.
#[derive(Serialize, ToSchema)]
pub struct VerifyView {
    /// True when every seal matches its event and no event was inserted between sealed ones.
    pub ok: bool,
    /// Seals stored.
    pub sealed: i64,
    /// Seals checked and found true before the first mismatch (all of them when `ok`).
    pub verified: i64,
    /// Events stored; those after the last seal are not yet sealed, which is no error.
    pub events: i64,
    /// The first place where the stored events no longer match, when not `ok`.
    pub first_mismatch: Option<MismatchView>,
    /// The newest stored seal.
    pub head: Option<SealHeadView>,
    /// The same in one line for people.
    pub summary: String,
}

impl From<VerifyReport> for VerifyView {
    fn from(report: VerifyReport) -> Self {
        let summary = report.summary();
        Self {
            ok: report.ok,
            sealed: report.sealed,
            verified: report.verified,
            events: report.events,
            first_mismatch: report.first_mismatch.map(
                |Mismatch {
                     seal_no,
                     position,
                     reason,
                 }| MismatchView {
                    seal_no,
                    position,
                    reason,
                },
            ),
            head: report.head.map(
                |SealHead {
                     seal_no,
                     position,
                     hash,
                 }| SealHeadView {
                    seal_no,
                    position,
                    hash,
                },
            ),
            summary,
        }
    }
}

/// Recomputes the seal chain from the stored events and reports the first position where they
/// no longer match (changed payload or metadata, deleted, inserted or reordered event, altered
/// seal). Tampering is reported with 200 and `ok: false`: the report is the answer.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    responses(
        (status = 200, description = "The verification report, intact or not", body = VerifyView),
        (status = 500, description = "The store could not be read", body = crate::problem::Problem,
         content_type = "application/problem+json")))]
pub async fn verify(State(state): State<AppState>) -> ApiResult<Json<VerifyView>> {
    let report = app::audit::verify(&state.db).await?;
    Ok(Json(report.into()))
}

/// One event of the log, with where it stands and its metadata.
#[derive(Serialize, ToSchema)]
pub struct AuditEventView {
    /// Global position.
    pub position: i64,
    /// `product`, `company`, `price_list`, `stock_item`, `channel`, `order`, `order_template`
    /// or `invoice`.
    pub aggregate_type: String,
    /// The aggregate instance.
    pub aggregate_id: String,
    /// The event's number within its aggregate, from 1.
    pub sequence: i64,
    /// The event's type.
    pub event_type: String,
    /// The version of the payload's shape.
    pub event_version: String,
    /// The event.
    #[schema(value_type = Object)]
    pub payload: Value,
    /// Actor, channel, correlation_id, causation_id, request_id, recorded_at (the command's).
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// When the store committed it.
    pub recorded_at: DateTime<Utc>,
}

impl From<RecordedEvent> for AuditEventView {
    fn from(e: RecordedEvent) -> Self {
        Self {
            position: e.checkpoint.position,
            aggregate_type: e.aggregate_type,
            aggregate_id: e.aggregate_id,
            sequence: e.sequence,
            event_type: e.event_type,
            event_version: e.event_version,
            payload: e.payload,
            metadata: e.metadata,
            recorded_at: e.recorded_at,
        }
    }
}

/// A page of events in global log order.
#[derive(Serialize, ToSchema)]
pub struct AuditEventPage {
    /// The events.
    pub items: Vec<AuditEventView>,
    /// Pass as `after` for the next page; absent when this page was not full.
    pub next: Option<String>,
}

/// A known aggregate type, or an error on `field` naming the known ones.
pub(crate) fn aggregate_type(
    params: &mut Params,
    field: &str,
    value: Option<String>,
) -> Option<String> {
    let value = value?;
    if AGGREGATE_TYPES.contains(&value.as_str()) {
        Some(value)
    } else {
        params.error(
            field,
            format!(
                "unknown aggregate type; one of {}",
                AGGREGATE_TYPES.join(", ")
            ),
        );
        None
    }
}

/// The event log in global order, filtered, a page at a time. Every filter given must match;
/// `from` is inclusive and `to` exclusive, on the time the store committed the event.
#[utoipa::path(get, path = "/v1/audit/events", tag = "audit",
    params(
        ("aggregate_type" = Option<String>, Query, description = "order, stock_item, price_list, ..."),
        ("aggregate_id" = Option<String>, Query), ("event_type" = Option<String>, Query),
        ("actor" = Option<String>, Query, description = "user:ACME/jana, erp, system:reservations, key:..."),
        ("correlation_id" = Option<String>, Query, description = "One business flow across aggregates"),
        ("from" = Option<DateTime<Utc>>, Query), ("to" = Option<DateTime<Utc>>, Query),
        ("after" = Option<String>, Query, description = "`next` of the previous page, or a position"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "Default 100")),
    responses(
        (status = 200, body = AuditEventPage),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn events(
    State(state): State<AppState>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> ApiResult<Json<AuditEventPage>> {
    let mut p = Params::new(
        pairs,
        &[
            "aggregate_type",
            "aggregate_id",
            "event_type",
            "actor",
            "correlation_id",
            "from",
            "to",
            "after",
            "limit",
        ],
    );
    let ty = p.text("aggregate_type");
    let (from, to) = p.range();
    let filter = EventFilter {
        aggregate_type: aggregate_type(&mut p, "aggregate_type", ty),
        aggregate_id: p.text("aggregate_id"),
        event_type: p.text("event_type"),
        actor: p.text("actor"),
        correlation_id: p.text("correlation_id"),
        from,
        to,
    };
    let limit = p.limit();
    let after = match p.text("after") {
        None => Checkpoint::START,
        Some(text) if text.contains('/') => p.parse_cursor("after", &text).unwrap_or_default(),
        Some(text) => match text.parse::<i64>() {
            Ok(0) => Checkpoint::START,
            Ok(position) if position > 0 => {
                match app::audit::query::checkpoint_at(&state.db, position).await? {
                    Some(checkpoint) => checkpoint,
                    None => {
                        p.error("after", format!("no event at position {position}"));
                        Checkpoint::START
                    }
                }
            }
            _ => {
                p.error(
                    "after",
                    "must be a position or the `next` cursor of a previous page",
                );
                Checkpoint::START
            }
        },
    };
    p.finish()?;
    let events = app::audit::query::events(&state.db, &filter, after, limit).await?;
    let next = (events.len() as i64 == limit)
        .then(|| events.last().map(|e| e.checkpoint.to_string()))
        .flatten();
    Ok(Json(AuditEventPage {
        items: events.into_iter().map(Into::into).collect(),
        next,
    }))
}

/// The auditors' routes.
pub fn routes() -> crate::server::Routes {
    use axum::http::Method;
    crate::server::Routes::new()
        .at(Method::GET, "/v1/audit/verify", verify)
        .at(Method::GET, "/v1/audit/events", events)
        .at(
            Method::GET,
            "/v1/audit/aggregates/{type}/{id}",
            time_travel::aggregate,
        )
        .at(Method::GET, "/v1/audit/access-log", crate::access_log::list)
}
