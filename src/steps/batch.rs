//! Doing one step (validate, apply) for every connector under one deadline, fairly:
//! each connector gets a slice of the time left, so that one connector whose
//! writes keep timing out cannot spend the whole deadline while the next one,
//! which Connect would reject at once, is never tried. A connector that runs out
//! of its slice is tried again in a later round, as long as the deadline allows.
//! Up to `--parallel` connectors are worked on at a time, each worker with its own
//! client; results are reported in definition order all the same.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::base::deadline::Deadline;
use crate::base::error::Error;
use crate::connect::client::Client;
use crate::report::outcome::Report;
use crate::report::progress::Progress;
use crate::steps::pace::{Gate, Pace, Parallel};

/// A round shorter than this is followed by a pause of as long.
const QUICK_ROUND: Duration = Duration::from_millis(500);

/// No slice is shorter than this, however many connectors share the time, unless
/// the connectors still waiting for their turn need the time (`FIRST_TRY`).
const MIN_SLICE: Duration = Duration::from_secs(2);

/// Kept back, per connector still waiting for its turn in a round, from the slice
/// of the one before it: every connector is attempted before the deadline, however
/// many before it are stuck (one that Connect rejects at once is then 78, not 124).
/// When the time left cannot give each this much, it is shared evenly instead.
const FIRST_TRY: Duration = Duration::from_millis(500);

/// What one step made of one connector.
pub enum Step<T> {
    /// Final: reported as it is.
    Done(T),
    /// Ran out of its slice with only transient answers: try again in a later round.
    Again(T),
}

/// How a batch treats its items.
pub struct Rules<'a, T> {
    /// The work for one item, with a client whose deadline is the item's slice.
    pub step: &'a (dyn Fn(&mut Client, usize, T) -> Step<T> + Sync),
    /// A final result that ends the batch: items not yet started are skipped.
    pub stops: &'a (dyn Fn(&T) -> bool + Sync),
    /// What a skipped item becomes.
    pub skip: &'a (dyn Fn(T) -> T + Sync),
}

