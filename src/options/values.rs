//! Values: each option's text (a flag's, else its variable's) turned into its typed
//! value, one function per option group: timing, output, parallelism, pruning. A bad
//! value is a usage error naming the flag or variable it came from, never replaced
//! by a default. The groups that reach Connect are in `connection`.

use std::path::PathBuf;
use std::time::Duration;

use crate::base::error::Error;
use crate::report::log::Format;
use crate::report::termination::TerminationLog;
use crate::spec::ignore::IgnoreKeys;
use crate::spec::keys::SecretKeys;
use crate::spec::scope::Scope;
use crate::steps::pace::Parallel;

/// The run's deadline when none is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
pub const DEFAULT_STABLE: Duration = Duration::from_secs(5);
/// Connectors applied at a time without `--parallel`: found out by the run
/// (`steps::pace`), from 1 up to `ADAPTIVE_MAX`.
pub const DEFAULT_PARALLEL: Parallel = Parallel::Adaptive;
pub const MAX_PARALLEL: usize = 64;
/// Kubernetes creates this file in every container and shows it in `kubectl describe`.
pub const KUBERNETES_TERMINATION_LOG: &str = "/dev/termination-log";

/// A value and the flag or variable it came from, for the messages about it.
pub(super) type Given<T> = Option<(T, &'static str)>;

// ---- timing: --timeout, --wait-running, --stable, --restart-failed

/// `--timeout`, else `KAFKA_CONNECT_TIMEOUT`, else 5 minutes; never zero.
pub(super) fn timeout(
    raw: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Duration, Error> {
    let timeout = setting(
        raw,
        env,
        "--timeout",
        "KAFKA_CONNECT_TIMEOUT",
        parse_duration,
    )?
    .map_or(DEFAULT_TIMEOUT, |(v, _)| v);
    if timeout.is_zero() {
        return Err(Error::Usage("the timeout must be longer than zero".into()));
    }
    Ok(timeout)
}

/// `--stable`, else `KAFKA_CONNECT_WAIT_STABLE`; its default depends on the timeout
/// (`default_stable`).
pub(super) fn stable(
    raw: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Given<Duration>, Error> {
    setting(
        raw,
        env,
        "--stable",
        "KAFKA_CONNECT_WAIT_STABLE",
        parse_duration,
    )
}

/// `--restart-failed`, else `KAFKA_CONNECT_RESTART_FAILED`: 0 to 1000.
pub(super) fn restart_failed(
    raw: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Given<u32>, Error> {
    setting(
        raw,
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
    )
}

/// `--stable` when not given: 5 s, or a quarter of a shorter run, so that the
/// default never makes success impossible (an explicit value is checked instead).
pub(super) fn default_stable(timeout: Duration) -> Duration {
    DEFAULT_STABLE.min(timeout / 4)
}

pub(super) fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

// ---- output: --log-format, --termination-log

/// `--log-format`, else `KAFKA_CONNECT_LOG_FORMAT`, else text.
pub(super) fn log_format(
    raw: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Format, Error> {
    Ok(setting(
        raw,
        env,
        "--log-format",
        "KAFKA_CONNECT_LOG_FORMAT",
        |v| match v.trim() {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            _ => Err(format!("'{v}' is not a log format: use text or json")),
        },
    )?
    .map_or(Format::Text, |(f, _)| f))
}

/// A path given is created if need be; without one, Kubernetes' file is used only
/// when it already exists.
pub(super) fn termination_log(path: Option<String>) -> TerminationLog {
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

// ---- parallelism: --parallel

/// `--parallel`, else `KAFKA_CONNECT_PARALLEL`: 1 to `MAX_PARALLEL`, fixed; neither:
/// found out by the run.
pub(super) fn parallel(
    raw: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Parallel, Error> {
    Ok(
        setting(raw, env, "--parallel", "KAFKA_CONNECT_PARALLEL", |v| {
            v.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PARALLEL).contains(n))
                .ok_or_else(|| format!("'{v}' is not a whole number from 1 to {MAX_PARALLEL}"))
        })?
        .map_or(DEFAULT_PARALLEL, |(n, _)| Parallel::Fixed(n)),
    )
}

// ---- pruning: --prune, --prune-scope, --prune-reset-offsets

/// The pruning options, each on its own; `combine::prune` joins them.
pub(super) struct Prune {
    pub on: bool,
    pub scope: Given<Scope>,
    pub reset_offsets: bool,
}

pub(super) fn prune(
    on: Option<bool>,
    scope: Option<String>,
    reset_offsets: Option<bool>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Prune, Error> {
    Ok(Prune {
        on: flag(on, env, "KAFKA_CONNECT_PRUNE")?,
        scope: setting(
            scope,
            env,
            "--prune-scope",
            "KAFKA_CONNECT_PRUNE_SCOPE",
            Scope::parse,
        )?,
        reset_offsets: flag(reset_offsets, env, "KAFKA_CONNECT_PRUNE_RESET_OFFSETS")?,
    })
}

// ---- secrets: --secret-keys

/// `--secret-keys` (or its variable): more keys whose values are secrets.
pub(super) fn secret_keys(
    given: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<SecretKeys, Error> {
    let keys = setting(
        given,
        env,
        "--secret-keys",
        "KAFKA_CONNECT_SECRET_KEYS",
        SecretKeys::parse,
    )?;
    Ok(keys.map(|(k, _)| k).unwrap_or_default())
}

// ---- comparing: --ignore-keys

/// `--ignore-keys`, else `KAFKA_CONNECT_IGNORE_KEYS`; none by default.
pub(super) fn ignore_keys(
    given: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<IgnoreKeys, Error> {
    Ok(setting(
        given,
        env,
        "--ignore-keys",
        "KAFKA_CONNECT_IGNORE_KEYS",
        IgnoreKeys::parse,
    )?
    .map(|(v, _)| v)
    .unwrap_or_default())
}

// ---- reading any value

/// A boolean flag, else its variable, else false.
pub(super) fn flag(
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
pub(super) fn setting<T>(
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

/// A variable that is set to something other than blanks.
pub(super) fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::tests::{opts, run};
    use super::*;
    use crate::base::error::Error;

    #[test]
    fn parallel_and_prune_settings() {
        assert_eq!(opts(&[], &[]).parallel, DEFAULT_PARALLEL);
        assert_eq!(opts(&["--parallel", "8"], &[]).parallel, Parallel::Fixed(8));
        assert_eq!(
            opts(&["--parallel", "2"], &[("KAFKA_CONNECT_PARALLEL", "6")]).parallel,
            Parallel::Fixed(2)
        );
        assert_eq!(
            opts(&[], &[("KAFKA_CONNECT_PARALLEL", "6")]).parallel,
            Parallel::Fixed(6)
        );
        assert_eq!(DEFAULT_PARALLEL, Parallel::Adaptive);
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
}
