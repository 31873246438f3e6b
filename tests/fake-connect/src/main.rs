//! The fake Kafka Connect worker as a program, for container tests and benchmarks.
//!
//! fake-connect [--listen ADDR] [--version V] [--html404 DURATION] [--starting DURATION]
//!              [--write-latency ALONE,IN_TURN]
//!              [--auth USER:PASS] [--bearer TOKEN] [--mask-passwords] [--plugin CLASS]...
//!              [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]]
//! fake-connect gen-certs DIR   (a test CA, server and client certificates)
//! Prints `fake-connect: listening on ADDR`, then `METHOD PATH -> STATUS` per request.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fake_connect::{Config, FakeConnect, TestPki, TlsServer};

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
    let (mut cert, mut key, mut client_ca) = (None, None, None);
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("gen-certs") {
        let dir = args.nth(1).unwrap_or_else(|| ".".into());
        return match TestPki::generate().write_to(std::path::Path::new(&dir)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("fake-connect: cannot write certificates to {dir}: {e}");
                ExitCode::from(73)
            }
        };
    }
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        let result: Result<(), String> = (|| {
            match arg.as_str() {
                "--listen" => listen = value()?,
                "--version" => config.version = value()?,
                "--html404" => config.html404_for = seconds(&value()?)?,
                "--starting" => config.starting_for = seconds(&value()?)?,
                "--write-latency" => {
                    let v = value()?;
                    let (alone, in_turn) = v
                        .split_once(',')
                        .ok_or("--write-latency takes ALONE,IN_TURN (e.g. 40ms,45ms)")?;
                    config.write_latency = (seconds(alone)?, seconds(in_turn)?);
                }
                "--auth" => {
                    let v = value()?;
                    let (u, p) = v.split_once(':').ok_or("--auth takes USER:PASS")?;
                    config.auth = Some((u.into(), p.into()));
                }
                "--mask-passwords" => config.mask_passwords = true,
                // Another installed connector class, beside the default ones.
                "--plugin" => config.plugins.push(value()?),
                "--bearer" => config.bearer = Some(value()?),
                "--tls-cert" => cert = Some(value()?),
                "--tls-key" => key = Some(value()?),
                "--tls-client-ca" => client_ca = Some(value()?),
                other => return Err(format!("unknown argument {other}")),
            }
            Ok(())
        })();
        if let Err(e) = result {
            eprintln!("fake-connect: {e}");
            return ExitCode::from(64);
        }
    }
    let read = |p: &String| std::fs::read_to_string(p).map_err(|e| format!("cannot read {p}: {e}"));
    match (&cert, &key) {
        (Some(c), Some(k)) => {
            let tls = (|| {
                Ok::<_, String>(TlsServer {
                    cert_pem: read(c)?,
                    key_pem: read(k)?,
                    client_ca_pem: client_ca.as_ref().map(read).transpose()?,
                    chacha_only: false,
                })
            })();
            match tls {
                Ok(t) => config.tls = Some(t),
                Err(e) => {
                    eprintln!("fake-connect: {e}");
                    return ExitCode::from(66);
                }
            }
        }
        (None, None) => {}
        _ => {
            eprintln!("fake-connect: --tls-cert and --tls-key go together");
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
