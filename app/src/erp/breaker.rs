//! A circuit breaker: after consecutive transient failures it stops calling the ERP for a
//! cooldown, then lets one probe through; a success closes it, a failure opens it again with a
//! longer cooldown.

use std::time::{Duration, Instant};

/// The breaker's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// One probe may go through.
    HalfOpen,
    /// No calls until the cooldown ends.
    Open,
}

/// The circuit breaker of one ERP.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    base_cooldown: Duration,
    max_cooldown: Duration,
    failures: u32,
    cooldown: Duration,
    open_until: Option<Instant>,
    probing: bool,
}

impl Breaker {
    /// A breaker that opens after `threshold` failures in a row.
    pub fn new(threshold: u32, base_cooldown: Duration, max_cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            base_cooldown,
            max_cooldown,
            failures: 0,
            cooldown: base_cooldown,
            open_until: None,
            probing: false,
        }
    }

    /// The state at `now`.
    pub fn state(&self, now: Instant) -> BreakerState {
        match self.open_until {
            None => BreakerState::Closed,
            Some(until) if now < until => BreakerState::Open,
            Some(_) => BreakerState::HalfOpen,
        }
    }

    /// How many calls may start now: all (`None`), one probe, or none.
    pub fn permits(&mut self, now: Instant) -> Option<usize> {
        match self.state(now) {
            BreakerState::Closed => None,
            BreakerState::Open => Some(0),
            BreakerState::HalfOpen if self.probing => Some(0),
            BreakerState::HalfOpen => {
                self.probing = true;
                Some(1)
            }
        }
    }

    /// When an open breaker lets a probe through.
    pub fn open_until(&self) -> Option<Instant> {
        self.open_until
    }

    /// The probe that was permitted was not used (nothing was due): permit one again later.
    pub fn unused_probe(&mut self) {
        self.probing = false;
    }

    /// A call succeeded (or the ERP answered definitively): close.
    pub fn success(&mut self) {
        self.failures = 0;
        self.cooldown = self.base_cooldown;
        self.open_until = None;
        self.probing = false;
    }

    /// A call failed transiently. True when this failure opened the breaker (from closed, or
    /// again after a failed probe).
    pub fn failure(&mut self, now: Instant) -> bool {
        self.failures += 1;
        let was_probing = std::mem::take(&mut self.probing);
        let was_open = self.open_until.is_some();
        if was_probing || self.failures >= self.threshold {
            if was_probing {
                self.cooldown = (self.cooldown * 2).min(self.max_cooldown);
            }
            self.open_until = Some(now + self.cooldown);
            return was_probing || !was_open;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_probes_and_closes() {
        let t0 = Instant::now();
        let mut b = Breaker::new(3, Duration::from_secs(10), Duration::from_secs(120));
        assert_eq!(b.permits(t0), None);
        assert!(!b.failure(t0));
        assert!(!b.failure(t0));
        assert_eq!(b.state(t0), BreakerState::Closed);
        assert!(b.failure(t0), "the third failure opens it");
        assert_eq!(b.state(t0), BreakerState::Open);
        assert!(
            !b.failure(t0),
            "a late failure of a call made before does not open it again"
        );
        assert_eq!(b.permits(t0 + Duration::from_secs(5)), Some(0));
        let later = t0 + Duration::from_secs(11);
        assert_eq!(b.permits(later), Some(1), "one probe");
        assert_eq!(b.permits(later), Some(0), "only one");
        assert!(b.failure(later), "the failed probe opens it again");
        assert_eq!(
            b.state(later + Duration::from_secs(15)),
            BreakerState::Open,
            "cooldown doubled to 20 s"
        );
        assert_eq!(b.permits(later + Duration::from_secs(21)), Some(1));
        b.success();
        assert_eq!(
            b.state(later + Duration::from_secs(21)),
            BreakerState::Closed
        );
    }
}
