//! Audit: tamper evidence, a hash chain of seals over the global log (docs/adr/0005), and the
//! auditors' queries.
//!
//! The [`Sealer`] follows the log like a read model and writes, for each event in log order, a
//! seal: SHA-256 over the previous seal's hash and the event's [canonical form]. [`verify`]
//! recomputes the chain from the stored events and names the first position where they no
//! longer match: a changed payload or metadata, a deleted, inserted or reordered event, an
//! altered seal. The head seal is logged periodically so that it can be kept outside the
//! database; an attacker who rewrites events and recomputes every seal is caught by comparing
//! heads.
//!
//! [`query`] reads the log for auditors (filters, cursor pages) and [`time_travel`] shows an
//! aggregate as it was at a past moment or version.
//!
//! [canonical form]: canonical::event_form

pub mod canonical;
pub(crate) mod chain;
mod lookahead;
pub mod query;
mod seal;
pub mod time_travel;
mod verify;

pub use seal::{head, seals_after, Seal, SealHead, Sealer, SEALER_NAME};
pub use verify::{verify, Mismatch, VerifyReport};
