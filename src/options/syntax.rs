//! Syntax: the command line and the `KAFKA_CONNECT_*` variables read into raw values
//! (text, as given), and the help text that documents them. Nothing here judges a
//! value: `values` and `connection` do.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::base::error::Error;
use crate::report::log::Format;
use crate::report::termination::TerminationLog;
use crate::spec::load::Input;

use super::values::termination_log;

pub const HELP: &str = "\
connect-deploy: apply Kafka Connect connector definitions, idempotently, and exit with an honest code

Usage: connect-deploy [OPTIONS] [PATH]...

PATH: a definition file, a directory of *.json files, or - for standard input
      (default: /etc/config/connector)

Options:
  --url URL[,URL...]   Connect REST endpoint(s)      [env KAFKA_CONNECT_URL, default http://localhost:8083]
  --timeout DURATION   overall deadline for the run  [env KAFKA_CONNECT_TIMEOUT, default 5m]
  --wait-running       end only when every connector is in its desired state
                                                     [env KAFKA_CONNECT_WAIT_RUNNING=true]
  --stable DURATION    how long that state must hold [env KAFKA_CONNECT_WAIT_STABLE,
                                                     default 5s or a quarter of --timeout]
  --restart-failed N   restarts of FAILED connectors/tasks per connector, while waiting
                                                     [env KAFKA_CONNECT_RESTART_FAILED, default 0]
  --termination-log PATH  where the exit summary goes [env KAFKA_CONNECT_TERMINATION_LOG,
                       default /dev/termination-log when it exists]
  --validate           validate every config with its plugin before writing
                                                     [env KAFKA_CONNECT_VALIDATE=true]
  --dry-run            read only: report what would be created, updated or left alone
  --detailed-exitcode  with --dry-run: exit 2 when changes are pending, 0 when none
  --prune              delete connectors inside --prune-scope that no definition names,
                       after a fully successful apply [env KAFKA_CONNECT_PRUNE=true]
  --prune-scope GLOB[,GLOB...]  the connector names this run owns (* and ?)
                                                     [env KAFKA_CONNECT_PRUNE_SCOPE]
  --prune-reset-offsets  clear a pruned connector's offsets too (3.6+)
                                                     [env KAFKA_CONNECT_PRUNE_RESET_OFFSETS=true]
  --secret-keys GLOB[,GLOB...]  more keys whose values are secrets (* and ?), beside
                       those the plugin declares PASSWORD and secret-looking names
                                                     [env KAFKA_CONNECT_SECRET_KEYS]
  --ignore-keys GLOB[,GLOB...]  stored keys a vendor adds or rewrites: never compared,
                       never drift (* and ?)         [env KAFKA_CONNECT_IGNORE_KEYS]
  --parallel N         connectors applied at a time, fixed (1 to 64)
                       [env KAFKA_CONNECT_PARALLEL, default: found out by the run, 1 to 8]
  --log-format FORMAT  text or json (JSON lines on stderr, a JSON report on stdout)
                                                     [env KAFKA_CONNECT_LOG_FORMAT, default text]
  --ca-file PEM        trust these CAs instead of the built-in Mozilla roots
                                                     [env KAFKA_CONNECT_TLS_ROOT_CA_FILE]
  --cert-file PEM      client certificate for mutual TLS [env KAFKA_CONNECT_TLS_AUTH_CRT]
  --key-file PEM       its private key               [env KAFKA_CONNECT_TLS_AUTH_KEY]
  --insecure           skip TLS verification (warns) [env KAFKA_CONNECT_TLS_IS_INSECURE=true]
  --proxy URL          proxy for requests to Connect; '' turns proxies off
                       [env KAFKA_CONNECT_PROXY, default https_proxy/HTTPS_PROXY for
                       https URLs, http_proxy/HTTP_PROXY for http, except no_proxy/NO_PROXY]
  --header 'NAME: VALUE'  an extra header on every request to Connect (repeatable)
                                                     [env KAFKA_CONNECT_HEADERS, one per line]
  --header-file 'NAME: PATH'  the same, its value read from a file, a secret (repeatable)
                                                     [env KAFKA_CONNECT_HEADER_FILES, one per line]
  -h, --help           print this help
  -V, --version        print the version

Credentials (environment only, never on the command line):
  KAFKA_CONNECT_BASIC_AUTH_USERNAME, KAFKA_CONNECT_BASIC_AUTH_PASSWORD, or their
  ..._FILE forms naming mounted files; or http(s)://user:password@host in the URL;
  KAFKA_CONNECT_BEARER_TOKEN_FILE: a bearer token, read again before each request.

DURATION: 500ms, 30s, 5m, 1h or plain seconds.

Exit status: 0 ok, 1 unexpected, 2 changes pending (--dry-run --detailed-exitcode),
64 usage, 65 invalid definition, 66 no input, 69 a connector or task failed or did
not run in time, 77 access refused, 78 config rejected, 124 Connect not ready
before the deadline, 130/143 stopped by SIGINT/SIGTERM.
";

/// Every variable the tool reads.
pub const VARIABLES: [&str; 32] = [
    "KAFKA_CONNECT_URL",
    "KAFKA_CONNECT_TIMEOUT",
    "KAFKA_CONNECT_WAIT_RUNNING",
    "KAFKA_CONNECT_WAIT_STABLE",
    "KAFKA_CONNECT_RESTART_FAILED",
    "KAFKA_CONNECT_TERMINATION_LOG",
    "KAFKA_CONNECT_VALIDATE",
    "KAFKA_CONNECT_LOG_FORMAT",
    "KAFKA_CONNECT_TLS_ROOT_CA_FILE",
    "KAFKA_CONNECT_TLS_AUTH_CRT",
    "KAFKA_CONNECT_TLS_AUTH_KEY",
    "KAFKA_CONNECT_TLS_IS_INSECURE",
    "KAFKA_CONNECT_BASIC_AUTH_USERNAME",
    "KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE",
    "KAFKA_CONNECT_BASIC_AUTH_PASSWORD",
    "KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE",
    "KAFKA_CONNECT_BEARER_TOKEN_FILE",
    "KAFKA_CONNECT_PARALLEL",
    "KAFKA_CONNECT_PRUNE",
    "KAFKA_CONNECT_PRUNE_SCOPE",
    "KAFKA_CONNECT_PRUNE_RESET_OFFSETS",
    "KAFKA_CONNECT_SECRET_KEYS",
    "KAFKA_CONNECT_IGNORE_KEYS",
    "KAFKA_CONNECT_PROXY",
    "KAFKA_CONNECT_HEADERS",
    "KAFKA_CONNECT_HEADER_FILES",
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "no_proxy",
    "NO_PROXY",
];

/// The variables as text; one that is not UTF-8 is a usage error naming it, never
/// silently replaced by a default.
pub(super) fn read_variables(
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Vec<(&'static str, String)>, Error> {
    let mut vars = Vec::new();
    for name in VARIABLES {
        if let Some(value) = env(name) {
            let value = value
                .into_string()
                .map_err(|_| Error::Usage(format!("{name}: the value is not valid UTF-8")))?;
            vars.push((name, value));
        }
    }
    Ok(vars)
}

/// What the command line asks for, before any value is checked.
pub(super) enum Read {
    Run(Box<Raw>),
    Help,
    Version,
}

/// Each option as given: `None` (or empty) when absent, so that its variable counts.
#[derive(Default)]
pub(super) struct Raw {
    pub urls: Vec<String>,
    pub timeout: Option<String>,
    pub inputs: Vec<Input>,
    pub wait_running: Option<bool>,
    pub stable: Option<String>,
    pub restart_failed: Option<String>,
    pub termination_log: Option<String>,
    pub validate: Option<bool>,
    pub dry_run: bool,
    pub detailed_exitcode: bool,
    pub log_format: Option<String>,
    pub ca_file: Option<String>,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub insecure: Option<bool>,
    pub parallel: Option<String>,
    pub prune: Option<bool>,
    pub prune_scope: Option<String>,
    pub prune_reset_offsets: Option<bool>,
    pub secret_keys: Option<String>,
    pub ignore_keys: Option<String>,
    pub proxy: Option<String>,
    pub headers: Vec<String>,
    pub header_files: Vec<String>,
}

/// The arguments (without the program name): every flag the tool knows, with the
/// text of its value; `--help` and `--version` end the reading where they stand.
pub(super) fn read_arguments(args: impl IntoIterator<Item = OsString>) -> Result<Read, Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut raw = Raw::default();
    let p = &mut parser;
    while let Some(arg) = p.next().map_err(usage)? {
        match arg {
            Short('h') | Long("help") => return Ok(Read::Help),
            Short('V') | Long("version") => return Ok(Read::Version),
            Long("url") => raw.urls.push(string_value(p, "--url")?),
            Long("timeout") => raw.timeout = Some(string_value(p, "--timeout")?),
            Long("wait-running") => raw.wait_running = Some(true),
            Long("stable") => raw.stable = Some(string_value(p, "--stable")?),
            Long("restart-failed") => {
                raw.restart_failed = Some(string_value(p, "--restart-failed")?)
            }
            Long("termination-log") => {
                raw.termination_log = Some(string_value(p, "--termination-log")?)
            }
            Long("validate") => raw.validate = Some(true),
            Long("dry-run") => raw.dry_run = true,
            Long("detailed-exitcode") => raw.detailed_exitcode = true,
            Long("log-format") => raw.log_format = Some(string_value(p, "--log-format")?),
            Long("ca-file") => raw.ca_file = Some(string_value(p, "--ca-file")?),
            Long("cert-file") => raw.cert_file = Some(string_value(p, "--cert-file")?),
            Long("key-file") => raw.key_file = Some(string_value(p, "--key-file")?),
            Long("insecure") => raw.insecure = Some(true),
            Long("parallel") => raw.parallel = Some(string_value(p, "--parallel")?),
            Long("prune") => raw.prune = Some(true),
            Long("prune-scope") => raw.prune_scope = Some(string_value(p, "--prune-scope")?),
            Long("prune-reset-offsets") => raw.prune_reset_offsets = Some(true),
            Long("secret-keys") => raw.secret_keys = Some(string_value(p, "--secret-keys")?),
            Long("ignore-keys") => raw.ignore_keys = Some(string_value(p, "--ignore-keys")?),
            Long("proxy") => raw.proxy = Some(string_value(p, "--proxy")?),
            Long("header") => raw.headers.push(string_value(p, "--header")?),
            Long("header-file") => raw.header_files.push(string_value(p, "--header-file")?),
            Value(v) if v == "-" => {
                if raw.inputs.contains(&Input::Stdin) {
                    return Err(Error::Usage(
                        "'-' (standard input) may be given only once".into(),
                    ));
                }
                raw.inputs.push(Input::Stdin);
            }
            Value(v) => raw.inputs.push(Input::Path(PathBuf::from(v))),
            other => return Err(usage(other.unexpected())),
        }
    }
    Ok(Read::Run(Box::new(raw)))
}

/// How to report a run (log format, termination log), read leniently before the
/// options are checked, so that a usage error is reported the way the user asked.
pub fn reporting(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> (Format, TerminationLog) {
    let var = |name: &str| env(name).and_then(|v| v.into_string().ok());
    let mut format = var("KAFKA_CONNECT_LOG_FORMAT");
    let mut path = var("KAFKA_CONNECT_TERMINATION_LOG");
    let mut parser = lexopt::Parser::from_args(args);
    while let Ok(Some(arg)) = parser.next() {
        let value = |p: &mut lexopt::Parser| p.value().ok().and_then(|v| v.into_string().ok());
        match arg {
            lexopt::Arg::Long("log-format") => format = value(&mut parser),
            lexopt::Arg::Long("termination-log") => path = value(&mut parser),
            lexopt::Arg::Long(
                "url" | "timeout" | "stable" | "restart-failed" | "ca-file" | "cert-file"
                | "key-file" | "parallel" | "prune-scope" | "secret-keys" | "proxy" | "header"
                | "header-file" | "ignore-keys",
            ) => {
                let _ = parser.value();
            }
            _ => {}
        }
    }
    let format = match format.as_deref().map(str::trim) {
        Some("json") => Format::Json,
        _ => Format::Text,
    };
    (
        format,
        termination_log(path.filter(|p| !p.trim().is_empty())),
    )
}

fn usage(e: lexopt::Error) -> Error {
    Error::Usage(e.to_string())
}

fn string_value(parser: &mut lexopt::Parser, flag: &str) -> Result<String, Error> {
    let v = parser.value().map_err(usage)?;
    v.into_string()
        .map_err(|_| Error::Usage(format!("{flag}: the value is not valid UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{opts, run};
    use crate::options::Command;
    use crate::spec::load::Input;

    #[test]
    fn paths_and_stdin() {
        let o = opts(&["a.json", "-", "dir"], &[]);
        assert_eq!(
            o.inputs,
            vec![
                Input::Path("a.json".into()),
                Input::Stdin,
                Input::Path("dir".into())
            ]
        );
        assert_eq!(run(&["--help"], &[]), Ok(Command::Help));
        assert_eq!(run(&["-V"], &[]), Ok(Command::Version));
    }
}
