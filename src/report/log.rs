//! Everything the tool prints. Text: progress on stderr, one line per connector and a
//! summary on stdout. JSON: one object per line on stderr, one report on stdout.
//! Everything printed passes the redaction layer (`redact`) on its way out.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::options::TerminationLog;
use crate::report::redact::{Redactor, one_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Write a line and ignore failures: a closed pipe or a full disk must not change
/// the exit code the run decided.
fn line(mut out: impl Write, text: &str) {
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Every printed byte goes through here: the redaction layer masks the run's
/// secrets in the whole text first, then it is escaped onto one line and cut.
#[derive(Debug, Default, Clone)]
pub struct Log {
    pub format: Format,
    pub redactor: Redactor,
    /// A connector's one result line waits until its state is known
    /// (`--wait-running`); meanwhile its progress goes to stderr.
    pub deferred: bool,
}

impl Log {
    pub fn new(format: Format, redactor: Redactor) -> Log {
        Log {
            format,
            redactor,
            deferred: false,
        }
    }

    /// Progress, on stderr.
    pub fn info(&self, event: &str, text: &str) {
        self.event(Level::Info, event, None, text);
    }

    pub fn warn(&self, event: &str, text: &str) {
        self.event(Level::Warn, event, None, text);
    }

    pub fn error(&self, event: &str, text: &str) {
        self.event(Level::Error, event, None, text);
    }

    /// A text of several lines (a list of problems): masked whole, then one record
    /// per line.
    pub fn error_lines(&self, event: &str, text: &str) {
        for line in self.redactor.mask(text).lines() {
            self.event(Level::Error, event, None, line);
        }
    }

    /// A connector's result: `name: text` on stdout, or a JSON event on stderr.
    pub fn connector(&self, level: Level, event: &str, name: &str, text: &str) {
        match self.format {
            Format::Text => line(
                std::io::stdout().lock(),
                &format!("{}: {}", one_line(name), self.redactor.record(text)),
            ),
            Format::Json => self.event(level, event, Some(name), text),
        }
    }

    /// Progress about one connector, on stderr in both formats.
    pub fn connector_progress(&self, level: Level, event: &str, name: &str, text: &str) {
        self.event_about(level, event, Some(name), text);
    }

    /// The closing line (text) or the report (JSON), on stdout.
    /// `report` is built only when it is printed (JSON): with 200 connectors it is
    /// a good part of a run's memory.
    pub fn finish(&self, summary: &str, report: impl FnOnce() -> Value) {
        match self.format {
            Format::Text => line(
                std::io::stdout().lock(),
                &format!("summary: {}", self.redactor.record(summary)),
            ),
            Format::Json => {
                self.event(Level::Info, "summary", None, summary);
                let mut report = report();
                self.clean_json(&mut report);
                line(std::io::stdout().lock(), &report.to_string());
            }
        }
    }

    /// Every string in a JSON value, masked and cut like any record; connector
    /// and key names (under `name`, `changed`, `added`, `removed`, `masked`) are
    /// public and only put on one line.
    fn clean_json(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.redactor.record(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.clean_json(v)),
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    match key.as_str() {
                        "name" | "changed" | "added" | "removed" | "masked" => public_json(v),
                        _ => self.clean_json(v),
                    }
                }
            }
            _ => {}
        }
    }

    /// The termination message: masked, control characters escaped but its lines kept.
    pub fn termination_text(&self, code: u8, summary: &str) -> String {
        crate::report::redact::lines(&self.redactor.mask(&format!("exit {code}: {summary}")))
    }

    fn event(&self, level: Level, event: &str, connector: Option<&str>, text: &str) {
        let text = self.redactor.record(text);
        self.write_event(level, event, connector, text);
    }

    /// An event about one connector: in text, `name: ` before the masked text; the
    /// name is public and stays readable however the values look.
    fn event_about(&self, level: Level, event: &str, connector: Option<&str>, text: &str) {
        let masked = self.redactor.record(text);
        let text = match (self.format, connector) {
            (Format::Text, Some(name)) => format!("{}: {masked}", one_line(name)),
            _ => masked,
        };
        self.write_event(level, event, connector, text);
    }

    fn write_event(&self, level: Level, event: &str, connector: Option<&str>, text: String) {
        let text = match self.format {
            Format::Text => match level {
                Level::Info => format!("connect-deploy: {text}"),
                Level::Warn => format!("connect-deploy: warning: {text}"),
                Level::Error => format!("connect-deploy: error: {text}"),
            },
            Format::Json => {
                let mut object = json!({
                    "time": rfc3339(SystemTime::now()),
                    "level": level.as_str(),
                    "event": event,
                    "message": text,
                });
                if let Some(name) = connector {
                    object["connector"] = Value::from(one_line(name));
                }
                object.to_string()
            }
        };
        line(std::io::stderr().lock(), &text);
    }
}

/// Names in a JSON value: on one line, not masked.
fn public_json(value: &mut Value) {
    match value {
        Value::String(s) => *s = one_line(s),
        Value::Array(items) => items.iter_mut().for_each(public_json),
        _ => {}
    }
}

/// `2026-11-24T04:20:28.123Z`, from the days-to-civil algorithm (no time crate).
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let (year, month, day, hour, minute, second) = civil(d.as_secs());
    format!(
        "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{:03}Z",
        d.subsec_millis()
    )
}

/// (year, month, day, hour, minute, second) of seconds since 1970-01-01 UTC, by
/// Howard Hinnant's days-to-civil algorithm (no time crate).
pub fn civil(secs: u64) -> (i64, i64, i64, u64, u64, u64) {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Kubernetes reads at most 4096 bytes of a termination message.
pub const TERMINATION_LIMIT: usize = 4096;

/// Where the termination message goes, if anywhere: an explicit path must be
/// writable (it is created now, before any request); the default only when it exists,
/// so that nothing is ever created under /dev on a host.
pub fn termination_target(log: &TerminationLog) -> Result<Option<&Path>, String> {
    if log.explicit {
        // A FIFO would block the writer until someone reads it, past the deadline
        // and past signals; a directory or device is no place for a message either.
        if let Ok(meta) = std::fs::metadata(&log.path)
            && !meta.is_file()
        {
            return Err(format!(
                "--termination-log: {} is not a regular file",
                log.path.display()
            ));
        }
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
    let regular = std::fs::metadata(&log.path).is_ok_and(|m| m.is_file());
    Ok(regular.then_some(log.path.as_path()))
}

/// Write the termination message, cut to the limit at a character boundary.
pub fn write_termination(path: &Path, text: &str) -> Result<(), String> {
    let mut text = format!("{text}\n");
    if text.len() > TERMINATION_LIMIT {
        let mut cut = TERMINATION_LIMIT - 4;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...\n");
    }
    std::fs::write(path, text).map_err(|e| {
        format!(
            "cannot write the termination message to {}: {e}",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc3339_known_instants() {
        let at = |s: u64, ms: u64| rfc3339(UNIX_EPOCH + Duration::from_millis(s * 1000 + ms));
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_795_494_030, 0), "2026-11-24T04:20:30.000Z");
        assert_eq!(at(4_102_444_799, 999), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn termination_message_is_cut_at_a_character_boundary() {
        let dir = std::env::temp_dir().join(format!("cd-term-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("log");
        write_termination(&path, &"é".repeat(5000)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.len() <= TERMINATION_LIMIT && text.ends_with("...\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
