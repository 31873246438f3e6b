//! Reporting a run: the summary line, the JSON report and the termination
//! message's text, with the same counts in each, for every way a run can end.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::base::error::Error;
use crate::base::exit::most_severe;
use crate::base::signals::{claim_report, claim_report_unless_out};
use crate::base::text::one_line;
use crate::report::log::{Format, Level, Log};
use crate::report::mode::Mode;
use crate::report::outcome::{Applied, Outcome, Report, failure_text};
use crate::report::progress::Progress;
use crate::spec::compare::Diff;

/// How a run ended: its exit code and the summary for the termination message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub code: u8,
    pub summary: String,
}

/// What ended a run before it could finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interruption {
    /// `SIGTERM` or `SIGINT`.
    Signal(&'static str),
    /// The deadline, while something did not return.
    Deadline,
    /// A bug.
    Panic,
}

impl Interruption {
    /// `SIGTERM`, `SIGINT`, `deadline` or `panic`: the report's `stopped_by`.
    pub fn name(self) -> &'static str {
        match self {
            Interruption::Signal(signal) => signal,
            Interruption::Deadline => "deadline",
            Interruption::Panic => "panic",
        }
    }

    fn text(self) -> String {
        match self {
            Interruption::Deadline => "the deadline passed before the run could finish".to_string(),
            Interruption::Panic => "internal error (a bug; please report it)".to_string(),
            Interruption::Signal(signal) => format!("stopped by {signal}"),
        }
    }
}

/// A signal (or the deadline, while something did not return, or a bug) ended the
/// run: what was done so far, in the usual shapes. None when the run printed its
/// own report first: there is only ever one, and the run's `Finished` stands.
pub fn interrupted(
    log: &Log,
    code: u8,
    why: Interruption,
    progress: &Progress,
) -> Option<Finished> {
    if !claim_report() {
        return None;
    }
    // Every connector is listed: those the deadline left unfinished as failed by
    // it. A signal's report lists what finished (docs/behaviour.md).
    let reports = match why {
        Interruption::Deadline => progress.reports_with(|name| {
            Report::failed(
                name,
                Error::Deadline("not finished: the deadline passed".into()),
            )
        }),
        _ => progress.reports(),
    };
    // The deadline is one more failure among those the run already has: a
    // permanent one (78, 77) it knew of still decides the code, as it would have.
    let code = match why {
        Interruption::Deadline => reports
            .iter()
            .fold(code, |code, r| most_severe(code, r.exit_code())),
        _ => code,
    };
    // Every connector has its line: those left unfinished, and those whose line
    // was not out yet (deferred until they run, or its masking still under way).
    if log.format == Format::Text {
        for r in reports.iter().filter(|r| !progress.printed(&r.name)) {
            match &r.error {
                Some(e) => log.connector(Level::Error, "failed", &r.name, &failure_text(e)),
                None => log.connector(Level::Info, r.outcome().name(), &r.name, &r.describe()),
            }
            progress.mark_printed(&r.name);
        }
    }
    let mode = progress.mode();
    let text = match (why, progress.unread()) {
        // A FIFO or a standard input nobody writes to: say which.
        (Interruption::Deadline, Some(sources)) => {
            format!("the deadline passed while the definitions were read from {sources}")
        }
        _ => why.text(),
    };
    log.error("stopped", &text);
    let counts = summary(&reports, mode);
    let summary = format!("{text}; so far {counts}");
    log.print_report(code, &summary, || {
        let mut report = report_json(code, mode, &reports, None);
        report["stopped_by"] = Value::from(why.name());
        report["error"] = Value::from(text.clone());
        report
    });
    Some(Finished { code, summary })
}

/// The report of the last resort (`main`'s watchdog, when nothing else ended the run
/// in time): every connector's name with its outcome so far, and fixed words, so
/// that nothing in it needs masking (masking may be what blocks). None when a
/// report is out already. One line of text, or the JSON report.
pub fn last_resort(
    format: Format,
    code: u8,
    stopped_by: &str,
    why: &str,
    progress: &Progress,
) -> Option<String> {
    if !claim_report_unless_out() {
        return None;
    }
    let not_finished = format!("not finished: {why}");
    let finished: HashSet<String> = progress.reports().into_iter().map(|r| r.name).collect();
    // Their own messages are not repeated: they would need masking.
    let reports: Vec<Report> = progress
        .reports_with(|name| Report::failed(name, Error::Deadline(not_finished.clone())))
        .into_iter()
        .map(|mut r| {
            if finished.contains(r.name.as_str()) {
                r.error = r
                    .error
                    .map(|e| e.with_message("(not shown: the run did not end in time)"));
            }
            // States are the worker's words: not shown either.
            r.final_state = None;
            if let Some(change) = &mut r.state_change {
                change.from = None;
            }
            r
        })
        .collect();
    let mode = progress.mode();
    let counts = summary(&reports, mode);
    Some(match format {
        Format::Text => {
            let mut text = String::new();
            for r in reports.iter().filter(|r| !progress.printed(&r.name)) {
                let what = match finished.contains(r.name.as_str()) {
                    true => format!(
                        "{} (not shown: the run did not end in time)",
                        r.outcome().name()
                    ),
                    false => format!("failed: {not_finished}"),
                };
                text.push_str(&format!("{}: {what}\n", one_line(&r.name)));
            }
            text.push_str(&format!("summary: {why}; so far {counts}\n"));
            text
        }
        Format::Json => {
            let mut report = report_json(code, mode, &reports, None);
            report["stopped_by"] = Value::from(stopped_by);
            report["error"] = Value::from(why);
            format!("{report}\n")
        }
    })
}

