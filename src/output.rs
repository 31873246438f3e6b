//! Everything the tool prints: progress on stderr, one line per connector and a
//! summary on stdout, and the termination message. Nothing here ever receives a
//! config value.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use crate::options::TerminationLog;

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

/// Kubernetes reads at most 4096 bytes of a termination message.
pub const TERMINATION_LIMIT: usize = 4096;

/// Where the termination message goes, if anywhere: an explicit path must be
/// writable (it is created now, before any request); the default only when it exists,
/// so that nothing is ever created under /dev on a host.
pub fn termination_target(log: &Option<TerminationLog>) -> Result<Option<&Path>, String> {
    let Some(log) = log else { return Ok(None) };
    if log.explicit {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log.path)
            .map_err(|e| {
                format!(
                    "--termination-log: cannot write {}: {e}",
                    log.path.display()
                )
            })?;
        return Ok(Some(&log.path));
    }
    Ok(log.path.exists().then_some(log.path.as_path()))
}

/// Write the termination message, cut to the limit at a character boundary.
pub fn write_termination(path: &Path, code: u8, summary: &str) {
    let mut text = format!("exit {code}: {summary}\n");
    if text.len() > TERMINATION_LIMIT {
        let mut cut = TERMINATION_LIMIT - 4;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...\n");
    }
    if let Err(e) = std::fs::write(path, text) {
        Log.info(&format!(
            "cannot write the termination message to {}: {e}",
            path.display()
        ));
    }
}
