//! Auditor endpoints: verification of the seal chain over the event log.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use app::audit::{Mismatch, SealHead, VerifyReport};

use crate::problem::ApiResult;
use crate::server::AppState;

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
