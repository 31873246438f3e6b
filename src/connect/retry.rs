//! Retrying under the deadline: what each class of failure means for the next
//! attempt.

use crate::base::deadline::Backoff;
use crate::base::error::Error;
use crate::connect::answer::{Failure, NO_PLUGIN};
use crate::connect::client::Client;

/// Unexplained server errors are retried this often before they count as a bug.
const UNKNOWN_RETRIES: u32 = 3;

/// Retrying under the deadline: what each failure class means for the next step.
#[derive(Debug, Default)]
pub struct Retry {
    backoff: Backoff,
    unknown: u32,
}

impl Retry {
    /// Retrying on another schedule than the default one.
    pub fn with(backoff: Backoff) -> Retry {
        Retry {
            backoff,
            unknown: 0,
        }
    }

    /// Run `op` until it succeeds, retrying transient failures.
    pub fn run<T>(
        &mut self,
        client: &mut Client,
        mut op: impl FnMut(&mut Client) -> Result<T, Failure>,
    ) -> Result<T, Error> {
        loop {
            match op(client) {
                Ok(v) => return Ok(v),
                Err(f) => self.settle(f, client)?,
            }
        }
    }

    /// Ok after a backoff when another attempt is worth it; else the error to report,
    /// its message masked.
    pub fn settle(&mut self, failure: Failure, client: &Client) -> Result<(), Error> {
        match failure {
            Failure::Transient(m) | Failure::TimedOut(m) => {
                client.pushed_back();
                self.wait(client, &m)
            }
            Failure::Unknown(m) if self.unknown < UNKNOWN_RETRIES => {
                self.unknown += 1;
                self.wait(client, &m)
            }
            Failure::Unknown(m) | Failure::Unexpected(m) => Err(Error::Unexpected(format!(
                "unexpected answer from Kafka Connect: {}",
                m
            ))),
            Failure::Denied(m) => Err(Error::Denied(format!(
                "Kafka Connect refused access: {}",
                m
            ))),
            // Said in full already.
            Failure::Rejected(m) if m.starts_with(NO_PLUGIN) => Err(Error::Rejected(m)),
            Failure::Rejected(m) => Err(Error::Rejected(format!(
                "Kafka Connect rejected the config: {}",
                m
            ))),
        }
    }

    fn wait(&mut self, client: &Client, why: &str) -> Result<(), Error> {
        if self.backoff.wait(&client.deadline) {
            return Ok(());
        }
        Err(Error::Deadline(format!(
            "Kafka Connect stayed unavailable until the deadline; last: {why}"
        )))
    }
}
