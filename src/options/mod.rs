//! Command line and `KAFKA_CONNECT_*` variables, turned into validated options.
//!
//! The environment is read through a lookup function given by `main`, so that tests
//! never change their own process environment. A flag wins over its variable; a bad
//! value is a usage error, never replaced by a default.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::base::error::Error;
use crate::base::text::invisible;
use crate::connect::access::{Credentials, Endpoint, Secret, Tls, display_url};
use crate::connect::headers::{self, Header};
use crate::connect::proxy::{NoProxy, Proxies, ProxyUrl};
use crate::report::log::Format;
use crate::report::termination::TerminationLog;
use crate::spec::load::Input;
use crate::spec::scope::Scope;

pub const DEFAULT_URL: &str = "http://localhost:8083";
pub const DEFAULT_PATH: &str = "/etc/config/connector";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_STABLE: Duration = Duration::from_secs(5);
/// Connectors applied at a time. bench/real-scale measured 200 first applies on a
/// real 4.1.0 worker: 33.0 s at 1, 32.9 s at 4, 33.6 s at 8 (the worker writes
/// configs one at a time), with the fewest requests and the least memory at 1.
pub const DEFAULT_PARALLEL: usize = 1;
pub const MAX_PARALLEL: usize = 64;
/// Kubernetes creates this file in every container and shows it in `kubectl describe`.
pub const KUBERNETES_TERMINATION_LOG: &str = "/dev/termination-log";

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
    /// Connectors worked on at a time.
    pub parallel: usize,
    /// Delete connectors inside this scope that no definition names.
    pub prune: Option<Scope>,
    /// Clear a pruned connector's offsets too.
    pub prune_reset_offsets: bool,
    /// Options that do nothing in this combination, to warn about.
    pub ignored: Vec<String>,
    /// `--proxy` and the standard proxy variables.
    pub proxies: Proxies,
    /// `--header`, `--header-file`: extra headers on every request to Connect.
    pub headers: Vec<Header>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Box<Options>),
    Help,
    Version,
}

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
  --parallel N         connectors applied at a time  [env KAFKA_CONNECT_PARALLEL, default 1]
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
pub const VARIABLES: [&str; 30] = [
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
fn read_variables(
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
                | "key-file" | "parallel" | "prune-scope" | "proxy" | "header" | "header-file",
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

fn termination_log(path: Option<String>) -> TerminationLog {
    match path {
        Some(path) => TerminationLog {
            path: PathBuf::from(path),
            explicit: true,
        },
        None => TerminationLog {
            path: PathBuf::from(KUBERNETES_TERMINATION_LOG),
            explicit: false,
        },
    }
}

impl Options {
    /// The tool's own credentials, as secrets of the run: the passwords, and the
    /// header values built from them.
    pub fn register_secrets(&self, secrets: &mut crate::report::redact::Secrets) {
        let mut basic = |user: &Secret, password: &Secret| {
            // The user name is no secret, but a gateway that echoes it says who
            // deploys: masked like any value of 4 characters or more.
            secrets.add_value(&user.0, false);
            secrets.add_credential(&password.0);
            let pair = format!("{}:{}", user.0, password.0);
            secrets.add_value(&pair, false);
            secrets.add_value(
                &format!("Basic {}", crate::base::text::base64(pair.as_bytes())),
                false,
            );
        };
        for endpoint in &self.endpoints {
            if let Some((user, password)) = &endpoint.basic {
                basic(user, password);
            }
        }
        match &self.credentials {
            Credentials::Basic(user, password) => basic(user, password),
            Credentials::BearerFile(_) | Credentials::None => {}
        }
        // Proxy credentials: the same forms (`Proxy-Authorization: Basic ...`).
        let p = &self.proxies;
        for proxy in [
            p.explicit.as_ref().and_then(Option::as_ref),
            p.https.as_ref(),
            p.http.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if let Some((user, password)) = &proxy.credentials {
                basic(user, password);
            }
        }
        for header in self.headers.iter().filter(|h| h.secret) {
            secrets.add_credential(&header.value.0);
        }
    }
}

/// Parse arguments (without the program name) and variables from `env`.
pub fn parse(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Result<Command, Error> {
    use lexopt::prelude::*;
    let vars = read_variables(env)?;
    let env = &|name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };

    let mut parser = lexopt::Parser::from_args(args);
    let mut urls: Vec<String> = Vec::new();
    let mut timeout: Option<String> = None;
    let mut inputs = Vec::new();
    let mut wait_running: Option<bool> = None;
    let mut stable: Option<String> = None;
    let mut restart_failed: Option<String> = None;
    let mut termination_log_flag: Option<String> = None;
    let mut validate: Option<bool> = None;
    let mut dry_run = false;
    let mut detailed_exitcode = false;
    let mut log_format: Option<String> = None;
    let mut ca_file: Option<String> = None;
    let mut cert_file: Option<String> = None;
    let mut key_file: Option<String> = None;
    let mut insecure: Option<bool> = None;
    let mut parallel: Option<String> = None;
    let mut prune: Option<bool> = None;
    let mut prune_scope: Option<String> = None;
    let mut prune_reset_offsets: Option<bool> = None;
    let mut proxy: Option<String> = None;
    let mut header_flags: Vec<String> = Vec::new();
    let mut header_file_flags: Vec<String> = Vec::new();

    while let Some(arg) = parser.next().map_err(usage)? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Long("url") => urls.push(string_value(&mut parser, "--url")?),
            Long("timeout") => timeout = Some(string_value(&mut parser, "--timeout")?),
            Long("wait-running") => wait_running = Some(true),
            Long("stable") => stable = Some(string_value(&mut parser, "--stable")?),
            Long("restart-failed") => {
                restart_failed = Some(string_value(&mut parser, "--restart-failed")?)
            }
            Long("termination-log") => {
                termination_log_flag = Some(string_value(&mut parser, "--termination-log")?)
            }
            Long("validate") => validate = Some(true),
            Long("dry-run") => dry_run = true,
            Long("detailed-exitcode") => detailed_exitcode = true,
            Long("log-format") => log_format = Some(string_value(&mut parser, "--log-format")?),
            Long("ca-file") => ca_file = Some(string_value(&mut parser, "--ca-file")?),
            Long("cert-file") => cert_file = Some(string_value(&mut parser, "--cert-file")?),
            Long("key-file") => key_file = Some(string_value(&mut parser, "--key-file")?),
            Long("insecure") => insecure = Some(true),
            Long("parallel") => parallel = Some(string_value(&mut parser, "--parallel")?),
            Long("prune") => prune = Some(true),
            Long("prune-scope") => prune_scope = Some(string_value(&mut parser, "--prune-scope")?),
            Long("prune-reset-offsets") => prune_reset_offsets = Some(true),
            Long("proxy") => proxy = Some(string_value(&mut parser, "--proxy")?),
            Long("header") => header_flags.push(string_value(&mut parser, "--header")?),
            Long("header-file") => {
                header_file_flags.push(string_value(&mut parser, "--header-file")?)
            }
            Value(v) if v == "-" => {
                if inputs.contains(&Input::Stdin) {
                    return Err(Error::Usage(
                        "'-' (standard input) may be given only once".into(),
                    ));
                }
                inputs.push(Input::Stdin);
            }
            Value(v) => inputs.push(Input::Path(PathBuf::from(v))),
            other => return Err(usage(other.unexpected())),
        }
    }

    let (urls, url_origin) = if urls.is_empty() {
        match non_empty(env, "KAFKA_CONNECT_URL") {
            Some(v) => (vec![v], "KAFKA_CONNECT_URL"),
            None => (vec![DEFAULT_URL.to_string()], "default"),
        }
    } else {
        (urls, "--url")
    };
    let mut endpoints = Vec::new();
    for list in &urls {
        for url in split_urls(list) {
            endpoints.push(parse_endpoint(url.trim(), url_origin)?);
        }
    }

    let timeout = setting(
        timeout,
        env,
        "--timeout",
        "KAFKA_CONNECT_TIMEOUT",
        parse_duration,
    )?
    .map_or(DEFAULT_TIMEOUT, |(v, _)| v);
    if timeout.is_zero() {
        return Err(Error::Usage("the timeout must be longer than zero".into()));
    }
    let path = |flag: Option<String>, variable: &str| {
        flag.or_else(|| non_empty(env, variable)).map(PathBuf::from)
    };
    let tls = Tls {
        ca_file: path(ca_file, "KAFKA_CONNECT_TLS_ROOT_CA_FILE"),
        cert_file: path(cert_file, "KAFKA_CONNECT_TLS_AUTH_CRT"),
        key_file: path(key_file, "KAFKA_CONNECT_TLS_AUTH_KEY"),
        insecure: flag(insecure, env, "KAFKA_CONNECT_TLS_IS_INSECURE")?,
    };
    if tls.cert_file.is_some() != tls.key_file.is_some() {
        return Err(Error::Usage(
            "mutual TLS needs both --cert-file and --key-file (KAFKA_CONNECT_TLS_AUTH_CRT and _KEY)".into(),
        ));
    }
    let credentials = credentials(env)?;
    if credentials != Credentials::None && endpoints.iter().any(|e| e.basic.is_some()) {
        return Err(Error::Usage(
            "credentials are given both in a URL and in KAFKA_CONNECT_* variables: give them once"
                .into(),
        ));
    }
    let wait_running = flag(wait_running, env, "KAFKA_CONNECT_WAIT_RUNNING")?;
    let validate = flag(validate, env, "KAFKA_CONNECT_VALIDATE")?;
    let log_format = setting(
        log_format,
        env,
        "--log-format",
        "KAFKA_CONNECT_LOG_FORMAT",
        |v| match v.trim() {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            _ => Err(format!("'{v}' is not a log format: use text or json")),
        },
    )?
    .map_or(Format::Text, |(f, _)| f);
    let stable = setting(
        stable,
        env,
        "--stable",
        "KAFKA_CONNECT_WAIT_STABLE",
        parse_duration,
    )?;
    let restart_failed = setting(
        restart_failed,
        env,
        "--restart-failed",
        "KAFKA_CONNECT_RESTART_FAILED",
        |v| {
            v.trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n <= 1000)
                .ok_or_else(|| format!("'{v}' is not a whole number from 0 to 1000"))
        },
    )?;
    let parallel = setting(parallel, env, "--parallel", "KAFKA_CONNECT_PARALLEL", |v| {
        v.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PARALLEL).contains(n))
            .ok_or_else(|| format!("'{v}' is not a whole number from 1 to {MAX_PARALLEL}"))
    })?
    .map_or(DEFAULT_PARALLEL, |(n, _)| n);
    let prune = flag(prune, env, "KAFKA_CONNECT_PRUNE")?;
    let prune_scope = setting(
        prune_scope,
        env,
        "--prune-scope",
        "KAFKA_CONNECT_PRUNE_SCOPE",
        Scope::parse,
    )?;
    let prune_reset_offsets = flag(
        prune_reset_offsets,
        env,
        "KAFKA_CONNECT_PRUNE_RESET_OFFSETS",
    )?;
    let mut ignored = Vec::new();
    let prune = match (prune, prune_scope) {
        (true, Some((scope, _))) => Some(scope),
        (true, None) => {
            return Err(Error::Usage(
                "--prune needs --prune-scope (KAFKA_CONNECT_PRUNE_SCOPE): the connector names this run owns, e.g. team-a-*".into(),
            ));
        }
        (false, Some((_, origin))) => {
            ignored.push(format!("{origin} has no effect without --prune"));
            None
        }
        (false, None) => None,
    };
    if prune_reset_offsets && prune.is_none() {
        ignored.push("--prune-reset-offsets has no effect without --prune".to_string());
    }
    if tls.insecure && tls.ca_file.is_some() {
        ignored.push("--ca-file has no effect with --insecure: nothing is verified".to_string());
    }
    if detailed_exitcode && !dry_run {
        ignored.push("--detailed-exitcode has no effect without --dry-run".to_string());
    }
    if dry_run && wait_running {
        ignored.push("--wait-running has no effect with --dry-run: nothing is started".to_string());
    }
    if !wait_running {
        if let Some((_, origin)) = &stable {
            ignored.push(format!("{origin} has no effect without --wait-running"));
        }
        if let Some((n, origin)) = &restart_failed
            && *n > 0
        {
            ignored.push(format!("{origin} has no effect without --wait-running"));
        }
    }
    let termination_log = termination_log(
        termination_log_flag.or_else(|| non_empty(env, "KAFKA_CONNECT_TERMINATION_LOG")),
    );
    if wait_running
        && let Some((stable, origin)) = &stable
        && *stable >= timeout
    {
        return Err(Error::Usage(format!(
            "{origin}: the state must hold for {} but the whole run may take only {} (--timeout): make it shorter",
            show_duration(*stable),
            show_duration(timeout)
        )));
    }

    let proxies = proxies(proxy, env)?;
    let headers = extra_headers(header_flags, header_file_flags, env)?;

    if inputs.is_empty() {
        inputs.push(Input::Path(PathBuf::from(DEFAULT_PATH)));
    }
    Ok(Command::Run(Box::new(Options {
        endpoints,
        timeout,
        inputs,
        wait_running,
        stable: stable.map_or(default_stable(timeout), |(v, _)| v),
        restart_failed: restart_failed.map_or(0, |(v, _)| v),
        termination_log,
        validate,
        dry_run,
        detailed_exitcode,
        log_format,
        tls,
        credentials,
        parallel,
        prune,
        prune_reset_offsets,
        ignored,
        proxies,
        headers,
    })))
}

