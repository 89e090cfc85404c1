//! Importing one large price list over HTTP under a new code, waiting for the read models, and
//! importing it again unchanged (which must write no event). The baseline writes the same rows
//! with one multi-row `INSERT` per 1,000 rows into a scratch table of the same store, in one
//! transaction: what a store that kept no history and checked nothing would spend.

use std::time::Instant;

use anyhow::Context;
use serde_json::{json, Value};

use app::db::Db;

use super::report::{rate, secs, Table};
use crate::demo::Dataset;

/// Entries of the imported list (at most the number of products).
pub(super) const ENTRIES: usize = 100_000;
/// Rows per `INSERT` of the baseline (4 parameters each, below every store's limit).
const ROWS_PER_INSERT: usize = 1_000;

/// Runs the import measurement; `wait` waits until every read model has caught up.
pub(super) async fn run<W, F>(
    http: &reqwest::Client,
    base: &str,
    db: &Db,
    dataset: &Dataset,
    wait: W,
    table: &mut Table,
) -> anyhow::Result<()>
where
    W: Fn() -> F,
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    let rows = rows(dataset);
    let count = rows.len();
    let url = format!("{base}/v1/erp/price-lists/IMPORT-BENCH");

    let events_before = event_count(db).await?;
    let started = Instant::now();
    let first = put(http, &url, "bench-import-1", &rows).await?;
    let command = started.elapsed().as_secs_f64();
    wait().await?;
    let caught_up = started.elapsed().as_secs_f64();
    let written = event_count(db).await? - events_before;

    let before_again = event_count(db).await?;
    let started = Instant::now();
    let again = put(http, &url, "bench-import-2", &rows).await?;
    let again_secs = started.elapsed().as_secs_f64();
    let written_again = event_count(db).await? - before_again;
    let answered_again = again["events"].as_i64().unwrap_or(-1);
    anyhow::ensure!(
        written_again == 0 && answered_again == 0,
        "re-importing an unchanged list wrote {written_again} events (answer said {answered_again})"
    );

    let raw = raw_insert(db, &rows).await?;
    table.compared(
        format!("import {count}-entry list, command"),
        format!(
            "{}, {}, {written} events",
            secs(command),
            rate(count as f64 / command, "entry")
        ),
        format!(
            "raw INSERT {}, {}",
            secs(raw),
            rate(count as f64 / raw, "row")
        ),
        command / raw,
    );
    table.row(
        "  until the read models caught up",
        format!("{} (answer: {} events)", secs(caught_up), first["events"]),
    );
    table.row(
        format!("re-import unchanged ({count} entries)"),
        format!("{}, {written_again} events (asserted 0)", secs(again_secs)),
    );
    Ok(())
}

/// One row: SKU, unit price and tiers (as JSON text).
struct Row {
    sku: String,
    price: String,
    tiers: Value,
}

/// Every product up to `ENTRIES` at 90 % of its list price; every fifth with two tiers.
fn rows(dataset: &Dataset) -> Vec<Row> {
    dataset
        .products
        .iter()
        .take(ENTRIES)
        .enumerate()
        .map(|(i, p)| {
            let price = crate::demo::percent_of(p.list_price_czk, 90);
            let tiers = if i % 5 == 0 {
                json!([
                    {"min_qty": "10", "unit_price": crate::demo::percent_of(price, 97)},
                    {"min_qty": "100", "unit_price": crate::demo::percent_of(price, 93)},
                ])
            } else {
                json!([])
            };
            Row {
                sku: p.sku.clone(),
                price: price.to_string(),
                tiers,
            }
        })
        .collect()
}

async fn put(
    http: &reqwest::Client,
    url: &str,
    message_id: &str,
    rows: &[Row],
) -> anyhow::Result<Value> {
    let entries: Vec<Value> = rows
        .iter()
        .map(|r| json!({"sku": r.sku, "unit_price": r.price, "tiers": r.tiers}))
        .collect();
    // A level list for a level no company has, so the import changes no quote.
    let body = json!({
        "message_id": message_id, "kind": "level", "level": "BENCH", "currency": "CZK",
        "channel": null, "valid_from": null, "valid_to": null, "priority": 0, "entries": entries,
    });
    let response = http
        .put(url)
        .json(&body)
        .send()
        .await
        .context("importing the list")?;
    let status = response.status();
    let text = response.text().await?;
    anyhow::ensure!(
        status.is_success(),
        "import answered {status}: {}",
        text.chars().take(500).collect::<String>()
    );
    Ok(serde_json::from_str(&text)?)
}

async fn event_count(db: &Db) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(db.pool())
        .await?)
}

/// Inserts the rows into a scratch table in one transaction; answers the seconds it took.
async fn raw_insert(db: &Db, rows: &[Row]) -> anyhow::Result<f64> {
    sqlx::query(
        "CREATE TABLE bench_raw_price_entries (list_code TEXT NOT NULL, sku TEXT NOT NULL, \
         unit_price TEXT NOT NULL, tiers TEXT NOT NULL)",
    )
    .execute(db.pool())
    .await?;
    let started = Instant::now();
    let mut write = db.begin_write().await?;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "(${}, ${}, ${}, ${})",
                    4 * i + 1,
                    4 * i + 2,
                    4 * i + 3,
                    4 * i + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO bench_raw_price_entries VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind("IMPORT-RAW")
                .bind(&row.sku)
                .bind(&row.price)
                .bind(row.tiers.to_string());
        }
        query.execute(&mut *write.tx).await?;
    }
    write.tx.commit().await?;
    let elapsed = started.elapsed().as_secs_f64();
    sqlx::query("DROP TABLE bench_raw_price_entries")
        .execute(db.pool())
        .await?;
    Ok(elapsed)
}
