//! The command: install signal handling and the last-resort panic hook, parse
//! options, run, exit with its code. Only here does the process print a final error
//! and exit.

use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use connect_deploy::Finished;
use connect_deploy::base::error::Error;
use connect_deploy::base::exit;
use connect_deploy::base::signals::{self, Stop, Unfinished};
use connect_deploy::options::{self, Command};
use connect_deploy::report::log::{Format, Log};
use connect_deploy::report::mode::Mode;
use connect_deploy::report::outcome::Report;
use connect_deploy::report::progress::Progress;
use connect_deploy::report::redact::Redactor;
use connect_deploy::report::summary::{self as report, Interruption};
use connect_deploy::report::termination;

/// How long past its deadline a run may take to end by itself: the run ends within
/// `--timeout` + 1 s whatever blocks (a proxy that dribbles its answer to CONNECT,
/// which ureq times per read), the report and a pending rollback included.
const BACKSTOP_GRACE: Duration = Duration::from_millis(500);

/// How the process reports its end, whichever ending comes (the run's own, a usage
/// error, a signal, the backstop deadline, a panic): the log, where the termination
/// message goes, the run's progress. `main` learns them one at a time and hands each
/// version to the panic hook (`on_panic`), so that none of it is process-wide state.
#[derive(Clone, Default)]
struct Ending {
    log: Log,
    termination: Option<Arc<termination::Target>>,
    progress: Progress,
}

