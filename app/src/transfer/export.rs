//! `export`: the log and its seals as JSON Lines.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::{SecondsFormat, Utc};
use sqlx::Row;

use super::{EventLine, Header, FORMAT, VERSION};
use crate::audit::chain::{ChainWalk, Step};
use crate::audit::SealHead;
use crate::db::Db;

/// Events read per query while exporting.
const BATCH: i64 = 1_000;

/// What an export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportSummary {
    /// Event lines written.
    pub events: u64,
    /// Of which sealed.
    pub sealed: u64,
    /// The last seal written.
    pub head: Option<SealHead>,
}

/// Writes the whole log to `out`: a header line, then every event with its seal, sealed events
/// in chain order and then the rest in log order. The chain is checked while reading, and a
/// broken chain stops the export (an import would refuse the file anyway; run `audit verify`).
/// `progress` gets (events written, events expected).
pub async fn export(
    db: &Db,
    out: &mut (dyn Write + Send),
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> anyhow::Result<ExportSummary> {
    let expected: i64 = sqlx::query("SELECT count(*) AS n FROM events")
        .fetch_one(db.pool())
        .await
        .context("counting events")?
        .try_get("n")?;
    let expected = u64::try_from(expected).unwrap_or(0);
    // The header carries the count, which is known only at the end: the lines go to a
    // scratch file first.
    let scratch = Scratch::create()?;
    let mut body = BufWriter::new(
        File::options()
            .read(true)
            .write(true)
            .open(&scratch.0)
            .context("opening the scratch file")?,
    );
    let mut summary = ExportSummary {
        events: 0,
        sealed: 0,
        head: None,
    };
    let mut walk = ChainWalk::new(db, BATCH);
    while let Some(step) = walk.next().await? {
        let line = match step {
            Step::Sealed { seal, event } => {
                summary.sealed += 1;
                summary.head = Some(SealHead::from(&seal));
                EventLine::new(&event, Some(&seal))
            }
            Step::Unsealed(event) => EventLine::new(&event, None),
            Step::Broken(m) => bail!(
                "the seal chain is broken at position {} (seal {}): {}; refusing to export \
                 (run `ordercore audit verify`)",
                m.position,
                m.seal_no,
                m.reason
            ),
        };
        serde_json::to_writer(&mut body, &line).context("writing an event line")?;
        body.write_all(b"\n").context("writing an event line")?;
        summary.events += 1;
        if summary.events % 1_000 == 0 {
            progress(summary.events, expected.max(summary.events));
        }
    }
    body.flush().context("writing the scratch file")?;
    let header = Header {
        format: FORMAT.into(),
        version: VERSION,
        events: summary.events,
        exported_at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    serde_json::to_writer(&mut *out, &header).context("writing the header")?;
    out.write_all(b"\n").context("writing the header")?;
    let mut lines = body.into_inner().context("writing the scratch file")?;
    std::io::Seek::rewind(&mut lines).context("reading the scratch file")?;
    std::io::copy(&mut lines, out).context("writing the export")?;
    out.flush().context("writing the export")?;
    progress(summary.events, summary.events);
    Ok(summary)
}

/// A scratch file in the temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn create() -> anyhow::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "ordercore-export-{}.jsonl",
            uuid::Uuid::new_v4().simple()
        ));
        File::options()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("creating the scratch file {}", path.display()))?;
        Ok(Self(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
