//! The auditors' view of the event log: events filtered by aggregate, type, actor, correlation
//! and time, in global log order, a page at a time.
//!
//! Pages follow the same rule as every reader of the global log: on Postgres only events of
//! transactions below the snapshot's xmin are returned, ordered by `(tx_id, position)`, so a
//! cursor taken from a page never lets a later page skip an event that a slower transaction
//! commits afterwards. SQLite has one writer, so the position alone is the commit order there.

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::db::{Backend, Db};
use crate::event_log::{Checkpoint, RecordedEvent};

/// What an auditor is looking for; every filter that is set must match.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// The aggregate type (`order`, `stock_item`, ...).
    pub aggregate_type: Option<String>,
    /// The aggregate instance.
    pub aggregate_id: Option<String>,
    /// The event type (`OrderPlaced`, ...).
    pub event_type: Option<String>,
    /// The metadata's `actor` (`user:ACME/jana`, `erp`, `system:reservations`, ...).
    pub actor: Option<String>,
    /// The metadata's `correlation_id`: one business flow across aggregates.
    pub correlation_id: Option<String>,
    /// Recorded at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before this time.
    pub to: Option<DateTime<Utc>>,
}

/// A bind parameter of a query built at run time.
pub(crate) enum Bind {
    /// A text value.
    Text(String),
    /// An integer value.
    Int(i64),
}

/// A `WHERE` clause built from optional conditions, numbering its parameters (`$1`, `$2`, ...).
#[derive(Default)]
pub(crate) struct Conditions {
    pub(crate) clauses: Vec<String>,
    pub(crate) binds: Vec<Bind>,
}

impl Conditions {
    /// Adds a condition whose `{}` placeholders each take the next parameter, in order.
    pub(crate) fn push(&mut self, template: &str, values: Vec<Bind>) {
        let mut clause = String::new();
        let mut parts = template.split("{}");
        clause.push_str(parts.next().unwrap_or_default());
        for (i, part) in parts.enumerate() {
            clause.push_str(&format!("${}", self.binds.len() + i + 1));
            clause.push_str(part);
        }
        self.binds.extend(values);
        self.clauses.push(clause);
    }

    /// The next parameter's placeholder.
    pub(crate) fn next_placeholder(&self) -> String {
        format!("${}", self.binds.len() + 1)
    }

    /// `WHERE a AND b ...`, or nothing.
    pub(crate) fn where_clause(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// Binds every parameter to a query, in order.
    pub(crate) fn bind<'q>(
        &'q self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for value in &self.binds {
            query = match value {
                Bind::Text(text) => query.bind(text.as_str()),
                Bind::Int(n) => query.bind(*n),
            };
        }
        query
    }
}