fn main() -> ExitCode {
    let redactor = Redactor::default();
    let mut ending = Ending {
        log: Log::new(Format::default(), redactor.clone()),
        ..Ending::default()
    };
    ending.on_panic();
    let env = |k: &str| std::env::var_os(k);
    // How to report, even when the options below turn out to be bad.
    let (format, termination_log) = options::reporting(std::env::args_os().skip(1), &env);
    ending.log = Log::new(format, redactor);
    ending.on_panic();
    let log = ending.log.clone();
    let early = options::raw_credentials(std::env::args_os().skip(1), &env);
    log.redactor
        .update(|secrets| early.iter().for_each(|c| secrets.add_credential(c)));
    let termination = match termination::termination_target(&termination_log) {
        Ok(target) => target,
        Err(e) if !termination_log.explicit => {
            log.warn("termination_log", &e);
            None
        }
        Err(e) => return ending.stopped(&Error::Usage(e), &[]),
    };
    ending.termination = termination.map(Arc::new);
    ending.on_panic();

    let stop = match signals::install() {
        Ok(s) => s,
        Err(e) => {
            let e = Error::Unexpected(format!("cannot install signal handlers: {e}"));
            return ending.stopped(&e, &[]);
        }
    };
    let options = match options::parse(std::env::args_os().skip(1), &env) {
        Ok(Command::Run(o)) => *o,
        Ok(Command::Help) => return print(options::HELP),
        Ok(Command::Version) => {
            return print(&format!("connect-deploy {}\n", env!("CARGO_PKG_VERSION")));
        }
        Err(e) => {
            let e = match e {
                Error::Usage(m) => Error::Usage(format!("{m}\nTry 'connect-deploy --help'.")),
                other => other,
            };
            return ending.stopped(&e, &[]);
        }
    };
    log.redactor
        .update(|secrets| options.register_secrets(secrets));
    // The run keeps its own deadline; this is the backstop for anything that does
    // not return in time (a FIFO or a standard input that never closes).
    // Until the definitions are read nothing has begun that needs the grace: a
    // FIFO or a standard input that never closes ends the run at the deadline.
    let deadline = Instant::now() + options.timeout;
    let backstop = deadline + BACKSTOP_GRACE;

    // The work runs on its own thread so that a signal ends the process even while a
    // request or a read of standard input blocks.
    let progress = Progress::new(Mode::new(options.dry_run, options.wait_running));
    ending.progress = progress.clone();
    ending.on_panic();
    watchdog(deadline, stop.clone(), ending.clone());
    let (done, finished) = mpsc::channel();
    let worker = {
        let (thread_log, thread_progress) = (log.clone(), progress.clone());
        let options = Arc::new(Mutex::new(Some(options)));
        let taken = Arc::clone(&options);
        let spawned = std::thread::Builder::new().spawn(move || {
            let options = taken.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(options) = options {
                let _ = done.send(connect_deploy::run(
                    options,
                    &env,
                    &thread_log,
                    &thread_progress,
                ));
            }
        });
        match spawned {
            Ok(_) => None,
            // A pod's pids limit: run here; the second signal still ends it at once.
            Err(e) => {
                log.warn(
                    "thread",
                    &format!("cannot start a thread ({e}); signals end the run only after the current request"),
                );
                let options = options.lock().unwrap_or_else(|e| e.into_inner()).take();
                options.map(|o| connect_deploy::run(o, &env, &log, &progress))
            }
        }
    };
    if let Some(f) = worker {
        return ending.finish(&f);
    }
    loop {
        match finished.recv_timeout(Duration::from_millis(50)) {
            Ok(f) => return ending.finish(&f),
            Err(RecvTimeoutError::Disconnected) => {
                let e = Error::Unexpected("the run ended without a result".into());
                return ending.stopped(&e, &progress.reports());
            }
            Err(RecvTimeoutError::Timeout) => {
                let why = match stop.requested() {
                    Some(code) => Some((code, Interruption::Signal(Stop::name(code)))),
                    None if Instant::now() >= backstop
                        || (Instant::now() >= deadline && progress.close_unless_loaded()) =>
                    {
                        Some((exit::TIMEOUT, Interruption::Deadline))
                    }
                    None => None,
                };
                if let Some((code, why)) = why {
                    // A signal gives the run a moment to finish what it began; at
                    // the backstop it has had its time (a rollback's included).
                    if matches!(why, Interruption::Signal(_))
                        && let Some(f) = grace_for_offsets(&finished)
                    {
                        return ending.finish(&f);
                    }
                    // Still between a create and its offsets: deleted here, since
                    // the run's thread is left behind.
                    let mut undone = Vec::new();
                    if Unfinished::any() {
                        undone = Unfinished::undo_all(Instant::now() + UNDO_TIME);
                        for line in &undone {
                            log.error("rollback", line);
                        }
                    }
                    return match report::interrupted(&log, code, why, &progress) {
                        // What became of them is in the termination message too:
                        // one left behind needs a human before the next run.
                        Some(mut f) => {
                            for line in &undone {
                                f.summary.push_str("; ");
                                f.summary.push_str(line);
                            }
                            ending.finish(&f)
                        }
                        // The run printed its report first: its ending stands, and
                        // it sends it at once.
                        None => match finished.recv_timeout(Duration::from_millis(500)) {
                            Ok(f) => ending.finish(&f),
                            // Its report is out: the code is the one it says.
                            Err(_) => ExitCode::from(signals::out_report_code().unwrap_or(code)),
                        },
                    };
                }
            }
        }
    }
}

/// The last resort, whatever blocks (a standard output nobody reads, a proxy that
/// dribbles its answer, masking a hostile answer): this long after the deadline, or
/// after the first signal, the process ends with the documented code and a
/// termination message of its own, without waiting for anything.
const HARD_STOP: Duration = Duration::from_millis(950);

