//! The auditors' and operators' one-shot commands: `audit verify`, `events export|import` and
//! `projections checksum`. `cli` parses them and hands over here.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::connect;

/// `audit` subcommands.
#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the seal chain from the stored events; exit code 2 when they were tampered with.
    Verify {
        /// Print the report as JSON instead of one line.
        #[arg(long)]
        json: bool,
    },
}

/// `events` subcommands.
#[derive(Subcommand, Debug)]
pub enum EventsCommand {
    /// Write the whole log with its seals as JSON Lines.
    Export {
        /// The file to write (default: standard output).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Load an export into an empty store, checking its seal chain (all or nothing).
    Import {
        /// The file to read (default: standard input).
        #[arg(long, short)]
        input: Option<PathBuf>,
    },
}

/// `projections checksum` flags.
#[derive(Args, Debug)]
pub struct ChecksumArgs {
    /// Print the digests as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The error `audit verify` ends with when the chain is broken: the summary is already printed,
/// and the process exits with code 2.
#[derive(Debug)]
pub struct Tampered;

impl std::fmt::Display for Tampered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the event log does not match its seals")
    }
}

impl std::error::Error for Tampered {}

/// `ordercore audit ...`.
pub async fn audit(database_url: &str, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify { json } = command;
    let db = connect(database_url).await?;
    let report = app::audit::verify(&db).await?;
    db.close().await;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", report.summary());
    }
    if report.ok {
        Ok(())
    } else {
        Err(Tampered.into())
    }
}

/// `ordercore events ...`.
pub async fn events(database_url: &str, command: EventsCommand) -> anyhow::Result<()> {
    let db = connect(database_url).await?;
    let bar = progress_bar();
    let progress_bar = bar.clone();
    let progress = move |done: u64, total: u64| {
        progress_bar.set_length(total);
        progress_bar.set_position(done);
    };
    let result = match command {
        EventsCommand::Export { output } => {
            bar.set_message("exporting");
            let mut out: Box<dyn Write + Send> = match &output {
                Some(path) => Box::new(BufWriter::new(
                    File::create(path).with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(BufWriter::new(std::io::stdout())),
            };
            app::transfer::export(&db, &mut out, &progress)
                .await
                .map(|summary| {
                    format!(
                        "exported {} events ({} sealed){}; {}",
                        summary.events,
                        summary.sealed,
                        output
                            .map(|p| format!(" to {}", p.display()))
                            .unwrap_or_default(),
                        head_text(summary.head.as_ref())
                    )
                })
        }
        EventsCommand::Import { input } => {
            bar.set_message("importing");
            let mut reader: Box<dyn std::io::BufRead + Send> = match &input {
                Some(path) => Box::new(BufReader::new(
                    File::open(path).with_context(|| format!("opening {}", path.display()))?,
                )),
                None => Box::new(BufReader::new(std::io::stdin())),
            };
            let reactors = crate::server::reactor_names(&db);
            app::transfer::import_with(&db, &mut reader, &progress, &reactors)
                .await
                .map(|summary| {
                    let unsealed = summary.events - summary.sealed_in_file;
                    let warning = if unsealed > 0 {
                        format!(
                            "\nwarning: {unsealed} events came without a seal (written after the \
                             export's last seal); they are sealed now, so the chain vouches for \
                             them from this import on, not from when they were written"
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "imported {} events into {} ({} sealed in the file, {unsealed} sealed \
                         now); {}{warning}",
                        summary.events,
                        db.display_url(),
                        summary.sealed_in_file,
                        head_text(summary.head.as_ref())
                    )
                })
        }
    };
    bar.finish_and_clear();
    db.close().await;
    // The export itself may be on standard output: the summary goes to standard error.
    eprintln!("{}", result?);
    Ok(())
}

/// `ordercore projections checksum`.
pub async fn checksum(database_url: &str, args: ChecksumArgs) -> anyhow::Result<()> {
    let db = connect(database_url).await?;
    let digests = app::subscription::checksum::checksums(&db, &projections::all()).await?;
    db.close().await;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&digests)?);
    } else {
        println!("{:<28} {:>10} DIGEST (SHA-256)", "READ MODEL", "ROWS");
        for d in digests {
            let note = if d.built { "" } else { "  (not built yet)" };
            println!("{:<28} {:>10} {}{note}", d.name, d.rows, d.digest);
        }
    }
    Ok(())
}

fn head_text(head: Option<&app::audit::SealHead>) -> String {
    match head {
        Some(h) => format!(
            "head seal {} at position {}: {}",
            h.seal_no, h.position, h.hash
        ),
        None => "no seal".into(),
    }
}

/// A progress bar on standard error (hidden when that is not a terminal).
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} [{bar:30}] {pos}/{len} events, {per_sec}, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
