//! Faults on demand: which share of requests fail and how, whether the ERP is down, which SKUs
//! it refuses and how it mangles its own messages to ordercore. The rolls come from the
//! simulator's seeded [`Chance`], so a run with `--seed` fails the same way again.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::chance::Chance;

/// The faults the simulator injects; the body of `GET /admin/faults`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Share (0–1) of submit and cancel requests answered 503 before anything is done.
    pub error_rate: f64,
    /// Share (0–1) of submit and cancel requests that take effect but are answered only after
    /// the hang time (60 s by default), longer than any client waits.
    pub timeout_rate: f64,
    /// Milliseconds added to every answer of the ERP endpoints and `/healthz`.
    pub latency_ms: u64,
    /// Milliseconds a submit or cancel that took effect waits before it is answered: the
    /// window in which a crash or a timeout of the caller loses the answer while the ERP has
    /// the order (unlike `latency_ms`, which comes before anything is done). A repeat of a key
    /// is answered at once.
    pub answer_delay_ms: u64,
    /// Share (0–1) of submit and cancel requests that take effect but whose connection is then
    /// dropped without an answer.
    pub drop_rate: f64,
    /// Answer 503 to every ERP request for this many seconds from when it was set (reading it
    /// back gives the seconds left).
    pub down_for_secs: u64,
    /// SKUs the ERP does not sell: orders containing one are refused with 422.
    pub refuse_skus: Vec<String>,
    /// Send every message to ordercore twice, with the same `message_id`.
    pub duplicate_inbound: bool,
    /// Deliver the messages of an order out of order (all of them, eventually).
    pub shuffle_inbound: bool,
    /// Answer every submit and cancel with this HTTP status (300–599) before anything is done,
    /// as a misconfigured gateway, a revoked key or a throttling ERP would; 0 turns it off.
    pub answer_status: u16,
    /// With `answer_status`: send `Retry-After` with this many seconds.
    pub retry_after_secs: Option<u64>,
    /// Send that `Retry-After` as an HTTP-date (now plus the seconds) instead of seconds.
    pub retry_after_as_date: bool,
}

impl Faults {
    /// Checks the rates; answers the offending field and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        for (field, rate) in [
            ("error_rate", self.error_rate),
            ("timeout_rate", self.timeout_rate),
            ("drop_rate", self.drop_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err((field, format!("must be between 0 and 1, not {rate}")));
            }
        }
        if self.answer_status != 0 && !(300..=599).contains(&self.answer_status) {
            return Err((
                "answer_status",
                format!(
                    "must be 0 or between 300 and 599, not {}",
                    self.answer_status
                ),
            ));
        }
        Ok(())
    }
}

/// A change to the faults: the body of `PUT /admin/faults`; fields left out keep their value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsPatch {
    /// See [`Faults::error_rate`].
    pub error_rate: Option<f64>,
    /// See [`Faults::timeout_rate`].
    pub timeout_rate: Option<f64>,
    /// See [`Faults::latency_ms`].
    pub latency_ms: Option<u64>,
    /// See [`Faults::answer_delay_ms`].
    pub answer_delay_ms: Option<u64>,
    /// See [`Faults::drop_rate`].
    pub drop_rate: Option<f64>,
    /// See [`Faults::down_for_secs`]; setting it (again) starts the window now, 0 ends it.
    pub down_for_secs: Option<u64>,
    /// See [`Faults::refuse_skus`].
    pub refuse_skus: Option<Vec<String>>,
    /// See [`Faults::duplicate_inbound`].
    pub duplicate_inbound: Option<bool>,
    /// See [`Faults::shuffle_inbound`].
    pub shuffle_inbound: Option<bool>,
    /// See [`Faults::answer_status`].
    pub answer_status: Option<u16>,
    /// See [`Faults::retry_after_secs`]; `null` leaves it, so send 0 for "retry at once".
    pub retry_after_secs: Option<u64>,
    /// See [`Faults::retry_after_as_date`].
    pub retry_after_as_date: Option<bool>,
}

/// What happens to one submit or cancel request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Handled normally.
    Pass,
    /// Answered 503 without doing anything.
    Error,
    /// Handled, then answered only after the hang time.
    Timeout,
    /// Handled, then the connection is dropped without an answer.
    Drop,
}

/// The current faults and the down window, behind one lock.
pub(super) struct FaultBox {
    inner: Mutex<Inner>,
    chance: Arc<Chance>,
}

struct Inner {
    faults: Faults,
    down_until: Option<Instant>,
}

