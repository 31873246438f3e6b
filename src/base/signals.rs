//! SIGTERM and SIGINT. A handler only records the signal; `main` notices it within
//! ~50 ms and ends the process even while the worker thread hangs in a request.
//! Installing handlers also matters as PID 1 of a container, where the kernel drops
//! signals that have none. A second signal ends the process at once.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

use crate::base::exit;

#[derive(Clone)]
pub struct Stop {
    received: Arc<AtomicUsize>,
}

/// The first signal decides how the run ends: SIGTERM then SIGINT is 143, SIGINT
/// then SIGTERM 130. A second signal of either kind ends the process at once, with
/// the first one's code.
pub fn install() -> io::Result<Stop> {
    let received = Arc::new(AtomicUsize::new(0));
    // One flag per first signal, each armed only by its own signal.
    let first = [
        (exit::SIGTERM, Arc::new(AtomicBool::new(false))),
        (exit::SIGINT, Arc::new(AtomicBool::new(false))),
    ];
    for (signal, code) in [(SIGTERM, exit::SIGTERM), (SIGINT, exit::SIGINT)] {
        // Handlers run in the order registered: once either signal has come, any
        // signal ends the process here, with the first one's code, before the
        // lines below could record this one.
        for (first_code, armed) in &first {
            flag::register_conditional_shutdown(signal, i32::from(*first_code), Arc::clone(armed))?;
        }
        let own = first
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, f)| Arc::clone(f));
        if let Some(own) = own {
            flag::register(signal, own)?;
        }
        flag::register_usize(signal, Arc::clone(&received), code as usize)?;
    }
    Ok(Stop { received })
}

impl Stop {
    /// The exit code of the signal received, if any.
    pub fn requested(&self) -> Option<u8> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            code => u8::try_from(code).ok(),
        }
    }

    pub fn name(code: u8) -> &'static str {
        if code == exit::SIGINT {
            "SIGINT"
        } else {
            "SIGTERM"
        }
    }
}
// The process-wide state of a run lives here and nowhere else: what the handlers
// received (`Stop`), the work a stopped run must not leave half done
// (`Unfinished`), and which ending prints the run's one report (`claim_report`).

/// Whether the run's one report (summary line or JSON report) has been claimed.
static REPORT_CLAIMED: AtomicBool = AtomicBool::new(false);

/// Claim the run's one report: true once per process, for whichever ending comes
/// first (the run's own finish, a signal, the backstop deadline, a panic). Every
/// other ending prints no report of its own.
pub fn claim_report() -> bool {
    !REPORT_CLAIMED.swap(true, Ordering::SeqCst)
}

/// Whether the claimed report has been written out.
static REPORT_OUT: AtomicBool = AtomicBool::new(false);

/// The exit code the report that is out says.
static REPORT_CODE: AtomicU8 = AtomicU8::new(0);

/// The claimed report, saying exit `code`, is written out: from now on every
/// ending exits with that code (a backstop that finds the run slow to return after
/// its report must not contradict it).
pub fn report_out(code: u8) {
    REPORT_CODE.store(code, Ordering::SeqCst);
    REPORT_OUT.store(true, Ordering::SeqCst);
}

/// The exit code of the report that is out, if one is.
pub fn out_report_code() -> Option<u8> {
    REPORT_OUT
        .load(Ordering::SeqCst)
        .then(|| REPORT_CODE.load(Ordering::SeqCst))
}

/// For the last resort: the right to print the one report when no report is out,
/// even one claimed by an ending that never got to write it (blocked masking, or
/// on a standard output nobody reads). The process ends right after.
pub fn claim_report_unless_out() -> bool {
    claim_report() || !REPORT_OUT.load(Ordering::SeqCst)
}

/// How long a signal waits for connectors being created with their offsets to be
/// finished or undone by the run: a run ends within a second of a signal, and
/// noticing the signal (~50 ms), `main` deleting what is still pending (0.25 s) and
/// printing the report come on top.
pub const SIGNAL_GRACE: Duration = Duration::from_millis(450);

/// Work a stopped run must not leave half done, and how to undo it.
pub trait Undo: Send + Sync {
    /// Undo it, until `until`; one line saying what became of it (names, never
    /// values).
    fn undo(&self, until: Instant) -> String;

    /// The line to say when undoing it did not finish in time.
    fn unfinished(&self) -> String;
}

/// Work begun and not finished: connectors between their create and their offsets
/// being written (or the create undone). A signal waits a moment for them (`main`),
/// then undoes what is left, so that no connector is left behind without its
/// offsets, which the next run would take for an existing one.
static UNFINISHED: Mutex<Vec<(u64, Arc<dyn Undo>)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

fn unfinished() -> MutexGuard<'static, Vec<(u64, Arc<dyn Undo>)>> {
    UNFINISHED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Held from the beginning of such work until it is finished or undone by the run;
/// never while only reading, never in a dry run.
pub struct Unfinished(u64);

impl Unfinished {
    pub fn enter(undo: Arc<dyn Undo>) -> Unfinished {
        let id = NEXT.fetch_add(1, Ordering::SeqCst);
        unfinished().push((id, undo));
        Unfinished(id)
    }

    /// Whether any such work is under way now.
    pub fn any() -> bool {
        !unfinished().is_empty()
    }

    /// Undo, until `until`, every piece still unfinished: called when the run is
    /// stopped and its thread is left behind. One line for each.
    pub fn undo_all(until: Instant) -> Vec<String> {
        let entries: Vec<Arc<dyn Undo>> = unfinished().iter().map(|(_, u)| Arc::clone(u)).collect();
        // On a thread of its own, waited for until `until` and no longer: a request
        // may block past its own deadline (a proxy dribbling its answer to CONNECT).
        // Each line is sent as its piece is done, so that one that blocks never
        // hides what became of the others.
        let (sent, lines) = std::sync::mpsc::channel();
        let undoing = entries.clone();
        let spawned = std::thread::Builder::new().spawn(move || {
            for (i, u) in undoing.iter().enumerate() {
                if sent.send((i, u.undo(until))).is_err() {
                    return;
                }
            }
        });
        let mut done: Vec<Option<String>> = vec![None; entries.len()];
        if spawned.is_ok() {
            let end = until + Duration::from_millis(50);
            for _ in 0..entries.len() {
                match lines.recv_timeout(end.saturating_duration_since(Instant::now())) {
                    Ok((i, line)) => done[i] = Some(line),
                    Err(_) => break,
                }
            }
        }
        entries
            .iter()
            .zip(done)
            .map(|(u, line)| line.unwrap_or_else(|| u.unfinished()))
            .collect()
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        unfinished().retain(|(id, _)| *id != self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Piece {
        name: &'static str,
        blocks: bool,
    }

    impl Undo for Piece {
        fn undo(&self, until: Instant) -> String {
            if self.blocks {
                std::thread::sleep(until.saturating_duration_since(Instant::now()) * 4);
            }
            format!("{}: undone", self.name)
        }

        fn unfinished(&self) -> String {
            format!("{}: not finished", self.name)
        }
    }

    #[test]
    fn one_piece_that_blocks_never_hides_what_became_of_the_others() {
        let _a = Unfinished::enter(Arc::new(Piece {
            name: "a",
            blocks: false,
        }));
        let _b = Unfinished::enter(Arc::new(Piece {
            name: "b",
            blocks: true,
        }));
        let lines = Unfinished::undo_all(Instant::now() + Duration::from_secs(1));
        assert_eq!(lines, ["a: undone", "b: not finished"]);
    }
}