/// `--proxy` (`''` turns proxies off), else `KAFKA_CONNECT_PROXY` (set but empty
/// turns them off too), else the standard variables as curl reads them, lower case
/// first; `no_proxy`/`NO_PROXY` applies to every proxy, as in curl.
fn proxies(flag: Option<String>, env: &dyn Fn(&str) -> Option<String>) -> Result<Proxies, Error> {
    let parse =
        |text: &str, origin: &'static str| ProxyUrl::parse(text, origin).map_err(Error::Usage);
    let explicit = match (flag, env("KAFKA_CONNECT_PROXY")) {
        (Some(v), _) if v.trim().is_empty() => Some(None),
        (Some(v), _) => Some(Some(parse(&v, "--proxy")?)),
        (None, Some(v)) if v.trim().is_empty() => Some(None),
        (None, Some(v)) => Some(Some(parse(&v, "KAFKA_CONNECT_PROXY")?)),
        (None, None) => None,
    };
    let standard = |names: [&'static str; 2]| -> Result<Option<ProxyUrl>, Error> {
        match names
            .into_iter()
            .find_map(|n| non_empty(env, n).map(|v| (n, v)))
        {
            Some((name, value)) => parse(&value, name).map(Some),
            None => Ok(None),
        }
    };
    let (https, http) = match explicit {
        Some(_) => (None, None),
        None => (
            standard(["https_proxy", "HTTPS_PROXY"])?,
            standard(["http_proxy", "HTTP_PROXY"])?,
        ),
    };
    let no_proxy = ["no_proxy", "NO_PROXY"]
        .into_iter()
        .find_map(env)
        .map_or_else(NoProxy::default, |v| NoProxy::parse(&v));
    Ok(Proxies {
        explicit,
        https,
        http,
        no_proxy,
    })
}