/// The run ended before any connector was attempted.
pub fn stopped_early(
    log: &Log,
    mode: Mode,
    e: &Error,
    event: &str,
    reports: &[Report],
) -> Finished {
    log.error_lines(event, e.message());
    for r in reports {
        log.connector(Level::Error, "not_applied", &r.name, "not applied");
    }
    let text = "nothing was applied";
    log.finish(e.exit_code(), text, || {
        report_json(e.exit_code(), mode, reports, Some(e))
    });
    Finished {
        code: e.exit_code(),
        summary: format!("{text}: {}", e.message()),
    }
}

/// How many connectors had this outcome. What was written counts although a later
/// step failed (a connector created, then FAILED while waiting): the totals say
/// what happened on the worker, `Failed` how many ended in an error.
fn count(reports: &[Report], outcome: Outcome) -> usize {
    reports
        .iter()
        .filter(|r| match outcome {
            Outcome::Failed => r.error.is_some(),
            _ => r.applied.as_ref().is_some_and(|a| a.outcome() == outcome),
        })
        .count()
}

/// `1 created, 0 updated, 2 unchanged, 0 failed; 3 running`.
pub fn summary(reports: &[Report], mode: Mode) -> String {
    let Mode { dry_run, waits } = mode;
    let outcome = |outcome: Outcome| count(reports, outcome);
    let mut text = if dry_run {
        format!(
            "dry run: {} would be created, {} would be updated, {} unchanged, {} failed",
            outcome(Outcome::WouldCreate),
            outcome(Outcome::WouldUpdate),
            outcome(Outcome::Unchanged),
            outcome(Outcome::Failed),
        )
    } else {
        format!(
            "{} created, {} updated, {} unchanged, {} failed",
            outcome(Outcome::Created),
            outcome(Outcome::Updated),
            outcome(Outcome::Unchanged),
            outcome(Outcome::Failed),
        )
    };
    let (deleted, verb) = if dry_run {
        (outcome(Outcome::WouldDelete), "would be deleted")
    } else {
        (outcome(Outcome::Deleted), "deleted")
    };
    if deleted > 0 {
        text.push_str(&format!(", {deleted} {verb}"));
    }
    if waits {
        let mut states = Vec::new();
        for state in ["RUNNING", "PAUSED", "STOPPED"] {
            let n = reports
                .iter()
                .filter(|r| r.error.is_none())
                .filter(|r| {
                    r.final_state
                        .as_deref()
                        .is_some_and(|s| s.starts_with(state))
                })
                .count();
            if n > 0 || state == "RUNNING" {
                states.push(format!("{n} {}", state.to_lowercase()));
            }
        }
        text.push_str("; ");
        text.push_str(&states.join(", "));
    }
    text
}

/// The `--log-format json` report: one object, with key names, the values a plan
/// shows (secrets left out) and states.
pub fn report_json(code: u8, mode: Mode, reports: &[Report], error: Option<&Error>) -> Value {
    let connectors: Vec<Value> = reports
        .iter()
        .map(|r| {
            let diff = r.applied.as_ref().and_then(Applied::diff);
            let keys = |f: fn(&Diff) -> &Vec<String>| diff.map(f).cloned().unwrap_or_default();
            json!({
                "name": r.name,
                "outcome": r.outcome().name(),
                "applied": r.applied.as_ref().map(|a| a.outcome().name()),
                "changed": keys(|d| &d.changed),
                "added": keys(|d| &d.added),
                "removed": keys(|d| &d.removed),
                "masked": keys(|d| &d.masked),
                "unverified": keys(|d| &d.unverified),
                "versions": keys(|d| &d.versions),
                "changes": r.changes_json(),
                "state_change": r.state_change.as_ref().map(|c| json!({
                    "from": c.from, "to": c.to.as_str(), "done": c.done,
                })),
                "final_state": r.final_state,
                "plugin_version": r.plugin_version,
                "offsets": r.offsets,
                "error": r.error.as_ref().map(|e| json!({"exit_code": e.exit_code(), "message": e.message()})),
                "attempts": r.attempts,
                "restarts": r.restarts,
                "duration_ms": r.duration.as_millis() as u64,
            })
        })
        .collect();
    let totals: serde_json::Map<String, Value> = Outcome::ALL
        .into_iter()
        .map(|o| (o.name().to_string(), Value::from(count(reports, o))))
        .collect();
    json!({
        "exit_code": code,
        "dry_run": mode.dry_run,
        "totals": totals,
        "connectors": connectors,
        "error": error.map(|e| e.message()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_names_come_from_the_outcome() {
        let reports = [
            Report {
                applied: Some(Applied::Created),
                ..Report::new("a")
            },
            Report {
                applied: Some(Applied::WouldDelete),
                ..Report::new("b")
            },
            // Written, then failed: counted as created and as failed.
            Report {
                applied: Some(Applied::Created),
                ..Report::failed("c", Error::Unexpected("x".into()))
            },
        ];
        let json = report_json(1, Mode::default(), &reports, None);
        assert_eq!(
            json["totals"].to_string(),
            r#"{"created":2,"deleted":0,"failed":1,"unchanged":0,"updated":0,"would_create":0,"would_delete":1,"would_update":0}"#
        );
        let outcomes: Vec<_> = json["connectors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| (c["outcome"].clone(), c["applied"].clone()))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("created".into(), "created".into()),
                ("would_delete".into(), "would_delete".into()),
                ("failed".into(), "created".into()),
            ]
        );
        assert_eq!(
            summary(&reports, Mode::default()),
            "2 created, 0 updated, 0 unchanged, 1 failed"
        );
    }
}
