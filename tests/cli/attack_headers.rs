//! Hostile tests (found by an attack, fixed since): a request head larger than the
//! tool's 16 KB output buffer (a --header-file value, a bearer token or a header
//! list that large) could never be sent, and was taken for a worker not ready yet
//! (124 after the whole --timeout, which a Job retries for ever). Promised: bad
//! input is a clear message naming the option, with its documented code (64), at
//! start, nothing applied.

use std::time::{Duration, Instant};

use crate::support::*;

#[track_caller]
fn refused_at_once(run: Deploy, what: &str) {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    let start = Instant::now();
    let out = run.url(fake.url()).timeout("10s").arg(dir.arg()).run();
    assert!(
        out.code == 64 && start.elapsed() < Duration::from_secs(3),
        "{what}: exit {} after {:?}:\n{}",
        out.code,
        start.elapsed(),
        out.all()
    );
    assert!(fake.connector_names().is_empty());
}

#[test]
fn attack_header_file_value_over_16_kb() {
    let dir = TempDir::new();
    let key = dir.write("gateway-key", &"k".repeat(20_000));
    refused_at_once(
        deploy()
            .arg("--header-file")
            .arg(format!("X-Gateway-Key: {}", key.display())),
        "--header-file of 20,000 bytes",
    );
}

#[test]
fn attack_bearer_token_over_16_kb() {
    let dir = TempDir::new();
    let token = dir.write("token", &"t".repeat(20_000));
    refused_at_once(
        deploy().env(
            "KAFKA_CONNECT_BEARER_TOKEN_FILE",
            token.display().to_string(),
        ),
        "a bearer token of 20,000 bytes",
    );
}

/// A gateway in front of Connect that answers 400 echoing the request head.
fn echoing_gateway() -> std::net::SocketAddr {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { continue };
            let mut reader = BufReader::new(client.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let body = format!("bad request, you sent: {head}");
            let _ = write!(
                client,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

/// Inline header values whose names every gateway uses for credentials, but
/// which the name rules do not know: Azure API Management's subscription key and
/// a session cookie are printed when the gateway echoes them.
#[test]
fn attack_inline_credential_headers_echoed_by_a_gateway() {
    let gateway = echoing_gateway();
    let dir = TempDir::with(&[("clicks.json", CLICKS)]);
    let out = deploy()
        .url(format!("http://{gateway}"))
        .timeout("3s")
        .arg("--header")
        .arg("Ocp-Apim-Subscription-Key: 5f1e0c8a9b2d4e6f")
        .arg("--header")
        .arg("Cookie: SESSION=c00k1e-s3ss10n-v4lue")
        .arg(dir.arg())
        .run();
    assert!(
        out.all().contains("you sent"),
        "the echo was not printed:\n{}",
        out.all()
    );
    for secret in ["5f1e0c8a9b2d4e6f", "c00k1e-s3ss10n-v4lue"] {
        assert!(
            !out.all().contains(secret),
            "{secret} printed:\n{}",
            out.all()
        );
    }
}