/// `--header` (else `KAFKA_CONNECT_HEADERS`, one per line) and `--header-file` (else
/// `KAFKA_CONNECT_HEADER_FILES`), each name once.
fn extra_headers(
    flags: Vec<String>,
    file_flags: Vec<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Header>, Error> {
    let from = |flags: Vec<String>, flag: &'static str, variable: &'static str| {
        if flags.is_empty() {
            let text = env(variable).unwrap_or_default();
            let lines: Vec<String> = headers::lines(&text).map(String::from).collect();
            (lines, variable)
        } else {
            (flags, flag)
        }
    };
    let mut found = Vec::new();
    let (plain, origin) = from(flags, "--header", "KAFKA_CONNECT_HEADERS");
    for text in &plain {
        found.push(headers::parse(text, origin).map_err(Error::Usage)?);
    }
    let (files, origin) = from(file_flags, "--header-file", "KAFKA_CONNECT_HEADER_FILES");
    for text in &files {
        found.push(headers::parse_file(text, origin).map_err(Error::Usage)?);
    }
    headers::check_unique(&found).map_err(Error::Usage)?;
    Ok(found)
}

/// Basic auth from `KAFKA_CONNECT_BASIC_AUTH_*` (values or `_FILE`s), or a bearer
/// token file; never both.
fn credentials(env: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, Error> {
    let secret = |name: &str| -> Result<Option<Secret>, Error> {
        let file_var = format!("{name}_FILE");
        match (env(name), non_empty(env, &file_var)) {
            (Some(_), Some(_)) => Err(Error::Usage(format!("give {name} or {file_var}, not both"))),
            (Some(v), None) => Ok(Some(Secret(v))),
            (None, Some(path)) => std::fs::read_to_string(&path)
                .map(|v| Some(Secret(v.trim_end_matches(['\n', '\r']).to_string())))
                .map_err(|e| Error::Usage(format!("{file_var}: cannot read {path}: {e}"))),
            (None, None) => Ok(None),
        }
    };
    let user = secret("KAFKA_CONNECT_BASIC_AUTH_USERNAME")?;
    let password = secret("KAFKA_CONNECT_BASIC_AUTH_PASSWORD")?;
    let bearer = non_empty(env, "KAFKA_CONNECT_BEARER_TOKEN_FILE").map(PathBuf::from);
    match (user, password, bearer) {
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => Err(Error::Usage(
            "give basic-auth credentials or KAFKA_CONNECT_BEARER_TOKEN_FILE, not both".into(),
        )),
        (Some(u), Some(p), None) => Ok(Credentials::Basic(u, p)),
        (Some(_), None, None) | (None, Some(_), None) => Err(Error::Usage(
            "basic auth needs both KAFKA_CONNECT_BASIC_AUTH_USERNAME and ..._PASSWORD (or their _FILE forms)".into(),
        )),
        (None, None, Some(path)) => {
            // Read now, so that an unusable file is a usage error before any request;
            // it is read again before each request, as projected tokens rotate.
            crate::connect::transport::read_token(&path)
                .map_err(|e| Error::Usage(format!("KAFKA_CONNECT_BEARER_TOKEN_FILE: {e}")))?;
            Ok(Credentials::BearerFile(path))
        }
        (None, None, None) => Ok(Credentials::None),
    }
}

/// A boolean flag, else its variable, else false.
fn flag(
    given: Option<bool>,
    env: &dyn Fn(&str) -> Option<String>,
    variable: &str,
) -> Result<bool, Error> {
    match given {
        Some(v) => Ok(v),
        None => match non_empty(env, variable) {
            Some(v) => parse_bool(variable, &v),
            None => Ok(false),
        },
    }
}

/// A flag's value, else its variable's, parsed; with the name it came from.
fn setting<T>(
    flag_value: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
    flag: &'static str,
    variable: &'static str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<(T, &'static str)>, Error> {
    let (text, origin) = match flag_value {
        Some(v) => (v, flag),
        None => match non_empty(env, variable) {
            Some(v) => (v, variable),
            None => return Ok(None),
        },
    };
    parse(&text)
        .map(|v| Some((v, origin)))
        .map_err(|e| Error::Usage(format!("{origin}: {e}")))
}

fn usage(e: lexopt::Error) -> Error {
    Error::Usage(e.to_string())
}

fn string_value(parser: &mut lexopt::Parser, flag: &str) -> Result<String, Error> {
    let v = parser.value().map_err(usage)?;
    v.into_string()
        .map_err(|_| Error::Usage(format!("{flag}: the value is not valid UTF-8")))
}

/// A variable that is set to something other than blanks.
fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

/// `true`/`false`, also `1`/`0`, for boolean variables.
pub fn parse_bool(name: &str, value: &str) -> Result<bool, Error> {
    match value.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Error::Usage(format!(
            "{name}: expected true or false (or 1 or 0)"
        ))),
    }
}

