//! SIGTERM and SIGINT. A handler only records the signal; `main` notices it within
//! ~50 ms and ends the process even while the worker thread hangs in a request.
//! Installing handlers also matters as PID 1 of a container, where the kernel drops
//! signals that have none. A second signal ends the process at once.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

use crate::base::exit;

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
/// Connectors between their create and their offsets being written (or the create
/// undone): a signal waits a moment for them (`main`), so that no connector is left
/// behind without its offsets, which the next run would take for an existing one.
static CREATING: AtomicUsize = AtomicUsize::new(0);

/// How long a signal waits for connectors being created with their offsets to be
/// finished or undone by the run: a run ends within a second of a signal, and
/// noticing the signal (~50 ms), `main` deleting what is still pending (0.25 s) and
/// printing the report come on top.
pub const SIGNAL_GRACE: Duration = Duration::from_millis(450);

/// Held from the create of a connector with declared offsets until they are
/// written or the create is undone; never while only reading, never in a dry run.
pub struct Creating(());

impl Creating {
    pub fn enter() -> Creating {
        CREATING.fetch_add(1, Ordering::SeqCst);
        Creating(())
    }

    /// Whether any connector is between its create and its offsets now.
    pub fn any() -> bool {
        CREATING.load(Ordering::SeqCst) > 0
    }
}

impl Drop for Creating {
    fn drop(&mut self) {
        CREATING.fetch_sub(1, Ordering::SeqCst);
    }
}