/// Run the step for every item until each is final. `report` sees each final item
/// once, in item order, as soon as it and every item before it are final.
pub fn run<T: Send>(
    client: &Client,
    parallel: Parallel,
    items: Vec<T>,
    rules: &Rules<T>,
    mut report: impl FnMut(usize, &T),
) -> Vec<T> {
    let deadline = client.deadline;
    let n = items.len();
    // Each item stays in its slot, but while a worker has it: the queues hold
    // indices, so that a fleet's items are never held twice (a queue and the
    // finals) nor copied into a queue of their own.
    let slots: Mutex<Vec<Option<T>>> = Mutex::new(items.into_iter().map(Some).collect());
    let mut finals = vec![false; n];
    let mut reported = 0;
    let stopped = AtomicBool::new(false);
    let mut todo: VecDeque<usize> = (0..n).collect();
    let mut pace = Pace::new(parallel, client.pushbacks(), Instant::now());
    let overrun = Overrun::default();
    while !todo.is_empty() {
        let started = Instant::now();
        let round = todo.len();
        let time = deadline.remaining();
        let gate = Gate::new(pace.limit().min(round));
        let queue = Mutex::new(std::mem::take(&mut todo));
        let (sender, results) = mpsc::channel::<(usize, bool, Duration)>();
        // Each worker takes the next item when the gate lets it in: a connector's
        // share of the round is its turn's among as many as are worked on at once.
        let work = |client: &mut Client, sender: mpsc::Sender<(usize, bool, Duration)>| loop {
            let workers = gate.enter();
            let next = {
                let mut queue = lock(&queue);
                queue.pop_front().map(|i| (i, queue.len()))
            };
            let Some((i, waiting)) = next else {
                gate.leave();
                return;
            };
            // An index is queued only while its item is in its slot.
            let Some(item) = lock(&slots)[i].take() else {
                gate.leave();
                continue;
            };
            let began = Instant::now();
            let result = if stopped.load(Ordering::SeqCst) {
                Step::Done((rules.skip)(item))
            } else {
                let share = time.mul_f64(workers as f64 / round as f64).max(MIN_SLICE);
                let slice = slice_for(share, deadline, waiting, workers, overrun.get());
                client.deadline = Deadline::at(began + slice).min(deadline);
                let result = (rules.step)(client, i, item);
                overrun.learn(began.elapsed(), slice);
                result
            };
            gate.leave();
            // Decided here, before this worker takes the next item.
            if let Step::Done(t) = &result
                && (rules.stops)(t)
            {
                stopped.store(true, Ordering::SeqCst);
            }
            // Back in its slot: what the collector is told is only whether it is
            // final (results it has not read yet would be copies).
            let done = matches!(result, Step::Done(_));
            let (Step::Done(t) | Step::Again(t)) = result;
            lock(&slots)[i] = Some(t);
            if sender.send((i, done, began.elapsed())).is_err() {
                return;
            }
        };
        let live = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            let spawn = |sender: mpsc::Sender<(usize, bool, Duration)>| {
                let mut own = client.clone();
                let (work, live) = (&work, &live);
                live.fetch_add(1, Ordering::SeqCst);
                let spawned = std::thread::Builder::new().spawn_scoped(scope, move || {
                    let _alive = Alive(live);
                    work(&mut own, sender)
                });
                if spawned.is_err() {
                    live.fetch_sub(1, Ordering::SeqCst);
                }
                spawned.is_ok()
            };
            let mut spawned = 0;
            // A pod's pids limit: fewer workers, never a panic.
            while spawned < pace.limit().min(round) && spawn(sender.clone()) {
                spawned += 1;
            }
            let mut sender = Some(sender);
            if spawned == 0 {
                work(&mut client.clone(), sender.take().expect("kept"));
            }
            let mut received = 0;
            while received < round {
                let (i, done, took) = match results.recv_timeout(CHECK) {
                    Ok(got) => got,
                    // Every worker ended (one that could not go on): what they sent
                    // is all there is.
                    Err(mpsc::RecvTimeoutError::Timeout) if live.load(Ordering::SeqCst) > 0 => {
                        continue;
                    }
                    Err(_) => break,
                };
                received += 1;
                pace.finished(took, client.pushbacks(), Instant::now());
                gate.allow(pace.limit());
                // More at a time: one more worker each, while items are left.
                let left = round - received;
                if let Some(sender) = &sender {
                    while spawned < pace.limit().min(left) && spawn(sender.clone()) {
                        spawned += 1;
                    }
                }
                if done {
                    finals[i] = true;
                } else {
                    todo.push_back(i);
                }
                // Each final one in order, taken out of its slot while it is
                // reported: the workers take theirs meanwhile (the output may stall).
                while finals.get(reported) == Some(&true) {
                    let t = lock(&slots)[reported].take();
                    if let Some(t) = &t {
                        report(reported, t);
                    }
                    lock(&slots)[reported] = t;
                    reported += 1;
                }
            }
            drop(sender);
        });
        todo.make_contiguous().sort_unstable();
        // A round whose every item came back at once (nothing left to try before
        // the deadline) must not turn into a busy loop.
        if !todo.is_empty() && started.elapsed() < QUICK_ROUND {
            std::thread::sleep(QUICK_ROUND.min(deadline.remaining()));
        }
    }
    let mut slots = slots.into_inner().unwrap_or_else(|e| e.into_inner());
    // Only final items, as ever (none other is left but for a worker that ended).
    for (slot, _) in slots.iter_mut().zip(finals).filter(|(_, f)| !f) {
        *slot = None;
    }
    // In place, where `flatten` would copy them all into a new Vec.
    #[allow(clippy::filter_map_identity)]
    slots.into_iter().filter_map(|t| t).collect()
}

/// A lock that a panicked holder (there is none: the promise is never a panic)
/// leaves usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// How often the collector checks that some worker still runs.
const CHECK: Duration = Duration::from_millis(100);

/// A worker's life: counted down however it ends.
struct Alive<'a>(&'a AtomicUsize);