/// `500ms`, `30s`, `5m`, `1h`, or plain seconds; fractions allowed (`1.5s`).
/// Whole numbers only, in nanoseconds: no floating point (it would cost the
/// binary 25 KB of parsing tables).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("'{t}' is not a duration: use 500ms, 30s, 5m, 1h or seconds");
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit_nanos: u128 = match unit {
        "ms" => 1_000_000,
        "" | "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => 3_600_000_000_000,
        _ => return Err(bad()),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || (number.contains('.') && fraction.is_empty()) || fraction.contains('.') {
        return Err(bad());
    }
    let too_long = || format!("'{t}' is too long");
    let whole: u128 = whole.parse().map_err(|_| too_long())?;
    // Digits past the nanosecond are dropped.
    let mut nanos = whole.checked_mul(unit_nanos).ok_or_else(too_long)?;
    let mut scale = unit_nanos;
    for digit in fraction.bytes().take(30) {
        scale /= 10;
        nanos += u128::from(digit - b'0') * scale;
    }
    let limit = 366 * 24 * 3_600_000_000_000u128;
    if nanos > limit {
        return Err(too_long());
    }
    Ok(Duration::from_nanos(nanos as u64))
}

/// A list of URLs split at its commas, except where a comma stands in a password:
/// a piece without `://` belongs to the URL before it.
fn split_urls(list: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for piece in list.split(',') {
        match urls.last_mut() {
            Some(last) if !piece.contains("://") && !last.contains('@') && piece.contains('@') => {
                last.push(',');
                last.push_str(piece);
            }
            _ => urls.push(piece.to_string()),
        }
    }
    urls
}

