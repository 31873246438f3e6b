//! The command line and `KAFKA_CONNECT_*` variables, turned into validated options.
//!
//! In chapters, as `parse` runs them:
//! - `syntax`: flags and variables read into raw text, and `HELP`, which documents them;
//! - `values` (timing, output, parallelism, pruning) and `connection` (endpoints,
//!   credentials, TLS, proxy, headers): raw text to typed values, one function per
//!   option group;
//! - `combine`: what contradicts what, and what does nothing in company;
//! - `secrets`: every secret the options hold, for the redaction of all output.
//!
//! The environment is read through a lookup function given by `main`, so that tests
//! never change their own process environment. A flag wins over its variable; a bad
//! value is a usage error, never replaced by a default.

mod combine;
mod connection;
mod secrets;
mod syntax;
mod values;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::base::error::Error;
use crate::connect::access::{Credentials, Endpoint, Tls};
use crate::connect::headers::Header;
use crate::connect::proxy::Proxies;
use crate::report::log::Format;
use crate::report::termination::TerminationLog;
use crate::spec::ignore::IgnoreKeys;
use crate::spec::keys::SecretKeys;
use crate::spec::load::Input;
use crate::spec::scope::Scope;
use crate::steps::pace::Parallel;

pub use connection::{DEFAULT_URL, parse_endpoint};
pub use secrets::raw_credentials;
pub use syntax::{HELP, VARIABLES, reporting};
pub use values::{
    DEFAULT_PARALLEL, DEFAULT_STABLE, DEFAULT_TIMEOUT, KUBERNETES_TERMINATION_LOG, MAX_PARALLEL,
    parse_bool, parse_duration,
};

use syntax::Read;
use values::non_empty;

pub const DEFAULT_PATH: &str = "/etc/config/connector";

/// Everything a run needs, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub endpoints: Vec<Endpoint>,
    pub timeout: Duration,
    pub inputs: Vec<Input>,
    /// End only when every connector is in its desired state.
    pub wait_running: bool,
    /// How long that state must hold.
    pub stable: Duration,
    /// Restarts of FAILED connectors and tasks, per connector, while waiting.
    pub restart_failed: u32,
    /// Where the exit summary goes; `explicit` paths are created, the default is used
    /// only when it already exists.
    pub termination_log: TerminationLog,
    /// Validate every config with its plugin before writing.
    pub validate: bool,
    /// Read only; report what would change.
    pub dry_run: bool,
    /// With `dry_run`: exit 2 when changes are pending.
    pub detailed_exitcode: bool,
    pub log_format: Format,
    pub tls: Tls,
    pub credentials: Credentials,
    /// Connectors worked on at a time: `--parallel N`, or found out by the run.
    pub parallel: Parallel,
    /// Delete connectors inside this scope that no definition names.
    pub prune: Option<Scope>,
    /// Clear a pruned connector's offsets too.
    pub prune_reset_offsets: bool,
    /// Options that do nothing in this combination, to warn about.
    pub ignored: Vec<String>,
    /// `--secret-keys`: more keys whose values are secrets.
    pub secret_keys: SecretKeys,
    /// `--proxy` and the standard proxy variables.
    pub proxies: Proxies,
    /// `--header`, `--header-file`: extra headers on every request to Connect.
    pub headers: Vec<Header>,
    /// `--ignore-keys`: stored keys never compared.
    pub ignore_keys: IgnoreKeys,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Box<Options>),
    Help,
    Version,
}

