//! Hostile tests (attack2): a secret is found whole, by its first and last six
//! bytes, and (up to 16 KiB) by any piece of its middle of 23 bytes or more. An echo
//! that wraps the secret over lines (a gateway or MIME base64 breaking at 40/64/76
//! columns), or keeps only a middle window of a long one, is masked piece by piece.
//! Promised: never a secret in any output, in any form, split across lines or cut
//! short.

use std::io::{BufRead, BufReader, Write};

use crate::support::*;

/// A gateway that answers every request with `status` and `body`.
fn answering(status: &'static str, body: String) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let mut reader = BufReader::new(client.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let _ = write!(
                client,
                "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

/// A token of `n` characters with no repeats a 6-byte anchor could hit by chance.
fn token(n: usize) -> String {
    let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut x: u64 = 0x9e3779b97f4a7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

/// A 120-character bearer token echoed by a gateway wrapped at 40 columns: its
/// middle line holds neither end and is printed.
#[test]
fn attack2_bearer_token_wrapped_over_lines_is_masked() {
    let secret = token(120);
    let wrapped: Vec<&str> = (0..3).map(|i| &secret[i * 40..(i + 1) * 40]).collect();
    let gateway = answering(
        "401 Unauthorized",
        format!("invalid token:\n{}", wrapped.join("\n")),
    );
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    let file = dir.write("token", &secret);
    let out = deploy()
        .url(format!("http://{gateway}"))
        .timeout("3s")
        .env(
            "KAFKA_CONNECT_BEARER_TOKEN_FILE",
            file.display().to_string(),
        )
        .arg(dir.arg())
        .run();
    assert!(
        out.all().contains("invalid token"),
        "the gateway's answer was not shown (set-up):\n{}",
        out.all()
    );
    for (i, piece) in wrapped.iter().enumerate() {
        assert!(
            !out.all().contains(piece),
            "line {i} of the wrapped token printed ({piece}):\n{}",
            out.all()
        );
    }
}

/// A 12 KiB secret config value echoed by the worker as a middle window (its first
/// and last 1000 bytes cut away): masked whole, its middle found by its windows.
#[test]
fn attack2_long_secret_middle_window_is_masked() {
    let secret = token(12 * 1024);
    let window = &secret[1000..secret.len() - 1000];
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        100,
        Reply::error(400, &format!("bad keystore ...{window}...")),
    ));
    let def = json!({
        "name": "db",
        "config": {"connector.class": "X", "ssl.keystore.password": secret},
    });
    let dir = TempDir::with(&[("db.json", &def.to_string())]);
    let out = deploy().url(fake.url()).timeout("5s").arg(dir.arg()).run();
    assert!(
        out.all().contains("bad keystore"),
        "the worker's message was not shown (set-up):\n{}",
        out.all()
    );
    // Any 64 bytes of the secret printed is a leak.
    let all = out.all();
    let leaked = (0..secret.len() - 64)
        .step_by(32)
        .find(|&i| all.contains(&secret[i..i + 64]));
    assert!(
        leaked.is_none(),
        "bytes {}.. of the secret printed ({} bytes of output)",
        leaked.unwrap_or(0),
        all.len()
    );
}