/// Every password the arguments and variables may hold, before they are checked:
/// so that no message about them, a usage error included, can show one.
pub fn raw_credentials(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Vec<String> {
    let text = |v: OsString| v.to_string_lossy().into_owned();
    let args: Vec<OsString> = args.into_iter().collect();
    let mut urls: Vec<(String, bool)> = env("KAFKA_CONNECT_URL")
        .map(|v| (text(v), true))
        .into_iter()
        .collect();
    // Proxy URLs hold credentials too.
    for name in [
        "KAFKA_CONNECT_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "http_proxy",
        "HTTP_PROXY",
    ] {
        urls.extend(env(name).map(|v| (text(v), true)));
    }
    let mut header_lines: Vec<String> = env("KAFKA_CONNECT_HEADERS")
        .map(|v| text(v).lines().map(String::from).collect())
        .unwrap_or_default();
    let mut parser = lexopt::Parser::from_args(args.clone());
    while let Ok(Some(arg)) = parser.next() {
        let header = arg == lexopt::Arg::Long("header");
        let url = arg == lexopt::Arg::Long("url") || arg == lexopt::Arg::Long("proxy");
        if (header || url)
            && let Ok(v) = parser.value()
        {
            if header {
                header_lines.push(text(v));
            } else {
                urls.push((text(v), true));
            }
        }
    }
    // Any other argument or variable that looks like a URL with credentials
    // (`--url` forgotten, the URL read as a path, a URL given to another option):
    // it is echoed in messages about it.
    urls.extend(args.into_iter().map(|a| (text(a), false)));
    urls.extend(
        VARIABLES
            .iter()
            .filter(|name| **name != "KAFKA_CONNECT_URL")
            .filter_map(|name| env(name))
            .map(|v| (text(v), false)),
    );
    let mut found = Vec::new();
    for (list, is_url) in &urls {
        for url in split_urls(list) {
            found.extend(userinfo_in(&url, *is_url));
        }
    }
    found.extend(env("KAFKA_CONNECT_BASIC_AUTH_PASSWORD").map(text));
    // The values of credential-named headers (`X-Api-Key: ...`).
    for line in &header_lines {
        if let Some((name, value)) = line.split_once(':')
            && crate::spec::keys::looks_secret(name.trim())
        {
            found.push(value.trim().to_string());
        }
    }
    found.retain(|s| !s.is_empty());
    found
}

/// What may be credentials in one URL-like text, whatever the spelling of its
/// scheme: `http://`, `http:/`, `http:`, `HTTP:\\\\` and `user:password@host` all
/// carry their userinfo before the last '@'. Only a text that is not given as a URL
/// and has no ':' before its '@' (a path such as `defs/team@2.json`) holds none.
fn userinfo_in(url: &str, is_url: bool) -> Vec<String> {
    let Some(at) = url.rfind('@') else {
        return Vec::new();
    };
    let before = &url[..at];
    if !is_url && !before.contains(':') {
        return Vec::new();
    }
    // What stands after a scheme and its slashes (`user:password@host` reads as
    // scheme `user`: its password is found all the same). Never the scheme itself:
    // secrets are looked for cut short too, and `http:` would hide every URL.
    let userinfo = match split_scheme(url) {
        Some((_, rest)) => rest.rfind('@').map_or(rest, |at| &rest[..at]),
        None => before,
    };
    let mut found = vec![userinfo.to_string()];
    found.extend(percent_decode(userinfo));
    if let Some((_, password)) = userinfo.split_once(':') {
        found.push(password.to_string());
        found.extend(percent_decode(password));
    }
    found
}

/// A scheme (`[A-Za-z][A-Za-z0-9+.-]*:`) and what follows its slashes or backslashes,
/// however many.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    valid.then(|| (scheme, rest.trim_start_matches(['/', '\\'])))
}

/// `--stable` when not given: 5 s, or a quarter of a shorter run, so that the
/// default never makes success impossible (an explicit value is checked instead).
fn default_stable(timeout: Duration) -> Duration {
    DEFAULT_STABLE.min(timeout / 4)
}

fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Check one URL: `http` or `https`, userinfo taken out as basic-auth credentials.
pub fn parse_endpoint(url: &str, origin: &str) -> Result<Endpoint, Error> {
    let bad = |why: &str| Error::Usage(format!("{origin}: '{}' {why}", display_url(url)));
    if url.is_empty() {
        return Err(Error::Usage(format!("{origin}: an empty URL in the list")));
    }
    // URL parsers disagree on these: `http://a:1\\@b:2` goes to `b` for one and
    // `a` for another; a blank or a control character ends a URL for some, is
    // dropped by others. The URL could reach another host than the one read.
    if url
        .chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control() || invisible(c))
    {
        return Err(bad(
            "has a backslash, a blank or a control character, which URL parsers read \
             differently: percent-encode it (%5C, %20) or leave it out",
        ));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("is not a URL: expected http://host:port"));
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad("has an unsupported scheme: expected http or https"));
    }
    if scheme == "https" && !cfg!(feature = "tls") {
        return Err(bad(
            "needs TLS, which this build leaves out (the tls feature)",
        ));
    }
    // The authority ends at the first '/', '?' or '#' for every URL parser, and
    // holds at most one '@'; where those stand in the credentials, parsers disagree
    // on which host the URL names (`http://u:pw#@host` is host `u` for one, `host`
    // for another). Such characters must be percent-encoded.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[authority_end..].contains('@') {
        return Err(bad(
            "has a '/', '?' or '#' before an '@', which URL parsers read differently: \
             percent-encode them in the credentials (%2F, %3F, %23)",
        ));
    }
    if rest[..authority_end].matches('@').count() > 1 {
        return Err(bad(
            "has more than one '@', which URL parsers read differently: percent-encode \
             the one in the credentials (%40)",
        ));
    }
    let (userinfo, rest) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let basic = match userinfo {
        None => None,
        Some(info) => {
            let (user, password) = info.split_once(':').unwrap_or((info, ""));
            let decode =
                |s: &str| percent_decode(s).ok_or_else(|| bad("has badly encoded credentials"));
            Some((Secret(decode(user)?), Secret(decode(password)?)))
        }
    };
    if path.contains(['?', '#']) {
        return Err(bad("must not have a query or fragment"));
    }
    let uri: ureq::http::Uri = format!("http://{authority}/")
        .parse()
        .map_err(|_| bad("has an invalid host or port"))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    let host_end = authority.rfind(']').unwrap_or(0);
    if let Some(colon) = authority[host_end..].rfind(':') {
        let port = &authority[host_end + colon + 1..];
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(bad("has an invalid port"));
        }
    }
    let path = path.trim_end_matches('/');
    Ok(Endpoint {
        base: format!("{scheme}://{authority}{path}"),
        basic,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], vars: &[(&str, &str)]) -> Result<Command, Error> {
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

    fn opts(args: &[&str], vars: &[(&str, &str)]) -> Options {
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
    fn parallel_and_prune_settings() {
        assert_eq!(opts(&[], &[]).parallel, DEFAULT_PARALLEL);
        assert_eq!(opts(&["--parallel", "8"], &[]).parallel, 8);
        assert_eq!(
            opts(&["--parallel", "2"], &[("KAFKA_CONNECT_PARALLEL", "6")]).parallel,
            2
        );
        assert_eq!(opts(&[], &[("KAFKA_CONNECT_PARALLEL", "6")]).parallel, 6);
        for bad in ["0", "65", "-1", "x"] {
            assert!(
                matches!(run(&["--parallel", bad], &[]), Err(Error::Usage(m)) if m.contains("--parallel")),
                "{bad}"
            );
        }
        let o = opts(&["--prune", "--prune-scope", "team-a-*"], &[]);
        assert!(
            o.prune
                .as_ref()
                .is_some_and(|s| s.matches("team-a-x") && !s.matches("b"))
        );
        let o = opts(
            &[],
            &[
                ("KAFKA_CONNECT_PRUNE", "true"),
                ("KAFKA_CONNECT_PRUNE_SCOPE", "x-*"),
                ("KAFKA_CONNECT_PRUNE_RESET_OFFSETS", "1"),
            ],
        );
        assert!(o.prune.is_some() && o.prune_reset_offsets);
        assert!(
            matches!(run(&["--prune"], &[]), Err(Error::Usage(m)) if m.contains("--prune-scope"))
        );
        let o = opts(&["--prune-scope", "x-*"], &[]);
        assert!(o.prune.is_none() && o.ignored.iter().any(|w| w.contains("without --prune")));
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
    fn several_urls_in_order() {
        let o = opts(
            &["--url", "http://a:1, http://b:2/prefix/", "--url=http://c"],
            &[],
        );
        let bases: Vec<_> = o.endpoints.iter().map(|e| e.base.as_str()).collect();
        assert_eq!(bases, ["http://a:1", "http://b:2/prefix", "http://c"]);
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

    #[test]
    fn credentials_in_urls_are_taken_out_and_never_echoed() {
        let o = opts(
            &["--url", "http://us%40er:s3cr%3At@host:8443/connect/"],
            &[],
        );
        assert_eq!(o.endpoints[0].base, "http://host:8443/connect");
        let (u, p) = o.endpoints[0].basic.clone().unwrap();
        assert_eq!((u.0.as_str(), p.0.as_str()), ("us@er", "s3cr:t"));
        assert!(!format!("{o:?}").contains("s3cr"), "Debug hides secrets");
        let Err(e) = run(&["--url", "http://user:s3cret@host:bad"], &[]) else {
            panic!()
        };
        assert!(!e.message().contains("s3cret"), "{e}");
    }

    #[test]
    fn https_needs_the_tls_feature() {
        let r = run(&["--url", "https://host:8443"], &[]);
        assert_eq!(r.is_ok(), cfg!(feature = "tls"), "{r:?}");
    }

    #[test]
    fn tls_and_credentials_from_the_environment() {
        let o = opts(
            &["--ca-file", "ca.pem"],
            &[
                ("KAFKA_CONNECT_TLS_ROOT_CA_FILE", "other.pem"),
                ("KAFKA_CONNECT_TLS_AUTH_CRT", "c.pem"),
                ("KAFKA_CONNECT_TLS_AUTH_KEY", "k.pem"),
                ("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "admin"),
                ("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", "pw"),
            ],
        );
        assert_eq!(o.tls.ca_file, Some(PathBuf::from("ca.pem")));
        assert_eq!(o.tls.cert_file, Some(PathBuf::from("c.pem")));
        assert_eq!(
            o.credentials,
            Credentials::Basic(Secret("admin".into()), Secret("pw".into()))
        );
        let o = opts(
            &["--insecure", "--ca-file", "x"],
            &[("KAFKA_CONNECT_BEARER_TOKEN_FILE", "/etc/hostname")],
        );
        assert!(o.tls.insecure);
        assert_eq!(
            o.credentials,
            Credentials::BearerFile("/etc/hostname".into())
        );
        assert_eq!(
            o.ignored,
            ["--ca-file has no effect with --insecure: nothing is verified"]
        );
    }

    #[test]
    fn converge_options() {
        let o = opts(&[], &[]);
        assert!(!o.wait_running);
        assert_eq!(o.stable, DEFAULT_STABLE);
        assert_eq!(o.restart_failed, 0);
        let t = o.termination_log;
        assert_eq!(
            (t.path.to_str(), t.explicit),
            (Some(KUBERNETES_TERMINATION_LOG), false)
        );

        let o = opts(
            &["--stable", "2s"],
            &[
                ("KAFKA_CONNECT_WAIT_RUNNING", "1"),
                ("KAFKA_CONNECT_RESTART_FAILED", "3"),
                ("KAFKA_CONNECT_TERMINATION_LOG", "/tmp/t"),
            ],
        );
        assert!(o.wait_running);
        assert_eq!(o.stable, Duration::from_secs(2));
        assert_eq!(o.restart_failed, 3);
        assert_eq!(o.termination_log.path.to_str(), Some("/tmp/t"));
        assert!(o.ignored.is_empty());

        assert!(
            opts(
                &["--wait-running"],
                &[("KAFKA_CONNECT_WAIT_RUNNING", "false")]
            )
            .wait_running
        );
        let stable = |args: &[&str]| {
            let vars = [
                ("KAFKA_CONNECT_WAIT_RUNNING", "true"),
                ("KAFKA_CONNECT_WAIT_STABLE", "750ms"),
            ];
            opts(args, &vars).stable
        };
        assert_eq!(stable(&[]), Duration::from_millis(750));
        assert_eq!(stable(&["--stable", "0s"]), Duration::ZERO);
        let o = opts(&["--restart-failed", "2"], &[]);
        assert_eq!(
            o.ignored,
            ["--restart-failed has no effect without --wait-running"]
        );
        for (args, vars) in [
            (vec!["--restart-failed", "-1"], vec![]),
            (vec!["--restart-failed", "lots"], vec![]),
            (vec![], vec![("KAFKA_CONNECT_RESTART_FAILED", "1001")]),
            (vec![], vec![("KAFKA_CONNECT_WAIT_RUNNING", "yes")]),
            (vec!["--stable", "forever"], vec![]),
        ] {
            assert!(
                matches!(run(&args, &vars), Err(Error::Usage(_))),
                "{args:?} {vars:?}"
            );
        }
    }

    #[test]
    fn preview_options() {
        let o = opts(&[], &[]);
        assert!(!o.validate && !o.dry_run && !o.detailed_exitcode);
        assert_eq!(o.log_format, Format::Text);
        let o = opts(
            &["--dry-run", "--detailed-exitcode"],
            &[
                ("KAFKA_CONNECT_VALIDATE", "true"),
                ("KAFKA_CONNECT_LOG_FORMAT", "json"),
            ],
        );
        assert!(o.validate && o.dry_run && o.detailed_exitcode && o.ignored.is_empty());
        assert_eq!(o.log_format, Format::Json);
        assert_eq!(
            opts(
                &["--log-format", "text"],
                &[("KAFKA_CONNECT_LOG_FORMAT", "json")]
            )
            .log_format,
            Format::Text
        );
        assert_eq!(
            opts(&["--detailed-exitcode"], &[]).ignored,
            ["--detailed-exitcode has no effect without --dry-run"]
        );
        assert!(matches!(
            run(&["--log-format", "yaml"], &[]),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            run(&[], &[("KAFKA_CONNECT_VALIDATE", "on")]),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2.5m"), Ok(Duration::from_secs(150)));
        assert_eq!(parse_duration("0.001s"), Ok(Duration::from_millis(1)));
        for bad in [
            "",
            "s",
            "1x",
            "1.s",
            ".5",
            "1.2.3",
            "5 m",
            "1e3",
            "99999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool("X", "true"), Ok(true));
        assert_eq!(parse_bool("X", "1"), Ok(true));
        assert_eq!(parse_bool("X", "false"), Ok(false));
        assert_eq!(parse_bool("X", "0"), Ok(false));
        assert!(parse_bool("X", "yes").is_err());
    }

    #[test]
    fn proxies_as_curl_reads_them() {
        let host = |p: &Option<ProxyUrl>| p.as_ref().map(|p| p.host.clone());
        let o = opts(
            &[],
            &[
                ("HTTPS_PROXY", "http://upper:1"),
                ("https_proxy", "http://lower:1"),
                ("HTTP_PROXY", "plain:3128"),
                ("NO_PROXY", ".svc"),
            ],
        );
        assert_eq!(
            host(&o.proxies.https),
            Some("lower".into()),
            "lower case wins"
        );
        assert_eq!(host(&o.proxies.http), Some("plain".into()));
        assert_eq!(o.proxies.explicit, None);
        assert!(o.proxies.no_proxy.matches("a.svc", 80));
        let o = opts(
            &["--proxy", "http://mine:1"],
            &[("KAFKA_CONNECT_PROXY", "http://var:1")],
        );
        assert_eq!(
            o.proxies
                .explicit
                .as_ref()
                .and_then(|p| p.clone())
                .map(|p| p.host),
            Some("mine".into())
        );
        let o = opts(
            &[],
            &[
                ("KAFKA_CONNECT_PROXY", "http://var:1"),
                ("HTTPS_PROXY", "bad://"),
            ],
        );
        assert_eq!(
            o.proxies
                .explicit
                .as_ref()
                .and_then(|p| p.clone())
                .map(|p| p.origin),
            Some("KAFKA_CONNECT_PROXY")
        );
        assert_eq!(
            o.proxies.https, None,
            "the standard variables are not read then"
        );
        for (args, vars) in [
            (vec!["--proxy", ""], vec![("HTTP_PROXY", "http://p:1")]),
            (
                vec![],
                vec![("KAFKA_CONNECT_PROXY", ""), ("HTTP_PROXY", "http://p:1")],
            ),
        ] {
            assert_eq!(
                opts(&args, &vars).proxies.explicit,
                Some(None),
                "{args:?} {vars:?}"
            );
        }
        assert_eq!(opts(&[], &[("HTTP_PROXY", " ")]).proxies.http, None);
        for (args, vars) in [
            (vec!["--proxy", "socks5://p:1080"], vec![]),
            (vec![], vec![("HTTPS_PROXY", "http://u:s3cret@p:x")]),
            (vec![], vec![("KAFKA_CONNECT_PROXY", "http://p/path")]),
        ] {
            let r = run(&args, &vars);
            assert!(
                matches!(&r, Err(Error::Usage(m)) if !m.contains("s3cret")),
                "{args:?} {vars:?} gave {r:?}"
            );
        }
    }

    #[test]
    fn headers_from_flags_and_variables() {
        let names = |o: &Options| o.headers.iter().map(|h| h.name.clone()).collect::<Vec<_>>();
        let o = opts(
            &[],
            &[("KAFKA_CONNECT_HEADERS", "X-A: 1\n\nX-B: two words\n")],
        );
        assert_eq!(names(&o), ["X-A", "X-B"]);
        let o = opts(
            &["--header", "X-C: 3"],
            &[("KAFKA_CONNECT_HEADERS", "X-A: 1")],
        );
        assert_eq!(names(&o), ["X-C"], "a flag replaces the variable's list");
        let o = opts(
            &[
                "--header",
                "X-C: 3",
                "--header-file",
                "X-Key: /etc/hostname",
            ],
            &[],
        );
        assert_eq!(names(&o), ["X-C", "X-Key"]);
        assert!(o.headers[1].secret);
        for (args, vars) in [
            (vec!["--header", "Authorization: Basic x"], vec![]),
            (vec!["--header", "X-A: 1", "--header", "x-a: 2"], vec![]),
            (
                vec![],
                vec![("KAFKA_CONNECT_HEADER_FILES", "X-Key: /no/such/file")],
            ),
            (vec!["--header"], vec![]),
        ] {
            let r = run(&args, &vars);
            assert!(
                matches!(r, Err(Error::Usage(_))),
                "{args:?} {vars:?} gave {r:?}"
            );
        }
    }

    #[test]
    fn proxy_credentials_and_secret_headers_are_secrets_of_the_run() {
        let o = opts(
            &[
                "--header",
                "X-Api-Key: k3y-value",
                "--header",
                "X-Team: data",
            ],
            &[("HTTPS_PROXY", "http://user:pr0xy-pw@p:1")],
        );
        let mut secrets = crate::report::redact::Secrets::default();
        o.register_secrets(&mut secrets);
        let basic = crate::base::text::base64(b"user:pr0xy-pw");
        let text = format!("pr0xy-pw k3y-value Proxy-Authorization: Basic {basic} data");
        let masked = secrets.mask(&text);
        assert!(
            !masked.contains("pr0xy-pw") && !masked.contains("k3y-value"),
            "{masked}"
        );
        assert!(!masked.contains(&basic), "{masked}");
        assert!(
            masked.contains("data"),
            "an ordinary header value stays readable: {masked}"
        );
        // Before the options are checked, too.
        let env =
            |k: &str| (k == "HTTPS_PROXY").then(|| OsString::from("http://user:pr0xy-pw@p:bad"));
        let early = raw_credentials(
            ["--header", "X-Api-Key: k3y-value"].map(OsString::from),
            &env,
        );
        assert!(early.iter().any(|c| c == "pr0xy-pw"), "{early:?}");
        assert!(early.iter().any(|c| c == "k3y-value"), "{early:?}");
    }

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