/// A time as SQLite's normalised `recorded_at` (microseconds, `Z`) and Postgres's cast take it.
fn micros(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// SQLite keeps `recorded_at` with milliseconds (its default) or microseconds (imports): this
/// expression gives every row the microsecond form, so text comparison is time comparison.
const SQLITE_RECORDED_AT: &str =
    "(CASE WHEN length(recorded_at) = 24 THEN substr(recorded_at, 1, 23) || '000Z' ELSE recorded_at END)";

const PG_COLUMNS: &str =
    "tx_id::text AS tx_text, position, aggregate_type, aggregate_id, sequence, \
     event_type, event_version, payload::text AS payload, metadata::text AS metadata, \
     to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') AS recorded_at";

const SQLITE_COLUMNS: &str = "'0' AS tx_text, position, aggregate_type, aggregate_id, sequence, \
     event_type, event_version, payload, metadata, recorded_at";

fn conditions(backend: Backend, filter: &EventFilter) -> Conditions {
    let mut c = Conditions::default();
    let text = |v: &String| vec![Bind::Text(v.clone())];
    if let Some(v) = &filter.aggregate_type {
        c.push("aggregate_type = {}", text(v));
    }
    if let Some(v) = &filter.aggregate_id {
        c.push("aggregate_id = {}", text(v));
    }
    if let Some(v) = &filter.event_type {
        c.push("event_type = {}", text(v));
    }
    let (actor, correlation, time) = match backend {
        Backend::Postgres => (
            "metadata ->> 'actor' = {}",
            "metadata ->> 'correlation_id' = {}",
            "recorded_at",
        ),
        Backend::Sqlite => (
            "json_extract(metadata, '$.actor') = {}",
            "json_extract(metadata, '$.correlation_id') = {}",
            SQLITE_RECORDED_AT,
        ),
    };
    let cast = if backend == Backend::Postgres {
        "::text::timestamptz"
    } else {
        ""
    };
    if let Some(v) = &filter.actor {
        c.push(actor, text(v));
    }
    if let Some(v) = &filter.correlation_id {
        c.push(correlation, text(v));
    }
    if let Some(from) = &filter.from {
        c.push(
            &format!("{time} >= {{}}{cast}"),
            vec![Bind::Text(micros(from))],
        );
    }
    if let Some(to) = &filter.to {
        c.push(
            &format!("{time} < {{}}{cast}"),
            vec![Bind::Text(micros(to))],
        );
    }
    c
}

/// Events matching `filter` after the cursor `after`, at most `limit`, in global log order.
/// Pass the last event's checkpoint as `after` to read the next page.
pub async fn events(
    db: &Db,
    filter: &EventFilter,
    after: Checkpoint,
    limit: i64,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let backend = db.backend();
    let mut c = conditions(backend, filter);
    let sql = match backend {
        Backend::Postgres => {
            c.push(
                "tx_id < pg_snapshot_xmin(pg_current_snapshot())",
                Vec::new(),
            );
            c.push(
                "(tx_id, position) > ({}::text::xid8, {})",
                vec![
                    Bind::Text(after.tx_id.to_string()),
                    Bind::Int(after.position),
                ],
            );
            let limit_at = c.next_placeholder();
            format!(
                "SELECT {PG_COLUMNS} FROM events {} ORDER BY tx_id, position LIMIT {limit_at}",
                c.where_clause()
            )
        }
        Backend::Sqlite => {
            c.push("position > {}", vec![Bind::Int(after.position)]);
            let limit_at = c.next_placeholder();
            format!(
                "SELECT {SQLITE_COLUMNS} FROM events {} ORDER BY position LIMIT {limit_at}",
                c.where_clause()
            )
        }
    };
    let rows = c
        .bind(sqlx::query(&sql))
        .bind(limit)
        .fetch_all(db.pool())
        .await
        .context("querying the event log for an auditor")?;
    let events = rows
        .iter()
        .map(recorded)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(crate::upcasting::upcast_all(events))
}

/// Every event of one aggregate, by sequence (committed ones; no xmin guard is needed within
/// one aggregate, whose sequence numbers have no gaps).
pub async fn aggregate_events(
    db: &Db,
    aggregate_type: &str,
    aggregate_id: &str,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let columns = match db.backend() {
        Backend::Postgres => PG_COLUMNS,
        Backend::Sqlite => SQLITE_COLUMNS,
    };
    let sql = format!(
        "SELECT {columns} FROM events WHERE aggregate_type = $1 AND aggregate_id = $2 \
         ORDER BY sequence"
    );
    let rows = sqlx::query(&sql)
        .bind(aggregate_type)
        .bind(aggregate_id)
        .fetch_all(db.pool())
        .await
        .with_context(|| format!("reading the events of {aggregate_type} {aggregate_id}"))?;
    let events = rows
        .iter()
        .map(recorded)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(crate::upcasting::upcast_all(events))
}

/// The checkpoint of the event at a global position, so that a bare position works as a cursor.
pub async fn checkpoint_at(db: &Db, position: i64) -> anyhow::Result<Option<Checkpoint>> {
    let sql = match db.backend() {
        Backend::Postgres => "SELECT tx_id::text AS tx_text FROM events WHERE position = $1",
        Backend::Sqlite => "SELECT '0' AS tx_text FROM events WHERE position = $1",
    };
    let row = sqlx::query(sql)
        .bind(position)
        .fetch_optional(db.pool())
        .await
        .context("looking up an event's position")?;
    row.map(|row| {
        let tx_id: String = row.try_get("tx_text")?;
        Ok(Checkpoint {
            tx_id: tx_id.parse().context("xid8 out of range")?,
            position,
        })
    })
    .transpose()
}

fn recorded(row: &AnyRow) -> anyhow::Result<RecordedEvent> {
    let tx_id: String = row.try_get("tx_text")?;
    let payload: String = row.try_get("payload")?;
    let metadata: String = row.try_get("metadata")?;
    let recorded_at: String = row.try_get("recorded_at")?;
    Ok(RecordedEvent {
        checkpoint: Checkpoint {
            tx_id: tx_id.parse().context("xid8 out of range")?,
            position: row.try_get("position")?,
        },
        aggregate_type: row.try_get("aggregate_type")?,
        aggregate_id: row.try_get("aggregate_id")?,
        sequence: row.try_get("sequence")?,
        event_type: row.try_get("event_type")?,
        event_version: row.try_get("event_version")?,
        payload: serde_json::from_str(&payload).context("event payload is not JSON")?,
        metadata: serde_json::from_str(&metadata).context("event metadata is not JSON")?,
        recorded_at: DateTime::parse_from_rfc3339(&recorded_at)
            .with_context(|| format!("bad recorded_at {recorded_at:?}"))?
            .with_timezone(&Utc),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_number_their_parameters_in_order() {
        let mut c = Conditions::default();
        c.push("a = {}", vec![Bind::Int(1)]);
        c.push("(b, c) > ({}, {})", vec![Bind::Int(2), Bind::Int(3)]);
        assert_eq!(c.where_clause(), "WHERE a = $1 AND (b, c) > ($2, $3)");
        assert_eq!(c.next_placeholder(), "$4");
    }
}
