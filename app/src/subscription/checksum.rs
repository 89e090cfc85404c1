//! A digest per read model, equal on every store that applied the same log: after an export,
//! an import and a rebuild, ops compare them with the source's.
//!
//! Each table of a read model is read whole through the portable pool (read-model columns are
//! TEXT or BIGINT or NULL, ADR 0003). A row is rendered as canonical JSON keyed by column name
//! (so neither column order nor a store's number rendering matters), the rows are sorted (so
//! the physical order does not matter), and SHA-256 runs over the tables in name order.

use std::sync::Arc;

use anyhow::{bail, Context};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Column, Row};

use super::Projection;
use crate::audit::canonical::canonical_json;
use crate::db::Db;

/// The digest of one read model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReadModelDigest {
    /// The read model's name.
    pub name: String,
    /// False when its tables were never created (no server ran on this store yet); its
    /// digest is then the one of an empty read model.
    pub built: bool,
    /// Rows over all its tables.
    pub rows: u64,
    /// Lowercase hex SHA-256 over its tables' sorted, rendered rows.
    pub digest: String,
}

/// The digest of every given read model, in the given order.
pub async fn checksums(
    db: &Db,
    projections: &[Arc<dyn Projection>],
) -> anyhow::Result<Vec<ReadModelDigest>> {
    let mut digests = Vec::with_capacity(projections.len());
    for projection in projections {
        digests.push(checksum(db, projection.as_ref()).await?);
    }
    Ok(digests)
}

/// The digest of one read model's live tables. A read model whose tables were never created
/// (no server ran on this store yet) digests like an empty one and says `built: false`.
pub async fn checksum(db: &Db, projection: &dyn Projection) -> anyhow::Result<ReadModelDigest> {
    let built = super::live_version(db, projection.name()).await?.is_some();
    let mut tables: Vec<&'static str> = projection.tables().iter().map(|t| t.name).collect();
    tables.sort_unstable();
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    for table in tables {
        let mut rendered = if built {
            rows_of(db, table)
                .await
                .with_context(|| format!("reading {table} of {}", projection.name()))?
        } else {
            Vec::new()
        };
        rendered.sort_unstable();
        hasher.update(format!("table {table} {}\n", rendered.len()).as_bytes());
        for line in &rendered {
            hasher.update(line.as_bytes());
            hasher.update(b"\n");
        }
        total += rendered.len() as u64;
    }
    Ok(ReadModelDigest {
        name: projection.name().to_string(),
        built,
        rows: total,
        digest: hex::encode(hasher.finalize()),
    })
}

/// Every row of a table, rendered.
async fn rows_of(db: &Db, table: &str) -> anyhow::Result<Vec<String>> {
    let rows = sqlx::query(&format!("SELECT * FROM {table}"))
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| render(row).with_context(|| format!("rendering a row of {table}")))
        .collect()
}

/// A row as canonical JSON: `{"column": value, ...}` with integers, text or null.
fn render(row: &AnyRow) -> anyhow::Result<String> {
    let mut object = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        // A NULL decodes as `None` whatever the type; an integer column as i64 on both stores.
        let value = if let Ok(n) = row.try_get::<Option<i64>, _>(i) {
            n.map(Value::from).unwrap_or(Value::Null)
        } else if let Ok(text) = row.try_get::<Option<String>, _>(i) {
            text.map(Value::from).unwrap_or(Value::Null)
        } else {
            bail!(
                "column {} is neither BIGINT nor TEXT (read models keep only those)",
                column.name()
            );
        };
        object.insert(column.name().to_string(), value);
    }
    Ok(canonical_json(&Value::Object(object)))
}