/// Parse arguments (without the program name) and variables from `env`.
///
/// Each option group's values in turn, and each rule that joins values as soon as
/// they are known: of several mistakes, the one reported is always the same.
pub fn parse(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Command, Error> {
    let vars = syntax::read_variables(env)?;
    let env = &|name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };
    let raw = match syntax::read_arguments(args)? {
        Read::Run(raw) => *raw,
        Read::Help => return Ok(Command::Help),
        Read::Version => return Ok(Command::Version),
    };

    let endpoints = connection::endpoints(raw.urls, env)?;
    let timeout = values::timeout(raw.timeout, env)?;
    let files = (raw.ca_file, raw.cert_file, raw.key_file);
    let tls = connection::tls(files, raw.insecure, env)?;
    combine::mutual_tls(&tls)?;
    let credentials = connection::credentials(env)?;
    combine::credentials_once(&credentials, &endpoints)?;
    let wait_running = values::flag(raw.wait_running, env, "KAFKA_CONNECT_WAIT_RUNNING")?;
    let validate = values::flag(raw.validate, env, "KAFKA_CONNECT_VALIDATE")?;
    let log_format = values::log_format(raw.log_format, env)?;
    let stable = values::stable(raw.stable, env)?;
    let restart_failed = values::restart_failed(raw.restart_failed, env)?;
    let parallel = values::parallel(raw.parallel, env)?;
    let prune = values::prune(raw.prune, raw.prune_scope, raw.prune_reset_offsets, env)?;
    let mut ignored = Vec::new();
    let prune_scope = combine::prune(prune.on, prune.scope, &mut ignored)?;
    combine::stable_within_timeout(wait_running, &stable, timeout)?;
    let secret_keys = values::secret_keys(raw.secret_keys, env)?;
    let proxies = connection::proxies(raw.proxy, env)?;
    let headers = connection::extra_headers(raw.headers, raw.header_files, env)?;
    let ignore_keys = values::ignore_keys(raw.ignore_keys, env)?;

    let termination_log = values::termination_log(
        raw.termination_log
            .or_else(|| non_empty(env, "KAFKA_CONNECT_TERMINATION_LOG")),
    );
    let mut inputs = raw.inputs;
    if inputs.is_empty() {
        inputs.push(Input::Path(PathBuf::from(DEFAULT_PATH)));
    }
    let mut options = Options {
        endpoints,
        timeout,
        inputs,
        wait_running,
        stable: stable.map_or(values::default_stable(timeout), |(v, _)| v),
        restart_failed: restart_failed.map_or(0, |(v, _)| v),
        termination_log,
        validate,
        dry_run: raw.dry_run,
        detailed_exitcode: raw.detailed_exitcode,
        log_format,
        tls,
        credentials,
        parallel,
        prune: prune_scope,
        prune_reset_offsets: prune.reset_offsets,
        ignored: Vec::new(),
        secret_keys,
        proxies,
        headers,
        ignore_keys,
    };
    combine::ignored(&options, &stable, &restart_failed, &mut ignored);
    options.ignored = ignored;
    Ok(Command::Run(Box::new(options)))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn run(args: &[&str], vars: &[(&str, &str)]) -> Result<Command, Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| {
            vars.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| OsString::from(v))
        };
        parse(args.iter().map(OsString::from), &env)
    }

    pub(super) fn opts(args: &[&str], vars: &[(&str, &str)]) -> Options {
        match run(args, vars) {
            Ok(Command::Run(o)) => *o,
            other => panic!("expected options, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let o = opts(&[], &[]);
        assert_eq!(
            o.endpoints,
            vec![Endpoint {
                base: DEFAULT_URL.into(),
                basic: None
            }]
        );
        assert_eq!(o.credentials, Credentials::None);
        assert_eq!(o.tls, Tls::default());
        assert_eq!(o.timeout, Duration::from_secs(300));
        assert_eq!(o.inputs, vec![Input::Path(DEFAULT_PATH.into())]);
    }

    #[test]
    fn flag_wins_over_variable() {
        let o = opts(
            &["--url", "http://a:1", "--timeout", "10s"],
            &[
                ("KAFKA_CONNECT_URL", "http://b:2"),
                ("KAFKA_CONNECT_TIMEOUT", "1m"),
            ],
        );
        assert_eq!(o.endpoints[0].base, "http://a:1");
        assert_eq!(o.timeout, Duration::from_secs(10));
        let o = opts(
            &[],
            &[
                ("KAFKA_CONNECT_URL", "http://b:2/"),
                ("KAFKA_CONNECT_TIMEOUT", "1m"),
            ],
        );
        assert_eq!(o.endpoints[0].base, "http://b:2");
        assert_eq!(o.timeout, Duration::from_secs(60));
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for (args, vars) in [
            (vec!["--timeout", "soon"], vec![]),
            (vec!["--timeout", "0"], vec![]),
            (vec!["--timeout", "-5s"], vec![]),
            (vec![], vec![("KAFKA_CONNECT_TIMEOUT", "5 minutes")]),
            (vec!["--url", "connectors:8083"], vec![]),
            (vec!["--url", "ftp://x"], vec![]),
            (vec!["--url", "http://u:%zz@x"], vec![]),
            (vec!["--cert-file", "c.pem"], vec![]),
            (vec![], vec![("KAFKA_CONNECT_TLS_AUTH_KEY", "k.pem")]),
            (vec![], vec![("KAFKA_CONNECT_TLS_IS_INSECURE", "maybe")]),
            (vec![], vec![("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "u")]),
            (
                vec![],
                vec![
                    ("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "u"),
                    ("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", "p"),
                    ("KAFKA_CONNECT_BEARER_TOKEN_FILE", "/etc/hostname"),
                ],
            ),
            (
                vec!["--url", "http://a:b@x"],
                vec![
                    ("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "u"),
                    ("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", "p"),
                ],
            ),
            (
                vec![],
                vec![("KAFKA_CONNECT_BEARER_TOKEN_FILE", "/no/such/token")],
            ),
            (
                vec![],
                vec![
                    ("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", "p"),
                    ("KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE", "/etc/hostname"),
                    ("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "u"),
                ],
            ),
            (vec!["--url", "http://"], vec![]),
            (vec!["--url", "http://a:b"], vec![]),
            (vec!["--url", "http://a,"], vec![]),
            (vec!["--url"], vec![]),
            (vec!["--bogus"], vec![]),
            (vec!["-", "-"], vec![]),
        ] {
            let r = run(&args, &vars);
            assert!(
                matches!(r, Err(Error::Usage(_))),
                "{args:?} {vars:?} gave {r:?}"
            );
        }
    }

    #[test]
    fn messages_name_the_option_or_variable() {
        let Err(e) = run(&[], &[("KAFKA_CONNECT_TIMEOUT", "soon")]) else {
            panic!()
        };
        assert!(e.message().starts_with("KAFKA_CONNECT_TIMEOUT:"), "{e}");
        let Err(e) = run(&["--url", "x"], &[]) else {
            panic!()
        };
        assert!(e.message().starts_with("--url:"), "{e}");
    }
}