impl Drop for Alive<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The slice of one connector: its share of the round, less what the connectors
/// still waiting behind it (on `workers` workers) need for their first try; never
/// less than one first try of its own. A first try is `FIRST_TRY`, or an even
/// share of the time left when that is shorter, so that the last turn still comes.
/// Every turn costs `overrun` beyond its slice too (noticing the time-out, a new
/// connection, the run's own work): 200 connectors that each use their whole slice
/// would otherwise push the last ones past the deadline.
fn slice_for(
    share: Duration,
    deadline: Deadline,
    waiting: usize,
    workers: usize,
    overrun: Duration,
) -> Duration {
    let turns_behind = waiting.div_ceil(workers.max(1)) as u32;
    let remaining = deadline.remaining();
    let turn = remaining / turns_behind.saturating_add(1);
    let first_try = FIRST_TRY.min(turn.saturating_sub(overrun)).max(turn / 2);
    let reserve = (first_try + overrun).saturating_mul(turns_behind);
    share.min(
        remaining
            .saturating_sub(reserve)
            .saturating_sub(overrun)
            .max(first_try),
    )
}

/// How long a step runs past the end of its slice, as a moving average of the steps
/// that did (each sample at most `MAX_OVERRUN`: a step that rightly outlasts its
/// slice, an offsets write under the run's deadline, must not starve the others).
#[derive(Default)]
struct Overrun(AtomicU64);

const MAX_OVERRUN: Duration = Duration::from_millis(100);

impl Overrun {
    fn get(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }

    fn learn(&self, took: Duration, slice: Duration) {
        let Some(past) = took.checked_sub(slice) else {
            return;
        };
        let sample = past.min(MAX_OVERRUN).as_nanos() as u64;
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(old - old / 4 + sample / 4)
            });
    }
}

/// The wiring every batch of a run shares, around one step for one connector: a
/// connector not begun before the deadline is "not attempted", one whose slice (not
/// the deadline) ran out is tried again in a later round, and once Kafka Connect
/// refuses access the rest are skipped (refused credentials are refused for all).
#[derive(Clone, Copy)]
pub struct Batch<'a> {
    pub client: &'a Client,
    pub parallel: Parallel,
    /// Where each final report is kept for a signal's report as soon as it is
    /// final, out of order too (`--parallel`): a connector finished behind a stuck
    /// one is in the report all the same. None for a step whose results are not
    /// final (validation).
    pub progress: Option<&'a Progress>,
}

impl Batch<'_> {
    /// Run `step` for every report; `report` sees each final one in order.
    pub fn run(
        &self,
        items: Vec<Report>,
        step: &(dyn Fn(&mut Client, usize, Report) -> Report + Sync),
        report: impl FnMut(usize, &Report),
    ) -> Vec<Report> {
        self.each(items, false, step, report)
    }

    /// As `run`, but a report that already holds an error (validation failed) is
    /// final as it is; one whose slice ran out is tried again all the same.
    pub fn run_keeping_failed(
        &self,
        items: Vec<Report>,
        step: &(dyn Fn(&mut Client, usize, Report) -> Report + Sync),
        report: impl FnMut(usize, &Report),
    ) -> Vec<Report> {
        self.each(items, true, step, report)
    }

    fn each(
        &self,
        items: Vec<Report>,
        keep_failed: bool,
        step: &(dyn Fn(&mut Client, usize, Report) -> Report + Sync),
        report: impl FnMut(usize, &Report),
    ) -> Vec<Report> {
        let deadline = self.client.deadline;
        let wired = |client: &mut Client, i: usize, item: Report| {
            // A slice that ran out is not a failure of its own: only what an
            // earlier step decided (validation) is final, never a slice's deadline.
            // One an earlier round may have written gets its step after the
            // deadline too, to finish or undo what it began (`not_attempted`).
            let retried = matches!(item.error, Some(Error::Deadline(_)))
                && (!deadline.passed() || item.wrote);
            if keep_failed && item.error.is_some() && !retried {
                return Step::Done(item);
            }
            if let Some(skipped) = not_attempted(&item, deadline) {
                return Step::Done(skipped);
            }
            settled(step(client, i, item), deadline)
        };
        let kept = |client: &mut Client, i: usize, item: Report| {
            let result = wired(client, i, item);
            if let (Step::Done(report), Some(progress)) = (&result, self.progress) {
                progress.push(report);
            }
            result
        };
        let rules = Rules {
            step: &kept,
            stops: &refused,
            skip: &skipped_after_refusal,
        };
        run(self.client, self.parallel, items, &rules, report)
    }
}

