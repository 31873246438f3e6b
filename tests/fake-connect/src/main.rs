//! The fake Kafka Connect worker as a program, for container tests and benchmarks.
//!
//! fake-connect [--listen ADDR] [--version V] [--html404 DURATION] [--starting DURATION]
//!              [--auth USER:PASS] [--mask-passwords]
//! Prints `fake-connect: listening on ADDR`, then `METHOD PATH -> STATUS` per request.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fake_connect::{Config, FakeConnect};

fn seconds(text: &str) -> Result<Duration, String> {
    let (n, scale) = match text.strip_suffix("ms") {
        Some(n) => (n, 0.001),
        None => (text.strip_suffix('s').unwrap_or(text), 1.0),
    };
    n.parse::<f64>()
        .map(|v| Duration::from_secs_f64(v * scale))
        .map_err(|_| format!("not a duration: {text}"))
}

fn main() -> ExitCode {
    let mut listen = "0.0.0.0:8083".to_string();
    let mut config = Config::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        let result: Result<(), String> = (|| {
            match arg.as_str() {
                "--listen" => listen = value()?,
                "--version" => config.version = value()?,
                "--html404" => config.html404_for = seconds(&value()?)?,
                "--starting" => config.starting_for = seconds(&value()?)?,
                "--auth" => {
                    let v = value()?;
                    let (u, p) = v.split_once(':').ok_or("--auth takes USER:PASS")?;
                    config.auth = Some((u.into(), p.into()));
                }
                "--mask-passwords" => config.mask_passwords = true,
                other => return Err(format!("unknown argument {other}")),
            }
            Ok(())
        })();
        if let Err(e) = result {
            eprintln!("fake-connect: {e}");
            return ExitCode::from(64);
        }
    }
    let listener = match TcpListener::bind(&listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fake-connect: cannot listen on {listen}: {e}");
            return ExitCode::from(71);
        }
    };
    let fake = FakeConnect::serve(listener, config, true);
    println!("fake-connect: listening on {}", fake.addr());
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if signal_hook::flag::register(signal, Arc::clone(&stop)).is_err() {
            return ExitCode::from(71);
        }
    }
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
    ExitCode::SUCCESS
}