impl FaultBox {
    /// Starts with `faults` (the down window, if any, starts now), rolling with `chance`.
    pub fn new(faults: Faults, chance: Arc<Chance>) -> Self {
        let down_until = window(faults.down_for_secs);
        Self {
            inner: Mutex::new(Inner { faults, down_until }),
            chance,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The lock guards plain data that no panic can leave half-written.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The faults now, `down_for_secs` being the seconds left (rounded up).
    pub fn current(&self) -> Faults {
        let inner = self.lock();
        let mut faults = inner.faults.clone();
        faults.down_for_secs =
            remaining(inner.down_until).map_or(0, |left| left.as_millis().div_ceil(1000) as u64);
        faults
    }

    /// Replaces every fault.
    pub fn set(&self, faults: Faults) -> Result<Faults, (&'static str, String)> {
        faults.validate()?;
        let mut inner = self.lock();
        inner.down_until = window(faults.down_for_secs);
        inner.faults = faults;
        drop(inner);
        Ok(self.current())
    }

    /// Changes the fields given in `patch`; nothing changes when one is invalid.
    pub fn patch(&self, patch: FaultsPatch) -> Result<Faults, (&'static str, String)> {
        let mut inner = self.lock();
        let mut faults = inner.faults.clone();
        faults.error_rate = patch.error_rate.unwrap_or(faults.error_rate);
        faults.timeout_rate = patch.timeout_rate.unwrap_or(faults.timeout_rate);
        faults.latency_ms = patch.latency_ms.unwrap_or(faults.latency_ms);
        faults.answer_delay_ms = patch.answer_delay_ms.unwrap_or(faults.answer_delay_ms);
        faults.drop_rate = patch.drop_rate.unwrap_or(faults.drop_rate);
        faults.refuse_skus = patch.refuse_skus.unwrap_or(faults.refuse_skus);
        faults.duplicate_inbound = patch.duplicate_inbound.unwrap_or(faults.duplicate_inbound);
        faults.shuffle_inbound = patch.shuffle_inbound.unwrap_or(faults.shuffle_inbound);
        faults.answer_status = patch.answer_status.unwrap_or(faults.answer_status);
        faults.retry_after_secs = patch.retry_after_secs.or(faults.retry_after_secs);
        faults.retry_after_as_date = patch
            .retry_after_as_date
            .unwrap_or(faults.retry_after_as_date);
        faults.validate()?;
        if let Some(secs) = patch.down_for_secs {
            faults.down_for_secs = secs;
            inner.down_until = window(secs);
        }
        inner.faults = faults;
        drop(inner);
        Ok(self.current())
    }

    /// How long the ERP stays down, if it is down now.
    pub fn down_remaining(&self) -> Option<Duration> {
        remaining(self.lock().down_until)
    }

    /// The latency to add to an answer.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.lock().faults.latency_ms)
    }

    /// How long to hold the answer to a request that took effect.
    pub fn answer_delay(&self) -> Duration {
        Duration::from_millis(self.lock().faults.answer_delay_ms)
    }

    /// Decides the fate of one submit or cancel request.
    pub fn roll(&self) -> Verdict {
        let Faults {
            error_rate,
            timeout_rate,
            drop_rate,
            ..
        } = self.lock().faults;
        if error_rate + timeout_rate + drop_rate <= 0.0 {
            return Verdict::Pass;
        }
        // One roll splits [0, 1) into consecutive shares, so the rates never overlap.
        let roll = self.chance.unit();
        if roll < drop_rate {
            Verdict::Drop
        } else if roll < drop_rate + error_rate {
            Verdict::Error
        } else if roll < drop_rate + error_rate + timeout_rate {
            Verdict::Timeout
        } else {
            Verdict::Pass
        }
    }

    /// The first of `skus` the ERP refuses to sell, if any.
    pub fn refused_sku<'a>(&self, mut skus: impl Iterator<Item = &'a str>) -> Option<String> {
        let inner = self.lock();
        skus.find(|sku| inner.faults.refuse_skus.iter().any(|r| r == sku))
            .map(str::to_string)
    }

    /// The status to answer every request with, and the `Retry-After` value to send with it.
    pub fn forced_answer(&self) -> Option<(u16, Option<String>)> {
        let inner = self.lock();
        let faults = &inner.faults;
        (faults.answer_status != 0).then(|| {
            let retry_after = faults.retry_after_secs.map(|secs| {
                if faults.retry_after_as_date {
                    httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(secs))
                } else {
                    secs.to_string()
                }
            });
            (faults.answer_status, retry_after)
        })
    }

    /// Whether messages to ordercore are sent twice and whether they are shuffled.
    pub fn inbound_mangling(&self) -> (bool, bool) {
        let inner = self.lock();
        (inner.faults.duplicate_inbound, inner.faults.shuffle_inbound)
    }
}

fn window(secs: u64) -> Option<Instant> {
    (secs > 0).then(|| Instant::now() + Duration::from_secs(secs))
}

fn remaining(until: Option<Instant>) -> Option<Duration> {
    until
        .map(|until| until.saturating_duration_since(Instant::now()))
        .filter(|left| !left.is_zero())
}

/// A response whose body fails at once: hyper then closes the connection before it has
/// written anything, so the client sees the connection end without an answer.
pub(super) fn dropped_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped",
        ))
    });
    Response::new(Body::from_stream(failing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_outside_zero_to_one_are_refused_and_change_nothing() {
        let faults = FaultBox::new(Faults::default(), Arc::new(Chance::new(Some(1))));
        let patch = FaultsPatch {
            error_rate: Some(0.5),
            drop_rate: Some(1.5),
            ..FaultsPatch::default()
        };
        assert_eq!(faults.patch(patch).unwrap_err().0, "drop_rate");
        let patch = FaultsPatch {
            answer_status: Some(200),
            ..FaultsPatch::default()
        };
        assert_eq!(faults.patch(patch).unwrap_err().0, "answer_status");
        assert_eq!(faults.current(), Faults::default());
    }

    #[test]
    fn the_same_seed_rolls_the_same_verdicts() {
        let faults = Faults {
            error_rate: 0.3,
            timeout_rate: 0.1,
            drop_rate: 0.1,
            ..Faults::default()
        };
        let one = FaultBox::new(faults.clone(), Arc::new(Chance::new(Some(42))));
        let two = FaultBox::new(faults, Arc::new(Chance::new(Some(42))));
        let rolls = |b: &FaultBox| (0..50).map(|_| b.roll()).collect::<Vec<_>>();
        let first = rolls(&one);
        assert_eq!(first, rolls(&two));
        assert!(first.contains(&Verdict::Error) && first.contains(&Verdict::Pass));
    }
}
