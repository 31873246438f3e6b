//! The command: install signal handling, parse options, run, exit with its code.
//! Only here does the process print a final error and exit.

use std::process::ExitCode;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use connect_deploy::exit;
use connect_deploy::options::{self, Command};
use connect_deploy::output::{self, Log};
use connect_deploy::signals::{self, Stop};

fn main() -> ExitCode {
    let stop = match signals::install() {
        Ok(s) => s,
        Err(e) => {
            Log::default().error("signals", &format!("cannot install signal handlers: {e}"));
            return ExitCode::from(exit::UNEXPECTED);
        }
    };
    let options = match options::parse(std::env::args_os().skip(1), &|k| std::env::var(k).ok()) {
        Ok(Command::Run(o)) => *o,
        Ok(Command::Help) => {
            print!("{}", options::HELP);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("connect-deploy {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            Log::default().error("usage", &format!("{e}\nTry 'connect-deploy --help'."));
            return ExitCode::from(e.exit_code());
        }
    };
    let log = Log::new(options.log_format);
    let termination = match output::termination_target(&options.termination_log) {
        Ok(path) => path.map(|p| p.to_path_buf()),
        Err(e) => {
            log.error("usage", &e);
            return ExitCode::from(exit::USAGE);
        }
    };
    let finish = |code: u8, summary: &str| {
        if let Some(path) = &termination
            && let Err(e) = output::write_termination(path, code, summary)
        {
            log.warn("termination_log", &e);
        }
        ExitCode::from(code)
    };

    // The work runs on its own thread so that a signal ends the process even while a
    // request or a read of standard input blocks.
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(connect_deploy::run(options, &log));
    });
    loop {
        match finished.recv_timeout(Duration::from_millis(50)) {
            Ok(f) => return finish(f.code, &f.summary),
            Err(RecvTimeoutError::Disconnected) => {
                return finish(exit::UNEXPECTED, "the run ended without a result");
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Some(code) = stop.requested() {
                    let text = format!("stopped by {}", Stop::name(code));
                    log.error("stopped", &text);
                    if log.format == output::Format::Json {
                        let report = serde_json::json!({"exit_code": code, "stopped_by": Stop::name(code), "connectors": []});
                        println!("{report}");
                    }
                    return finish(code, &text);
                }
            }
        }
    }
}
