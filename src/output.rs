//! Everything the tool prints: progress on stderr, one line per connector and a
//! summary on stdout. Nothing here ever receives a config value.

use std::io::Write;

/// Write a line and ignore failures: a closed pipe must not turn into a crash.
fn line(mut out: impl Write, text: &str) {
    let _ = writeln!(out, "{text}");
}

#[derive(Debug, Default)]
pub struct Log;

impl Log {
    /// Progress and warnings, on stderr.
    pub fn info(&self, text: &str) {
        line(std::io::stderr().lock(), &format!("connect-deploy: {text}"));
    }

    /// A connector's result, on stdout.
    pub fn result(&self, text: &str) {
        line(std::io::stdout().lock(), text);
    }
}
