//! The one error type; each variant is one row of the exit-status table.

use std::fmt;

use crate::base::exit;

/// Why a run (or one connector) did not succeed. The text never holds a config value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A bad option or environment value.
    Usage(String),
    /// An invalid definition.
    Definition(String),
    /// A missing or unreadable path, or no definition at all.
    NoInput(String),
    /// Credentials refused, or TLS verification failed.
    Denied(String),
    /// Connect rejected a config.
    Rejected(String),
    /// The deadline passed while Connect was not ready or unavailable.
    Deadline(String),
    /// A connector or task failed, or did not reach its state in time.
    NotRunning(String),
    /// An answer nothing here explains.
    Unexpected(String),
}

impl Error {
    /// The same kind of error, saying `message` instead.
    pub fn with_message(&self, message: &str) -> Error {
        let m = message.to_string();
        match self {
            Error::Usage(_) => Error::Usage(m),
            Error::Definition(_) => Error::Definition(m),
            Error::NoInput(_) => Error::NoInput(m),
            Error::Denied(_) => Error::Denied(m),
            Error::Rejected(_) => Error::Rejected(m),
            Error::Deadline(_) => Error::Deadline(m),
            Error::NotRunning(_) => Error::NotRunning(m),
            Error::Unexpected(_) => Error::Unexpected(m),
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            Error::Definition(_) => exit::DATAERR,
            Error::NoInput(_) => exit::NOINPUT,
            Error::Denied(_) => exit::NOPERM,
            Error::Rejected(_) => exit::CONFIG,
            Error::Deadline(_) => exit::TIMEOUT,
            Error::NotRunning(_) => exit::UNAVAILABLE,
            Error::Unexpected(_) => exit::UNEXPECTED,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Error::Usage(m)
            | Error::Definition(m)
            | Error::NoInput(m)
            | Error::Denied(m)
            | Error::Rejected(m)
            | Error::Deadline(m)
            | Error::NotRunning(m)
            | Error::Unexpected(m) => m,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}
