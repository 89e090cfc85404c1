//! ERP stock: absolute on-hand levels and movements (receipts, issues, transfers).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use app::erp::master_data::{self, Movement, MovementKindInput, StockLevel};
use domain::values::{Quantity, Sku, StockQuantity, WarehouseCode};

use super::master_data::{erp_meta, refusal};
use super::{handle, Outcome};
use crate::input::{index, join, Input};
use crate::problem::Problem;
use crate::server::AppState;

/// Most items in one stock message.
const MAX_ITEMS: usize = 10_000;

/// `POST /v1/erp/stock-levels` body.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct StockLevelsMessage {
    message_id: String,
    levels: Vec<StockLevelMessage>,
}

/// One absolute level.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct StockLevelMessage {
    sku: String,
    warehouse: String,
    /// Decimal string or integer, ≥ 0.
    on_hand: String,
}

/// Absolute on-hand levels; a level that differs from ours becomes an adjustment event.
#[utoipa::path(post, path = "/v1/erp/stock-levels", tag = "erp", request_body = StockLevelsMessage,
    responses((status = 200, body = Object),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn post_levels(State(state): State<AppState>, body: Bytes) -> Response {
    handle(
        &state.clone(),
        "POST /v1/erp/stock-levels",
        body,
        |doc, message_id| async move {
            let mut input = Input::new();
            let mut levels = Vec::new();
            if let Some(root) = input.root(&doc) {
                if let Some(items) = input.array(root, "levels", "") {
                    if items.len() > MAX_ITEMS {
                        input.error("levels", format!("at most {MAX_ITEMS} levels per message"));
                    }
                    for (i, item) in items.iter().enumerate().take(MAX_ITEMS) {
                        let path = index("levels", i);
                        let Some(l) = input.object(item, &path) else {
                            continue;
                        };
                        let sku = input
                            .string(l, "sku", &path)
                            .and_then(|s| input.parsed(Sku::parse(s), &join(&path, "sku")));
                        let warehouse = input.string(l, "warehouse", &path).and_then(|w| {
                            input.parsed(WarehouseCode::parse(w), &join(&path, "warehouse"))
                        });
                        let on_hand = input.decimal(l, "on_hand", &path).and_then(|d| {
                            input.parsed(StockQuantity::parse(d), &join(&path, "on_hand"))
                        });
                        if let (Some(sku), Some(warehouse), Some(on_hand)) =
                            (sku, warehouse, on_hand)
                        {
                            levels.push((
                                i,
                                StockLevel {
                                    sku,
                                    warehouse,
                                    on_hand,
                                },
                            ));
                        }
                    }
                }
            }
            check_known_skus(
                &state,
                &mut input,
                "levels",
                levels.iter().map(|(i, l)| (*i, &l.sku)),
            )
            .await?;
            if let Err(errors) = input.finish() {
                return Ok(Outcome::Invalid(errors));
            }
            let levels = levels.into_iter().map(|(_, l)| l).collect();
            match master_data::apply_stock_levels(
                &state.aggregates,
                &message_id,
                levels,
                &erp_meta(&message_id),
            )
            .await
            {
                Ok(outcomes) => Ok(Outcome::Done(
                    StatusCode::OK,
                    json!({
                        "adjusted": outcomes.iter().filter(|o| !o.adjustment.is_zero()).count(),
                        "levels": outcomes,
                    }),
                )),
                Err(e) => refusal(e),
            }
        },
    )
    .await
}

/// `POST /v1/erp/stock-movements` body.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct StockMovementsMessage {
    message_id: String,
    movements: Vec<StockMovementMessage>,
}

/// One movement. `receipt` and `issue` name `warehouse`; `transfer` names `from_warehouse` and
/// `to_warehouse`.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct StockMovementMessage {
    /// The ERP's id; defaults to `<message_id>#<index>`.
    movement_id: Option<String>,
    /// `receipt`, `issue` or `transfer`.
    kind: String,
    sku: String,
    warehouse: Option<String>,
    from_warehouse: Option<String>,
    to_warehouse: Option<String>,
    /// Decimal string or integer, > 0.
    quantity: String,
}