/// What a step under a slice of the deadline made of a connector: final, or to be
/// tried again in a later round when only its slice (not the deadline) ran out.
fn settled(report: Report, deadline: Deadline) -> Step<Report> {
    match &report.error {
        Some(Error::Deadline(_)) if !deadline.passed() => Step::Again(report),
        _ => Step::Done(report),
    }
}

/// A connector not begun before the deadline. One that an earlier round may have
/// written (an answer lost, its slice then ran out) gets its step all the same:
/// with no time left, the step only finishes what it began, e.g. deletes again a
/// connector it may have created without its offsets (`steps::apply`).
fn not_attempted(report: &Report, deadline: Deadline) -> Option<Report> {
    (deadline.passed() && !report.wrote).then(|| {
        Report::failed(
            &report.name,
            Error::Deadline("not attempted: the deadline passed".into()),
        )
    })
}

/// Refused credentials are refused for every connector: the rest are skipped. Not
/// a 403 on one connector's own resources: an authorizer that grants per connector
/// name (Confluent RBAC, e.g. `team-a-*`) refuses that connector alone, which fails
/// (77) while the others go on. (The cluster-wide reads happen before any step.)
fn refused(report: &Report) -> bool {
    matches!(&report.error, Some(Error::Denied(m)) if !forbidden_alone(m))
}

/// A refusal that concerns one connector: Connect's 403 on its own resources.
pub fn forbidden_alone(message: &str) -> bool {
    message.starts_with(FORBIDDEN_HERE)
}

/// How `connect::retry` words a 403.
const FORBIDDEN_HERE: &str = "Kafka Connect refused access: HTTP 403";

fn skipped_after_refusal(report: Report) -> Report {
    Report::failed(
        &report.name,
        Error::Denied("not attempted: access was refused".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_turn_behind_keeps_its_first_try_and_its_overrun() {
        let deadline = Deadline::after(Duration::from_secs(4));
        let share = Duration::from_secs(2);
        // 200 behind one worker: about 20 ms each; with 5 ms lost per turn beyond
        // its slice, this one gets less, so that the 200 turns still fit.
        let plain = slice_for(share, deadline, 200, 1, Duration::ZERO);
        let lossy = slice_for(share, deadline, 200, 1, Duration::from_millis(5));
        assert!(plain <= Duration::from_millis(20), "{plain:?}");
        assert!(
            lossy < plain && lossy >= Duration::from_millis(9),
            "{lossy:?}"
        );
        let total = (lossy + Duration::from_millis(5)) * 201;
        assert!(total <= Duration::from_millis(4001), "{total:?}");
        // The last one gets what is left.
        let last = slice_for(share, deadline, 0, 1, Duration::from_millis(5));
        assert!(last >= Duration::from_millis(1900), "{last:?}");
    }

    #[test]
    fn an_overrun_is_learnt_from_steps_that_outlast_their_slice_only() {
        let overrun = Overrun::default();
        overrun.learn(Duration::from_millis(10), Duration::from_millis(20));
        assert_eq!(overrun.get(), Duration::ZERO);
        for _ in 0..40 {
            overrun.learn(Duration::from_millis(28), Duration::from_millis(20));
        }
        let learnt = overrun.get();
        assert!(
            learnt > Duration::from_millis(7) && learnt <= Duration::from_millis(8),
            "{learnt:?}"
        );
        for _ in 0..40 {
            overrun.learn(Duration::from_secs(30), Duration::from_millis(20));
        }
        assert!(overrun.get() <= MAX_OVERRUN);
    }
}
