//! The e-shop's price and stock queries: quotes, a company's price sheet, availability.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Extension;

use app::auth::Principal;
use axum::Json;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use app::quotes::{quote, QuoteError, QuoteRequest};
use domain::pricing::{LineResult, PricedDocument, RequestedLine};
use domain::values::{ChannelCode, CompanyId, CurrencyCode, Quantity, Sku};

use crate::input::{index, join, Input};
use crate::json::ApiJson;
use crate::problem::{ApiResult, FieldError, Problem};
use crate::server::AppState;

/// Most lines in one quote.
pub const MAX_QUOTE_LINES: usize = 1000;

/// `POST /v1/prices/quote` body.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct QuoteBody {
    company_id: String,
    channel: String,
    currency: String,
    /// Past: the answer ordercore would have given then. Future: today's lists at that date.
    as_of: Option<DateTime<Utc>>,
    lines: Vec<QuoteLineBody>,
}

/// A line to price.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct QuoteLineBody {
    sku: String,
    /// Decimal string or integer, > 0.
    quantity: String,
}

/// Reads the lines member of a quote or order body.
pub fn read_lines(input: &mut Input, root: &serde_json::Map<String, Value>) -> Vec<RequestedLine> {
    let mut lines = Vec::new();
    if let Some(items) = input.array(root, "lines", "") {
        if items.is_empty() {
            input.error("lines", "at least one line is required");
        }
        if items.len() > MAX_QUOTE_LINES {
            input.error("lines", format!("at most {MAX_QUOTE_LINES} lines"));
            return lines;
        }
        for (i, item) in items.iter().enumerate() {
            let path = index("lines", i);
            let Some(l) = input.object(item, &path) else {
                continue;
            };
            let sku = input
                .string(l, "sku", &path)
                .and_then(|s| input.parsed(Sku::parse(s), &join(&path, "sku")));
            let quantity = input
                .decimal(l, "quantity", &path)
                .and_then(|q| input.parsed(Quantity::parse(q), &join(&path, "quantity")));
            if let (Some(sku), Some(quantity)) = (sku, quantity) {
                lines.push(RequestedLine { sku, quantity });
            }
        }
    }
    lines
}

/// Reads company, channel, currency and the optional `as_of`.
pub fn read_context(
    input: &mut Input,
    root: &serde_json::Map<String, Value>,
) -> (Option<CompanyId>, Option<ChannelCode>, Option<CurrencyCode>) {
    let company = input
        .string(root, "company_id", "")
        .and_then(|c| input.parsed(CompanyId::parse(c), "company_id"));
    let channel = input
        .string(root, "channel", "")
        .and_then(|c| input.parsed(ChannelCode::parse(c), "channel"));
    let currency = input
        .string(root, "currency", "")
        .and_then(|c| input.parsed(CurrencyCode::parse(c), "currency"));
    (company, channel, currency)
}

/// Maps a quote failure to its problem.
pub fn quote_problem(error: QuoteError) -> crate::problem::ApiError {
    match error {
        QuoteError::UnknownCompany(c) => Problem::validation(vec![FieldError::new(
            "company_id",
            format!("unknown company {c}"),
        )])
        .into(),
        QuoteError::UnknownChannel(c) => Problem::validation(vec![FieldError::new(
            "channel",
            format!("unknown channel {c}"),
        )])
        .into(),
        QuoteError::Store(e) => e.into(),
    }
}

/// Checks that `X-Acting-User` is an active user of the company whose prices are asked for:
/// contract prices, price levels and discounts are the company's own business, not another
/// customer's. An unknown company stays the field error of the quote body.
async fn check_buyer(
    state: &AppState,
    company: &CompanyId,
    headers: &HeaderMap,
) -> Result<(), crate::problem::ApiError> {
    let company_state = super::companies::load_company(state, company).await?;
    if company_state.master().is_none() {
        return Err(quote_problem(QuoteError::UnknownCompany(company.clone())));
    }
    super::companies::member_of(&company_state, company, headers, false)?;
    Ok(())
}

