//! The overall deadline and the backoff schedule; decisions about *whether* to retry
//! live with the HTTP classification in `connect`, not here.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::{Duration, Instant};

/// The end of the run. Every wait and every request's time-out is clamped to it.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    end: Instant,
}

impl Deadline {
    pub fn after(timeout: Duration) -> Deadline {
        Deadline {
            end: Instant::now() + timeout,
        }
    }

    pub fn at(end: Instant) -> Deadline {
        Deadline { end }
    }

    /// This deadline, moved later by `by`.
    pub fn extended(self, by: Duration) -> Deadline {
        Deadline { end: self.end + by }
    }

    /// The earlier of two deadlines.
    pub fn min(self, other: Deadline) -> Deadline {
        Deadline {
            end: self.end.min(other.end),
        }
    }

    pub fn remaining(&self) -> Duration {
        self.end.saturating_duration_since(Instant::now())
    }

    pub fn passed(&self) -> bool {
        self.remaining().is_zero()
    }

    /// `limit`, or what is left of the run when that is shorter.
    pub fn clamp(&self, limit: Duration) -> Duration {
        limit.min(self.remaining())
    }
}

pub const FIRST_DELAY: Duration = Duration::from_millis(100);
/// An answer that may change (a rebalance, a busy worker) is asked again within
/// about a second.
pub const MAX_DELAY: Duration = Duration::from_secs(1);

/// Doubling delays from `FIRST_DELAY` to `MAX_DELAY` (or another cap), each with
/// jitter down to half its value so that many Jobs started together do not knock
/// in step.
#[derive(Debug)]
pub struct Backoff {
    next: Duration,
    max: Duration,
    random: RandomState,
    count: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::capped(FIRST_DELAY, MAX_DELAY)
    }
}

impl Backoff {
    /// Doubling delays from `first` to at most `max`, with the same jitter.
    pub fn capped(first: Duration, max: Duration) -> Backoff {
        Backoff {
            next: first.min(max),
            max,
            random: RandomState::new(),
            count: 0,
        }
    }

    /// Sleep for the next delay. Returns false, without sleeping past it, when the
    /// deadline comes first.
    pub fn wait(&mut self, deadline: &Deadline) -> bool {
        let delay = self.next_delay();
        let remaining = deadline.remaining();
        if remaining <= delay {
            std::thread::sleep(remaining);
            return false;
        }
        std::thread::sleep(delay);
        true
    }

    fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = (self.next * 2).min(self.max);
        let mut h = self.random.build_hasher();
        h.write_u64(self.count);
        self.count += 1;
        let fraction = (h.finish() % 1001) as f64 / 1000.0; // 0.0 ..= 1.0
        base.mul_f64(0.5 + 0.5 * fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_doubles_to_the_cap_with_bounded_jitter() {
        let mut b = Backoff::default();
        let expected = [100, 200, 400, 800, 1000, 1000, 1000];
        for ms in expected {
            let base = Duration::from_millis(ms);
            assert_eq!(b.next, base);
            let d = b.next_delay();
            assert!(d >= base / 2 && d <= base, "{d:?} for base {base:?}");
        }
    }

    #[test]
    fn a_capped_schedule_never_waits_longer_than_its_cap() {
        let mut b = Backoff::capped(FIRST_DELAY, Duration::from_millis(500));
        let delays: Vec<_> = (0..20).map(|_| b.next_delay()).collect();
        assert!(
            delays.iter().all(|d| *d <= Duration::from_millis(500)),
            "{delays:?}"
        );
        assert!(
            delays[10..]
                .iter()
                .all(|d| *d >= Duration::from_millis(250)),
            "{delays:?}"
        );
        let mut flat = Backoff::capped(FIRST_DELAY, FIRST_DELAY);
        assert!((0..20).all(|_| flat.next_delay() <= FIRST_DELAY));
    }

    #[test]
    fn jitter_varies() {
        let mut b = Backoff::default();
        for _ in 0..5 {
            b.next_delay();
        }
        let delays: Vec<_> = (0..20).map(|_| b.next_delay()).collect();
        assert!(delays.iter().any(|d| *d != delays[0]), "{delays:?}");
    }

    #[test]
    fn deadline_clamps_and_stops_waiting() {
        let d = Deadline::after(Duration::from_millis(30));
        assert!(d.clamp(Duration::from_secs(90)) <= Duration::from_millis(30));
        let mut b = Backoff::capped(MAX_DELAY, MAX_DELAY);
        assert!(!b.wait(&d));
        assert!(d.passed());
    }
}