/// Watch the deadline and the signals from a thread of its own (`HARD_STOP`).
fn watchdog(deadline: Instant, stop: Stop, ending: Ending) {
    let watch = move || {
        let mut signalled: Option<Instant> = None;
        loop {
            std::thread::sleep(Duration::from_millis(20));
            let now = Instant::now();
            if signalled.is_none() && stop.requested().is_some() {
                signalled = Some(now);
            }
            // The earlier of the two limits: a signal after the deadline never
            // extends it.
            let limit = signalled.map_or(deadline, |at| at.min(deadline)) + HARD_STOP;
            if now < limit {
                continue;
            }
            let (code, stopped_by, why) = match (signals::out_report_code(), stop.requested()) {
                // The run's report is out: the process ends with the code it says.
                (Some(code), _) => (code, "deadline", "its report is out".to_string()),
                (None, Some(code)) => (
                    code,
                    Stop::name(code),
                    format!("stopped by {}", Stop::name(code)),
                ),
                // One more failure among those the run has: a permanent one it
                // knew of still decides the code.
                (None, None) => (
                    ending
                        .progress
                        .reports()
                        .iter()
                        .fold(exit::TIMEOUT, |code, r| {
                            exit::most_severe(code, r.exit_code())
                        }),
                    "deadline",
                    "the deadline passed".to_string(),
                ),
            };
            let why = format!("{why}, and the run did not end in time");
            if let Some(target) = &ending.termination {
                let _ = termination::write_termination(target, &format!("exit {code}: {why}"));
            }
            // The one report, unless one is out: written without waiting, since
            // standard output may be what blocks.
            if let Some(text) =
                report::last_resort(ending.log.format, code, stopped_by, &why, &ending.progress)
            {
                write_without_waiting(text.as_bytes());
            }
            unsafe { libc::_exit(i32::from(code)) };
        }
    };
    // Without a thread (a pod's pids limit) the backstop in `main` remains.
    let _ = std::thread::Builder::new().spawn(watch);
}

/// Write to standard output as much as it takes now, never waiting for a reader.
fn write_without_waiting(mut bytes: &[u8]) {
    unsafe {
        let flags = libc::fcntl(1, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(1, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
        while !bytes.is_empty() {
            let n = libc::write(1, bytes.as_ptr().cast(), bytes.len());
            if n <= 0 {
                return;
            }
            bytes = &bytes[n as usize..];
        }
    }
}

/// How long `main` spends deleting connectors left between their create and their
/// offsets when a signal's grace ends: with the grace, under a second.
const UNDO_TIME: Duration = Duration::from_millis(250);

/// A connector between its create and its offsets would be left without them (and
/// the next run would take it for an existing one): give it a moment to finish or
/// be undone before the process ends; what is still pending then, `main` deletes.
/// The run's own ending, when it came within the grace: its report is the one.
fn grace_for_offsets(finished: &mpsc::Receiver<Finished>) -> Option<Finished> {
    let until = Instant::now() + signals::SIGNAL_GRACE;
    while Unfinished::any() && Instant::now() < until {
        if let Ok(f) = finished.recv_timeout(Duration::from_millis(20)) {
            return Some(f);
        }
    }
    None
}

impl Ending {
    /// The run ended before it started: the error, a report, the termination message.
    fn stopped(&self, e: &Error, reports: &[Report]) -> ExitCode {
        let f = report::stopped_early(&self.log, Mode::default(), e, "usage", reports);
        self.finish(&f)
    }

    /// The termination message, and the exit code.
    fn finish(&self, f: &Finished) -> ExitCode {
        if let Some(target) = &self.termination
            && let Err(e) = termination::write_termination(
                target,
                &self.log.termination_text(f.code, &f.summary),
            )
        {
            self.log.warn("termination_log", &e);
        }
        ExitCode::from(f.code)
    }

    /// A panic is a bug: one masked line, the usual report (what was done so far),
    /// the termination message, and exit 1, never 134. Installed again each time
    /// `main` learns more of the ending, before the run's thread starts.
    fn on_panic(&self) {
        let ending = self.clone();
        std::panic::set_hook(Box::new(move |info| {
            let log = &ending.log;
            log.error(
                "panic",
                &format!("internal error: {info} (a bug; please report it)"),
            );
            let f =
                report::interrupted(log, exit::UNEXPECTED, Interruption::Panic, &ending.progress)
                    .unwrap_or_else(|| Finished {
                        code: exit::UNEXPECTED,
                        summary: "internal error (a bug; please report it)".into(),
                    });
            if let Some(target) = &ending.termination {
                let _ = termination::write_termination(
                    target,
                    &log.termination_text(f.code, &f.summary),
                );
            }
            std::process::exit(i32::from(exit::UNEXPECTED));
        }));
    }
}

/// `--help` and `--version`: a closed pipe or a full disk is not the user's error.
fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    ExitCode::SUCCESS
}
