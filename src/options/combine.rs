//! Combinations: what contradicts what (a usage error) and what does nothing in the
//! company of another option (a warning, in `Options::ignored`). Each rule reads
//! values already typed by `values` and `connection`.

use std::time::Duration;

use crate::base::error::Error;
use crate::connect::access::{Credentials, Endpoint, Tls};
use crate::spec::scope::Scope;

use super::Options;
use super::values::{Given, show_duration};

/// Mutual TLS needs both the certificate and its key.
pub(super) fn mutual_tls(tls: &Tls) -> Result<(), Error> {
    if tls.cert_file.is_some() != tls.key_file.is_some() {
        return Err(Error::Usage(
            "mutual TLS needs both --cert-file and --key-file (KAFKA_CONNECT_TLS_AUTH_CRT and _KEY)".into(),
        ));
    }
    Ok(())
}

/// Credentials come from the URLs or from the variables, never from both.
pub(super) fn credentials_once(
    credentials: &Credentials,
    endpoints: &[Endpoint],
) -> Result<(), Error> {
    if *credentials != Credentials::None && endpoints.iter().any(|e| e.basic.is_some()) {
        return Err(Error::Usage(
            "credentials are given both in a URL and in KAFKA_CONNECT_* variables: give them once"
                .into(),
        ));
    }
    Ok(())
}

/// `--prune` needs `--prune-scope`; a scope without `--prune` does nothing.
pub(super) fn prune(
    on: bool,
    scope: Given<Scope>,
    ignored: &mut Vec<String>,
) -> Result<Option<Scope>, Error> {
    match (on, scope) {
        (true, Some((scope, _))) => Ok(Some(scope)),
        (true, None) => Err(Error::Usage(
            "--prune needs --prune-scope (KAFKA_CONNECT_PRUNE_SCOPE): the connector names this run owns, e.g. team-a-*".into(),
        )),
        (false, Some((_, origin))) => {
            ignored.push(format!("{origin} has no effect without --prune"));
            Ok(None)
        }
        (false, None) => Ok(None),
    }
}

/// The options that do nothing with the others given, in the order they are warned
/// about.
pub(super) fn ignored(
    o: &Options,
    stable: &Given<Duration>,
    restart_failed: &Given<u32>,
    ignored: &mut Vec<String>,
) {
    if o.prune_reset_offsets && o.prune.is_none() {
        ignored.push("--prune-reset-offsets has no effect without --prune".to_string());
    }
    if o.tls.insecure && o.tls.ca_file.is_some() {
        ignored.push("--ca-file has no effect with --insecure: nothing is verified".to_string());
    }
    if o.detailed_exitcode && !o.dry_run {
        ignored.push("--detailed-exitcode has no effect without --dry-run".to_string());
    }
    if o.dry_run && o.wait_running {
        ignored.push("--wait-running has no effect with --dry-run: nothing is started".to_string());
    }
    if !o.wait_running {
        if let Some((_, origin)) = stable {
            ignored.push(format!("{origin} has no effect without --wait-running"));
        }
        if let Some((n, origin)) = restart_failed
            && *n > 0
        {
            ignored.push(format!("{origin} has no effect without --wait-running"));
        }
    }
}

/// The state waited for must be able to hold within the run: an explicit `--stable`
/// as long as `--timeout` never could.
pub(super) fn stable_within_timeout(
    wait_running: bool,
    stable: &Given<Duration>,
    timeout: Duration,
) -> Result<(), Error> {
    if wait_running
        && let Some((stable, origin)) = stable
        && *stable >= timeout
    {
        return Err(Error::Usage(format!(
            "{origin}: the state must hold for {} but the whole run may take only {} (--timeout): make it shorter",
            show_duration(*stable),
            show_duration(timeout)
        )));
    }
    Ok(())
}