/// Prices lines for a company: priced lines with explanations, VAT per rate and totals. The
/// acting user (`X-Acting-User`) must be an active user of the company.
#[utoipa::path(post, path = "/v1/prices/quote", tag = "e-shop", request_body = QuoteBody,
    params(("X-Acting-User" = String, Header, description = "An active user of the company")),
    responses((status = 200, description = "Priced document; unpriceable lines carry `error`", body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn post_quote(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    ApiJson(doc): ApiJson<Value>,
) -> ApiResult<Json<Value>> {
    let mut input = Input::new();
    let Some(root) = input.root(&doc) else {
        return Err(Problem::validation(input.finish().err().unwrap_or_default()).into());
    };
    let (company, channel, currency) = read_context(&mut input, root);
    let as_of = match input.opt_string(root, "as_of", "") {
        Some(Some(text)) => input
            .parsed(
                DateTime::parse_from_rfc3339(&text)
                    .map_err(|_| format!("{text:?} is not an RFC 3339 time")),
                "as_of",
            )
            .map(|t| Some(t.with_timezone(&Utc))),
        Some(None) => Some(None),
        None => None,
    };
    let lines = read_lines(&mut input, root);
    let (Some(company), Some(channel), Some(currency), Some(as_of), true) =
        (company, channel, currency, as_of, input.errors().is_empty())
    else {
        return Err(Problem::validation(input.finish().err().unwrap_or_default()).into());
    };
    crate::auth::check_channel(principal.as_deref(), channel.as_str())?;
    check_buyer(&state, &company, &headers).await?;
    let request = QuoteRequest {
        company,
        channel,
        currency,
        as_of,
        lines,
    };
    let started = std::time::Instant::now();
    let document = quote(state.read_side.as_ref(), &request, Utc::now())
        .await
        .map_err(quote_problem)?;
    metrics::histogram!("ordercore_quote_duration_seconds").record(started.elapsed().as_secs_f64());
    let mut body = document_json(&document);
    body["as_of"] = json!(as_of);
    Ok(Json(body))
}

/// A priced document as the API shows it (quotes and orders alike).
pub fn document_json(document: &PricedDocument) -> Value {
    let lines: Vec<Value> = document.lines.iter().map(line_json).collect();
    json!({
        "currency": document.currency,
        "lines": lines,
        "vat": document.vat.iter().map(|v| json!({
            "rate": v.rate.normalize().to_string(), "base": v.base, "vat": v.vat,
        })).collect::<Vec<_>>(),
        "total_net": document.total_net,
        "total_vat": document.total_vat,
        "total_gross": document.total_gross,
        "reverse_charge": document.reverse_charge,
        "notes": document.notes,
    })
}

fn line_json(line: &LineResult) -> Value {
    match line {
        LineResult::Priced(p) => {
            let mut value = json!({
                "sku": p.sku,
                "quantity": p.quantity,
                "unit_price": p.unit_price,
                "line_net": p.line_net,
                "vat_rate": p.vat_rate.normalize().to_string(),
                "explanation": {
                    "price_list": p.explanation.price_list,
                    "kind": p.explanation.kind,
                    "list_unit_price": p.explanation.list_unit_price,
                    "tier_min_qty": p.explanation.tier_min_qty,
                    "discount_percent": p.explanation.discount_percent,
                    "vat_rule": p.explanation.vat_rule,
                },
            });
            if let Some(vat) = p.line_vat {
                value["line_vat"] = json!(vat);
            }
            value
        }
        LineResult::Failed(f) => json!({
            "sku": f.sku,
            "quantity": f.quantity,
            "error": { "type": format!("/problems/{}", f.error_type), "detail": f.detail },
        }),
    }
}

/// Query of the price sheet.
#[derive(Deserialize, IntoParams)]
pub struct PriceSheetQuery {
    /// The sales channel (required).
    channel: Option<String>,
    /// Currency; the company's own by default.
    currency: Option<String>,
    /// Comma-separated SKUs; without it, the sheet is paged over every product.
    skus: Option<String>,
    /// Cursor: the last SKU of the previous page.
    after: Option<String>,
    /// Page size (1–1000, default 100).
    limit: Option<i64>,
}

/// A company's price sheet: the price of each product at quantity 1 and at each tier. The
/// acting user (`X-Acting-User`) must be an active user of the company.
#[utoipa::path(get, path = "/v1/companies/{id}/prices", tag = "e-shop",
    params(("id" = String, Path), ("X-Acting-User" = String, Header, description = "An active user of the company"), PriceSheetQuery),
    responses((status = 200, body = Object), (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn get_price_sheet(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PriceSheetQuery>,
) -> ApiResult<Json<Value>> {
    let mut input = Input::new();
    let company = input.parsed(CompanyId::parse(id), "id");
    let channel = match &query.channel {
        Some(c) => input.parsed(ChannelCode::parse(c.clone()), "channel"),
        None => {
            input.error("channel", "is required");
            None
        }
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        input.error("limit", "must be 1 to 1000");
    }
    let currency = query
        .currency
        .as_ref()
        .map(|c| input.parsed(CurrencyCode::parse(c.clone()), "currency"));
    let skus: Option<Vec<Sku>> = query.skus.as_ref().map(|list| {
        let skus: Vec<Sku> = list
            .split(',')
            .filter(|s| !s.is_empty())
            .filter_map(|s| input.parsed(Sku::parse(s.trim()), "skus"))
            .collect();
        if skus.len() > 1000 {
            input.error("skus", "at most 1000 SKUs");
        }
        skus
    });
    let (Some(company), Some(channel), true) = (company, channel, input.errors().is_empty()) else {
        return Err(Problem::validation(input.finish().err().unwrap_or_default()).into());
    };
    crate::auth::check_channel(principal.as_deref(), channel.as_str())?;
    super::companies::member(&state, &company, &headers, false).await?;
    let master = app::read_side::ReadSide::company(state.read_side.as_ref(), &company, None)
        .await?
        .ok_or_else(|| Problem::not_found(format!("unknown company {company}")))?;
    let currency = currency.flatten().unwrap_or(master.currency.clone());
    let (products, next) = match skus {
        Some(skus) => (skus, None),
        None => {
            let page = state
                .queries
                .product_page(query.after.as_deref().unwrap_or(""), limit)
                .await?;
            let next = (page.len() as i64 == limit)
                .then(|| page.last().map(|p| p.facts.sku.to_string()))
                .flatten();
            (page.into_iter().map(|p| p.facts.sku).collect(), next)
        }
    };
    // First price every SKU at quantity 1; then each tier threshold of the winning entry.
    let one = Quantity::parse(Decimal::ONE).map_err(anyhow::Error::from)?;
    let request = QuoteRequest {
        company: company.clone(),
        channel: channel.clone(),
        currency: currency.clone(),
        as_of: None,
        lines: products
            .iter()
            .map(|sku| RequestedLine {
                sku: sku.clone(),
                quantity: one,
            })
            .collect(),
    };
    let now = Utc::now();
    let base = quote(state.read_side.as_ref(), &request, now)
        .await
        .map_err(quote_problem)?;
    let thresholds = tier_thresholds(&state, &company, &currency, &base).await?;
    let mut tier_lines = Vec::new();
    for (sku, quantities) in &thresholds {
        for q in quantities {
            tier_lines.push(RequestedLine {
                sku: sku.clone(),
                quantity: *q,
            });
        }
    }
    let tiers = if tier_lines.is_empty() {
        None
    } else {
        Some(
            quote(
                state.read_side.as_ref(),
                &QuoteRequest {
                    lines: tier_lines,
                    ..request.clone()
                },
                now,
            )
            .await
            .map_err(quote_problem)?,
        )
    };
    let mut tier_prices: HashMap<String, Vec<Value>> = HashMap::new();
    if let Some(tiers) = &tiers {
        for line in tiers.priced_lines() {
            tier_prices
                .entry(line.sku.to_string())
                .or_default()
                .push(json!({
                    "min_qty": line.quantity, "unit_price": line.unit_price,
                }));
        }
    }
    let items: Vec<Value> = base
        .lines
        .iter()
        .map(|line| {
            let mut value = line_json(line);
            if let Some(obj) = value.as_object_mut() {
                obj.remove("quantity");
                obj.remove("line_net");
                let sku = obj
                    .get("sku")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                obj.insert(
                    "tiers".into(),
                    json!(tier_prices.remove(&sku).unwrap_or_default()),
                );
            }
            value
        })
        .collect();
    Ok(Json(json!({
        "company_id": company, "channel": channel, "currency": currency,
        "items": items, "next": next,
    })))
}

/// The tier thresholds of each priced line's winning list entry.
async fn tier_thresholds(
    state: &AppState,
    company: &CompanyId,
    currency: &CurrencyCode,
    document: &PricedDocument,
) -> anyhow::Result<Vec<(Sku, Vec<Quantity>)>> {
    let Some(master) =
        app::read_side::ReadSide::company(state.read_side.as_ref(), company, None).await?
    else {
        return Ok(Vec::new());
    };
    let profile = domain::pricing::PricingProfile {
        company_id: master.company_id.clone(),
        country: master.country.clone(),
        vat_id: master.dic.clone(),
        price_level: master.price_level.clone(),
        contract_lists: master.contract_price_lists.clone(),
        discount_percent: master.discount_percent,
    };
    let skus: Vec<Sku> = document.priced_lines().map(|l| l.sku.clone()).collect();
    let book = app::read_side::ReadSide::price_book(
        state.read_side.as_ref(),
        &profile,
        currency,
        &skus,
        Utc::now(),
    )
    .await?;
    Ok(document
        .priced_lines()
        .filter_map(|line| {
            let entry = book.entry(&line.explanation.price_list, &line.sku)?;
            let quantities: Vec<Quantity> = entry.tiers().iter().map(|t| t.min_qty).collect();
            (!quantities.is_empty()).then(|| (line.sku.clone(), quantities))
        })
        .collect())
}

/// Availability query.
#[derive(Deserialize, IntoParams)]
pub struct AvailabilityQuery {
    /// Comma-separated SKUs (at most 1000).
    skus: String,
}

/// Stock of one SKU.
#[derive(Serialize, ToSchema)]
pub struct AvailabilityItem {
    sku: String,
    /// Whether ordercore knows any stock of it.
    known: bool,
    /// Sum over warehouses (never below zero).
    available: String,
    warehouses: Vec<WarehouseStock>,
}

/// Stock of a SKU in one warehouse.
#[derive(Serialize, ToSchema)]
pub struct WarehouseStock {
    warehouse: String,
    on_hand: String,
    reserved: String,
    available: String,
}

/// On hand, reserved and available per warehouse.
#[utoipa::path(get, path = "/v1/availability", tag = "e-shop", params(AvailabilityQuery),
    responses((status = 200, body = Object), (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn get_availability(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    Query(query): Query<AvailabilityQuery>,
) -> ApiResult<Json<Value>> {
    let mut input = Input::new();
    let skus: Vec<Sku> = query
        .skus
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| input.parsed(Sku::parse(s.trim()), "skus"))
        .collect();
    if skus.is_empty() && input.errors().is_empty() {
        input.error("skus", "name at least one SKU");
    }
    if skus.len() > 1000 {
        input.error("skus", "at most 1000 SKUs");
    }
    input.finish().map_err(Problem::validation)?;
    // An e-shop key of some channels sees the stock of those channels' warehouses only.
    let warehouses = match principal.as_deref().and_then(Principal::channels) {
        None => None,
        Some(channels) => {
            let mut allowed = Vec::new();
            for channel in channels {
                let Ok(code) = ChannelCode::parse(channel) else {
                    continue;
                };
                if let Some(settings) = state.read_side.channel(&code).await? {
                    allowed.extend(settings.warehouses.iter().map(|w| w.to_string()));
                }
            }
            Some(allowed)
        }
    };
    let mut stock = state.queries.stock(&skus).await?;
    if let Some(allowed) = &warehouses {
        for rows in stock.values_mut() {
            rows.retain(|r| allowed.contains(&r.warehouse));
        }
    }
    let items: Vec<AvailabilityItem> = skus
        .iter()
        .map(|sku| {
            let rows = stock.remove(sku.as_str()).unwrap_or_default();
            let total: Decimal = rows
                .iter()
                .map(|r| (r.on_hand - r.reserved).max(Decimal::ZERO))
                .sum();
            AvailabilityItem {
                sku: sku.to_string(),
                known: !rows.is_empty(),
                available: total.normalize().to_string(),
                warehouses: rows
                    .into_iter()
                    .map(|r| WarehouseStock {
                        warehouse: r.warehouse,
                        on_hand: r.on_hand.normalize().to_string(),
                        reserved: r.reserved.normalize().to_string(),
                        available: (r.on_hand - r.reserved).normalize().to_string(),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}
