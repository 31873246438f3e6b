//! connect-deploy: apply Kafka Connect connector definitions idempotently and exit
//! with a code a Kubernetes Job can act on. `run` tells the story; each module owns
//! one concern.
#![forbid(unsafe_code)]

pub mod apply;
pub mod connect;
pub mod definitions;
pub mod error;
pub mod exit;
pub mod options;
pub mod output;
pub mod ready;
pub mod redact;
pub mod retry;
pub mod signals;

use apply::Outcome;
use connect::Client;
use error::Error;
use options::Options;
use output::Log;
use retry::Deadline;

/// Load every definition (before any request), wait for Connect, apply each
/// connector, report; the exit code of the most severe outcome.
pub fn run(options: Options, log: &Log) -> u8 {
    let deadline = Deadline::after(options.timeout);
    let definitions = match definitions::load(&options.inputs) {
        Ok(d) => d,
        Err(e) => {
            for line in e.message().lines() {
                log.info(line);
            }
            log.info("nothing was applied");
            return e.exit_code();
        }
    };
    let mut client = Client::new(options.endpoints, deadline);
    log.info(&format!(
        "{} connector definition(s) loaded; waiting for Kafka Connect at {}",
        definitions.len(),
        client.endpoint()
    ));
    if let Err(e) = ready::wait(&mut client, log) {
        log.info(e.message());
        for d in &definitions {
            log.result(&format!("{}: not applied", d.name));
        }
        return e.exit_code();
    }

    let mut code = exit::OK;
    let mut counts = [0usize; 4]; // created, updated, unchanged, failed
    let mut stop: Option<Error> = None;
    for def in &definitions {
        let outcome = match &stop {
            Some(e) => Outcome::Failed(e.clone()),
            None => apply::apply(&mut client, def).0,
        };
        let text = match &outcome {
            Outcome::Created => {
                counts[0] += 1;
                format!("{}: created", def.name)
            }
            Outcome::Updated(diff) => {
                counts[1] += 1;
                format!("{}: updated ({})", def.name, diff.describe())
            }
            Outcome::Unchanged => {
                counts[2] += 1;
                format!("{}: unchanged", def.name)
            }
            Outcome::Failed(e) => {
                counts[3] += 1;
                if stop.is_none() {
                    stop = match e {
                        Error::Denied(_) => {
                            Some(Error::Denied("not attempted: access was refused".into()))
                        }
                        Error::Deadline(_) => {
                            Some(Error::Deadline("not attempted: the deadline passed".into()))
                        }
                        _ => None,
                    };
                }
                format!(
                    "{}: failed: {} (exit {})",
                    def.name,
                    e.message(),
                    e.exit_code()
                )
            }
        };
        log.result(&text);
        code = exit::most_severe(code, outcome.exit_code());
    }
    log.result(&format!(
        "summary: {} created, {} updated, {} unchanged, {} failed",
        counts[0], counts[1], counts[2], counts[3]
    ));
    code
}
