//! How many connectors are worked on at a time. `--parallel N` fixes it; without
//! it, the run finds out: `START` at a time first, then twice as many while that pays
//! (the connectors finish at least `GAIN` faster than at half as many) and the
//! answers take long enough for overlapping them to pay at all (`WORTH_OVERLAPPING`),
//! up to `ADAPTIVE_MAX`; halved, for good, at an answer that says "not now" (409,
//! 503, a rebalance, a time-out). A worker applies config writes one at a time, so
//! more at once only overlaps round trips: what pays is measured, not assumed.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How many connectors are worked on at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parallel {
    /// `--parallel N`: N, never more.
    Fixed(usize),
    /// No `--parallel`: from `START`, between 1 and `ADAPTIVE_MAX`, as the answers
    /// allow.
    Adaptive,
}

/// The most connectors worked on at a time without `--parallel`. Each costs a
/// thread and a connection (about 70 KB of memory: 40 KB of stack in use, two 16 KB
/// buffers), and a worker writes configs one at a time, so a few at once already
/// keep it busy: on Apache Kafka's broker, 200 creates took 9.7 s 4 at a time,
/// 12.1 s 8 at a time and 8.7 s 16 at a time, one run each on a loaded machine
/// (connect-rest.md, "Throughput"); the fake's model of it gains nothing beyond 4.
pub const ADAPTIVE_MAX: usize = 8;

/// How many at a time without `--parallel`, before anything is measured. Two
/// connectors at once are nothing a single worker must be spared (it queues their
/// config writes), and one at a time would spend the first window at half speed
/// on the worker that gains most.
pub const START: usize = 2;

/// Twice as many at a time must finish connectors this much faster to be kept
/// growing.
const GAIN: f64 = 0.15;

/// Connectors whose step takes less than this (on average over a window) are not
/// worth overlapping: the run's own work per connector is of that order, and each
/// more at a time costs memory. A local worker answers in about a millisecond; a
/// real config write takes 40 ms and more.
const WORTH_OVERLAPPING: Duration = Duration::from_millis(5);

/// Connectors finished at one level before it is judged: at least this many, and
/// twice the level, so that every worker has finished some.
const MIN_WINDOW: usize = 4;

/// The controller: fed every finished connector, it says how many at a time.
#[derive(Debug)]
pub struct Pace {
    limit: usize,
    max: usize,
    /// `--parallel N`: never changes.
    fixed: bool,
    /// Growing is over (the last doubling did not pay, or an answer said "not now").
    settled: bool,
    /// The current level's window: since when, how many finished, their steps' time.
    since: Instant,
    finished: usize,
    busy: Duration,
    /// The level before, and how many connectors a second it finished.
    before: Option<(usize, f64)>,
    pushbacks: u64,
}

impl Pace {
    /// `pushbacks`: the client's count of "not now" answers so far.
    pub fn new(parallel: Parallel, pushbacks: u64, now: Instant) -> Pace {
        let (limit, max, fixed) = match parallel {
            Parallel::Fixed(n) => (n.max(1), n.max(1), true),
            Parallel::Adaptive => (START.min(ADAPTIVE_MAX), ADAPTIVE_MAX, false),
        };
        Pace {
            limit,
            max,
            fixed,
            settled: fixed,
            since: now,
            finished: 0,
            busy: Duration::ZERO,
            before: None,
            pushbacks,
        }
    }

    /// How many at a time now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// One connector finished (its step took `took`); `pushbacks` is the client's
    /// count of "not now" answers by now.
    pub fn finished(&mut self, took: Duration, pushbacks: u64, now: Instant) {
        let pushed_back = pushbacks > self.pushbacks;
        self.pushbacks = pushbacks;
        if self.fixed {
            return;
        }
        if pushed_back {
            self.limit = (self.limit / 2).max(1);
            self.settled = true;
            return;
        }
        if self.settled {
            return;
        }
        self.finished += 1;
        self.busy += took;
        if self.finished < MIN_WINDOW.max(2 * self.limit) {
            return;
        }
        let seconds = now.duration_since(self.since).as_secs_f64().max(1e-6);
        let rate = self.finished as f64 / seconds;
        let mean = self.busy / self.finished as u32;
        match self.before {
            _ if mean < WORTH_OVERLAPPING => {}
            Some((level, was)) if rate < was * (1.0 + GAIN) => {
                self.settled = true;
                if rate < was {
                    self.limit = level;
                }
            }
            _ if self.limit >= self.max => self.settled = true,
            _ => {
                self.before = Some((self.limit, rate));
                self.limit = (self.limit * 2).min(self.max);
            }
        }
        self.since = now;
        self.finished = 0;
        self.busy = Duration::ZERO;
    }
}

/// Lets at most `allowed` workers be in a step at once; `allowed` may change while
/// they run (a worker beyond it waits for its turn before its next connector).
pub struct Gate {
    state: Mutex<(usize, usize)>,
    turn: Condvar,
}

impl Gate {
    pub fn new(allowed: usize) -> Gate {
        Gate {
            state: Mutex::new((0, allowed.max(1))),
            turn: Condvar::new(),
        }
    }

