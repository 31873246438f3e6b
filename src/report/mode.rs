//! How a run reports, decided once from the options: a dry run (read only, "would"
//! in every line) and whether each connector's line waits until its state is known.

/// The run's mode, passed as one value rather than flags threaded through.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mode {
    /// Read only; report what would change.
    pub dry_run: bool,
    /// `--wait-running` outside a dry run: each connector's one result line waits
    /// until its state is known, and the summary counts the states.
    pub waits: bool,
}

impl Mode {
    pub fn new(dry_run: bool, wait_running: bool) -> Mode {
        Mode {
            dry_run,
            waits: wait_running && !dry_run,
        }
    }
}
