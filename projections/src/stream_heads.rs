//! `stream_heads`: one row per aggregate instance with its version, its last event and when it
//! changed. The smallest useful read model: ops and auditors list aggregates with it, and it
//! proves the subscription and rebuild machinery on every store.

use async_trait::async_trait;
use sqlx::AnyConnection;

use app::event_log::RecordedEvent;
use app::subscription::{Projection, TableDef, Tables};

/// The `stream_heads` read model.
pub struct StreamHeads;

/// Its table.
pub const TABLE: &str = "rm_stream_heads";

#[async_trait]
impl Projection for StreamHeads {
    fn name(&self) -> &'static str {
        "stream_heads"
    }

    fn tables(&self) -> Vec<TableDef> {
        vec![TableDef {
            name: TABLE,
            ddl: "CREATE TABLE {table} (
                      aggregate_type  TEXT   NOT NULL,
                      aggregate_id    TEXT   NOT NULL,
                      version         BIGINT NOT NULL,
                      last_event_type TEXT   NOT NULL,
                      last_position   BIGINT NOT NULL,
                      updated_at      TEXT   NOT NULL,
                      PRIMARY KEY (aggregate_type, aggregate_id)
                  );
                  CREATE INDEX {table}_by_time ON {table} (updated_at)",
        }]
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        tables: &Tables,
        event: &RecordedEvent,
    ) -> anyhow::Result<()> {
        let table = tables.get(TABLE)?;
        sqlx::query(&format!(
            "INSERT INTO {table} (aggregate_type, aggregate_id, version, last_event_type, \
             last_position, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET version = excluded.version, \
             last_event_type = excluded.last_event_type, last_position = excluded.last_position, \
             updated_at = excluded.updated_at"
        ))
        .bind(&event.aggregate_type)
        .bind(&event.aggregate_id)
        .bind(event.sequence)
        .bind(&event.event_type)
        .bind(event.checkpoint.position)
        .bind(
            event
                .recorded_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        )
        .execute(conn)
        .await?;
        Ok(())
    }
}
