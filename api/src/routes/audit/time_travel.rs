//! Time travel for auditors: an aggregate's state at a past time or version, with the events
//! that made it so. The state is the domain aggregate folded over its events (see
//! `app::audit::time_travel`); a moment before the aggregate existed is a 404.

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use app::audit::time_travel::Moment;

use super::{aggregate_type, AuditEventView, Params};
use crate::problem::{ApiResult, Problem};
use crate::server::AppState;

/// An aggregate as it was at a moment, and the events that made it so.
#[derive(Serialize, ToSchema)]
pub struct AggregateAtView {
    /// The aggregate type.
    pub aggregate_type: String,
    /// The aggregate instance.
    pub aggregate_id: String,
    /// Its version then: the sequence of its last event up to the moment.
    pub version: i64,
    /// Its newest version now.
    pub latest_version: i64,
    /// The moment asked for, if a time was given.
    pub as_of: Option<DateTime<Utc>>,
    /// The domain aggregate's state, folded over `events`.
    #[schema(value_type = Object)]
    pub state: Value,
    /// Its events up to the moment, by sequence, with metadata.
    pub events: Vec<AuditEventView>,
}

/// What an aggregate looked like at a past time (`as_of`, compared with the time the store
/// committed each event) or version (`version`), or now when neither is given.
#[utoipa::path(get, path = "/v1/audit/aggregates/{type}/{id}", tag = "audit",
    params(
        ("type" = String, Path, description = "product, company, price_list, stock_item, channel, order, order_template, invoice"),
        ("id" = String, Path),
        ("as_of" = Option<DateTime<Utc>>, Query, description = "RFC 3339 time"),
        ("version" = Option<i64>, Query, minimum = 1)),
    responses(
        (status = 200, body = AggregateAtView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "It did not exist then", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn aggregate(
    State(state): State<AppState>,
    Path((ty, id)): Path<(String, String)>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> ApiResult<Json<AggregateAtView>> {
    let mut p = Params::new(pairs, &["as_of", "version"]);
    let ty = aggregate_type(&mut p, "type", Some(ty));
    let as_of = p.time("as_of");
    let version = p.integer("version", 1..=i64::MAX);
    if as_of.is_some() && version.is_some() {
        p.error("version", "give as_of or version, not both");
    }
    p.finish()?;
    let ty = ty.unwrap_or_default();
    let moment = match (as_of, version) {
        (Some(t), _) => Moment::AsOf(t),
        (None, Some(v)) => Moment::Version(v),
        (None, None) => Moment::Now,
    };
    let found =
        app::audit::time_travel::aggregate_at(&state.db, &state.aggregates, &ty, &id, moment)
            .await?
            .ok_or_else(|| Problem::not_found(format!("{ty} {id} did not exist at that moment")))?;
    Ok(Json(AggregateAtView {
        aggregate_type: ty,
        aggregate_id: id,
        version: found.version,
        latest_version: found.latest_version,
        as_of,
        state: found.state,
        events: found.events.into_iter().map(Into::into).collect(),
    }))
}
