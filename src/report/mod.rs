//! Saying what happened: outcomes, the log, the summary and JSON report, the
//! termination message, redaction. Imports `base` and `spec`.

pub mod log;
pub mod mode;
pub mod outcome;
pub mod progress;
pub mod redact;
pub mod summary;
pub mod termination;