/// Stock movements; each is applied once per movement id.
#[utoipa::path(post, path = "/v1/erp/stock-movements", tag = "erp", request_body = StockMovementsMessage,
    responses((status = 200, body = Object),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn post_movements(State(state): State<AppState>, body: Bytes) -> Response {
    handle(
        &state.clone(),
        "POST /v1/erp/stock-movements",
        body,
        |doc, message_id| async move {
            let mut input = Input::new();
            let mut movements = Vec::new();
            if let Some(root) = input.root(&doc) {
                if let Some(items) = input.array(root, "movements", "") {
                    if items.len() > MAX_ITEMS {
                        input.error(
                            "movements",
                            format!("at most {MAX_ITEMS} movements per message"),
                        );
                    }
                    for (i, item) in items.iter().enumerate().take(MAX_ITEMS) {
                        let path = index("movements", i);
                        let Some(m) = input.object(item, &path) else {
                            continue;
                        };
                        let sku = input
                            .string(m, "sku", &path)
                            .and_then(|s| input.parsed(Sku::parse(s), &join(&path, "sku")));
                        let quantity = input.decimal(m, "quantity", &path).and_then(|d| {
                            input.parsed(Quantity::parse(d), &join(&path, "quantity"))
                        });
                        let warehouse = |input: &mut Input, key: &str| {
                            input.string(m, key, &path).and_then(|w| {
                                input.parsed(WarehouseCode::parse(w), &join(&path, key))
                            })
                        };
                        let kind = match input.string(m, "kind", &path).as_deref() {
                            Some("receipt") => {
                                warehouse(&mut input, "warehouse").map(MovementKindInput::Receipt)
                            }
                            Some("issue") => {
                                warehouse(&mut input, "warehouse").map(MovementKindInput::Issue)
                            }
                            Some("transfer") => {
                                let from = warehouse(&mut input, "from_warehouse");
                                let to = warehouse(&mut input, "to_warehouse");
                                match (from, to) {
                                    (Some(from), Some(to)) if from == to => {
                                        input.error(
                                            join(&path, "to_warehouse"),
                                            "must differ from from_warehouse",
                                        );
                                        None
                                    }
                                    (Some(from), Some(to)) => {
                                        Some(MovementKindInput::Transfer { from, to })
                                    }
                                    _ => None,
                                }
                            }
                            Some(other) => {
                                input.error(
                                    join(&path, "kind"),
                                    format!("{other:?} is not receipt, issue or transfer"),
                                );
                                None
                            }
                            None => None,
                        };
                        let movement_id = match input.opt_string(m, "movement_id", &path) {
                            Some(Some(id)) if !id.trim().is_empty() && id.len() <= 128 => Some(id),
                            Some(Some(_)) => {
                                input.error(
                                    join(&path, "movement_id"),
                                    "must be 1 to 128 characters",
                                );
                                None
                            }
                            Some(None) => Some(format!("{message_id}#{i}")),
                            None => None,
                        };
                        if let (Some(sku), Some(quantity), Some(kind), Some(movement_id)) =
                            (sku, quantity, kind, movement_id)
                        {
                            movements.push((
                                i,
                                Movement {
                                    movement_id,
                                    sku,
                                    kind,
                                    quantity,
                                },
                            ));
                        }
                    }
                }
            }
            check_known_skus(
                &state,
                &mut input,
                "movements",
                movements.iter().map(|(i, m)| (*i, &m.sku)),
            )
            .await?;
            if let Err(errors) = input.finish() {
                return Ok(Outcome::Invalid(errors));
            }
            let movements = movements.into_iter().map(|(_, m)| m).collect();
            match master_data::apply_movements(&state.aggregates, movements, &erp_meta(&message_id))
                .await
            {
                Ok(written) => Ok(Outcome::Done(StatusCode::OK, json!({ "events": written }))),
                Err(e) => refusal(e),
            }
        },
    )
    .await
}

/// Adds an error for every SKU that is not a known product.
async fn check_known_skus<'a>(
    state: &AppState,
    input: &mut Input,
    list: &str,
    items: impl Iterator<Item = (usize, &'a Sku)>,
) -> anyhow::Result<()> {
    let items: Vec<(usize, &Sku)> = items.collect();
    let ids: Vec<&str> = items.iter().map(|(_, s)| s.as_str()).collect();
    let known = master_data::existing(&state.db, "product", &ids).await?;
    for (i, sku) in items {
        if !known.contains(sku.as_str()) {
            input.error(join(&index(list, i), "sku"), format!("unknown SKU {sku}"));
        }
    }
    Ok(())
}
