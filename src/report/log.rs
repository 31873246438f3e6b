//! Everything the tool prints. Text: progress on stderr, one line per connector and a
//! summary on stdout. JSON: one object per line on stderr, one report on stdout.
//! Everything printed passes the redaction layer (`redact`) on its way out.

use std::io::Write;
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::base::signals::{claim_report, report_out};
use crate::base::text::one_line;
use crate::base::time::rfc3339;
use crate::report::redact::Redactor;

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
            Format::Text => {
                // Masked before the lock is taken: masking a hostile text takes
                // time, during which no other ending may be kept from printing.
                let text = format!("{}: {}", one_line(name), self.redactor.record(text));
                line(std::io::stdout().lock(), &text);
            }
            Format::Json => self.event(level, event, Some(name), text),
        }
    }

    /// A connector's result with the changes a plan shows: in JSON, the event
    /// carries them as `changes` (`{"key", "old", "new", "secret"}`, masked as the
    /// report's are).
    pub fn connector_changes(
        &self,
        level: Level,
        event: &str,
        name: &str,
        text: &str,
        changes: Value,
    ) {
        match self.format {
            Format::Text => self.connector(level, event, name, text),
            Format::Json => {
                let mut changes = json!({"changes": changes});
                self.clean_json(&mut changes);
                let text = self.redactor.record(text);
                self.write_event_with(
                    level,
                    event,
                    Some(name),
                    text,
                    Some(changes["changes"].take()),
                );
            }
        }
    }

    /// Progress about one connector, on stderr in both formats.
    pub fn connector_progress(&self, level: Level, event: &str, name: &str, text: &str) {
        self.event_about(level, event, Some(name), text);
    }

    /// The closing line (text) or the report (JSON), on stdout, once per process
    /// (`claim_report`): false when another ending printed it already.
    /// `report` is built only when it is printed (JSON): with 200 connectors it is
    /// a good part of a run's memory.
    pub fn finish(&self, code: u8, summary: &str, report: impl FnOnce() -> Value) -> bool {
        if !claim_report() {
            return false;
        }
        self.print_report(code, summary, report);
        true
    }

    /// The report of a run ending with `code`, by an ending that holds the claim
    /// already.
    pub fn print_report(&self, code: u8, summary: &str, report: impl FnOnce() -> Value) {
        match self.format {
            Format::Text => {
                let text = format!("summary: {}", self.redactor.record(summary));
                line(std::io::stdout().lock(), &text);
            }
            Format::Json => {
                self.event(Level::Info, "summary", None, summary);
                let mut report = report();
                self.clean_json(&mut report);
                line(std::io::stdout().lock(), &report.to_string());
            }
        }
        report_out(code);
    }

    /// Every string in a JSON value, masked and cut like any record; connector
    /// and key names (under `name`, `key`, `changed`, `added`, `removed`, `masked`,
    /// `unverified`, `versions`)
    /// are public and only put on one line.
    fn clean_json(&self, value: &mut Value) {
        match value {
            Value::String(s) => *s = self.redactor.record(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.clean_json(v)),
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    match key.as_str() {
                        "name" | "key" | "changed" | "added" | "removed" | "masked"
                        | "unverified" | "versions" => public_json(v),
                        _ => self.clean_json(v),
                    }
                }
            }
            _ => {}
        }
    }

    /// The termination message: masked, control characters escaped but its lines kept.
    pub fn termination_text(&self, code: u8, summary: &str) -> String {
        crate::base::text::lines(&self.redactor.mask(&format!("exit {code}: {summary}")))
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
        self.write_event_with(level, event, connector, text, None);
    }

    fn write_event_with(
        &self,
        level: Level,
        event: &str,
        connector: Option<&str>,
        text: String,
        changes: Option<Value>,
    ) {
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
                if let Some(changes) = changes {
                    object["changes"] = changes;
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