    /// Wait for a turn; how many are allowed at once now.
    pub fn enter(&self) -> usize {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.0 >= state.1 {
            state = self.turn.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.0 += 1;
        state.1
    }

    pub fn leave(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 = state.0.saturating_sub(1);
        self.turn.notify_one();
    }

    pub fn allow(&self, allowed: usize) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1 = allowed.max(1);
        self.turn.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: Duration = Duration::from_millis(80);

    /// Feed `n` connectors that each took `took`, finished at `rate(level)` a
    /// second, the level being the pace's limit at that moment.
    fn feed(
        pace: &mut Pace,
        now: &mut Instant,
        n: usize,
        took: Duration,
        rate: impl Fn(usize) -> f64,
    ) {
        for _ in 0..n {
            *now += Duration::from_secs_f64(1.0 / rate(pace.limit()));
            pace.finished(took, 0, *now);
        }
    }

    /// Connectors that take 80 ms each and overlap perfectly.
    fn perfect(level: usize) -> f64 {
        level as f64 / STEP.as_secs_f64()
    }

    #[test]
    fn a_fixed_parallel_never_changes() {
        let mut now = Instant::now();
        let mut pace = Pace::new(Parallel::Fixed(3), 0, now);
        feed(&mut pace, &mut now, 200, STEP, perfect);
        assert_eq!(pace.limit(), 3);
        pace.finished(STEP, 5, now);
        assert_eq!(pace.limit(), 3);
    }

    #[test]
    fn slow_answers_that_overlap_well_grow_to_the_cap_and_never_beyond() {
        let mut now = Instant::now();
        let mut pace = Pace::new(Parallel::Adaptive, 0, now);
        assert_eq!(pace.limit(), START);
        for _ in 0..20 {
            feed(&mut pace, &mut now, 10, STEP, perfect);
            assert!(pace.limit() <= ADAPTIVE_MAX);
        }
        assert_eq!(pace.limit(), ADAPTIVE_MAX);
    }

    #[test]
    fn growth_stops_where_it_stops_paying() {
        let mut now = Instant::now();
        let mut pace = Pace::new(Parallel::Adaptive, 0, now);
        // 20 a second two at a time, 30 at four; no faster beyond.
        let rate = |level: usize| if level <= 2 { 20.0 } else { 30.0 };
        feed(&mut pace, &mut now, 200, STEP, rate);
        assert_eq!(pace.limit(), 8, "8 was no faster than 4: kept, but no more");
        // Slower at 8 than at 4 goes back to 4.
        let mut pace = Pace::new(Parallel::Adaptive, 0, now);
        let rate = |level: usize| match level {
            2 => 20.0,
            4 => 30.0,
            _ => 25.0,
        };
        feed(&mut pace, &mut now, 200, STEP, rate);
        assert_eq!(pace.limit(), 4);
        // No faster at four than at two: kept at four, not slower.
        let mut pace = Pace::new(Parallel::Adaptive, 0, now);
        feed(&mut pace, &mut now, 200, STEP, |_| 20.0);
        assert_eq!(pace.limit(), 4);
        // Slower at four than at two: two.
        let mut pace = Pace::new(Parallel::Adaptive, 0, now);
        feed(&mut pace, &mut now, 200, STEP, |l| {
            if l == 2 { 20.0 } else { 15.0 }
        });
        assert_eq!(pace.limit(), 2);
    }

    #[test]
    fn fast_answers_are_not_overlapped() {
        let mut now = Instant::now();
        let mut pace = Pace::new(Parallel::Adaptive, 0, now);
        let took = Duration::from_micros(300);
        feed(&mut pace, &mut now, 500, took, |level| {
            level as f64 / took.as_secs_f64()
        });
        assert_eq!(pace.limit(), START);
    }

    #[test]
    fn an_answer_that_says_not_now_halves_it_for_good() {
        let mut now = Instant::now();
        let mut pace = Pace::new(Parallel::Adaptive, 0, now);
        while pace.limit() < 8 {
            feed(&mut pace, &mut now, 1, STEP, perfect);
        }
        pace.finished(STEP, 1, now);
        assert_eq!(pace.limit(), 4);
        pace.finished(STEP, 2, now);
        assert_eq!(pace.limit(), 2);
        pace.finished(STEP, 3, now);
        assert_eq!(pace.limit(), 1);
        pace.finished(STEP, 4, now);
        assert_eq!(pace.limit(), 1, "never none");
        feed(&mut pace, &mut now, 200, STEP, perfect);
        assert_eq!(pace.limit(), 1, "no growing again");
    }

    #[test]
    fn the_gate_lets_no_more_than_allowed_in() {
        let gate = Gate::new(2);
        assert_eq!(gate.enter(), 2);
        assert_eq!(gate.enter(), 2);
        gate.allow(3);
        assert_eq!(gate.enter(), 3);
        gate.leave();
        gate.leave();
        gate.allow(1);
        gate.leave();
        assert_eq!(gate.enter(), 1);
    }
}
