//! The ground every layer stands on: errors, exit codes, the deadline and retry
//! schedule, signals. Imports nothing from the crate above it.

pub mod deadline;
pub mod error;
pub mod exit;
pub mod files;
pub mod signals;
pub mod text;
pub mod time;
