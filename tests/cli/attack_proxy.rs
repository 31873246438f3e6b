//! Hostile tests (attack branch): proxies that answer in ways the proxy support
//! does not expect.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::support::*;

/// A listener on 127.0.0.1 that hands every connection, with its first request
/// head, to `behave`.
fn scripted(
    behave: fn(TcpStream, BufReader<TcpStream>, String, SocketAddr),
    upstream: SocketAddr,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(client.try_clone().unwrap());
                if let Some(head) = read_head(&mut reader) {
                    behave(client, reader, head, upstream);
                }
            });
        }
    });
    addr
}

fn read_head(reader: &mut impl BufRead) -> Option<String> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            return Some(head);
        }
        head.push_str(&line);
    }
}

fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// One absolute-form request passed to `upstream` in origin form; the answer
/// returned whole (head, body), read by its Content-Length.
fn forward_one(
    reader: &mut BufReader<TcpStream>,
    head: &str,
    upstream: SocketAddr,
) -> Option<(String, Vec<u8>)> {
    let mut body = vec![0; content_length(head)];
    reader.read_exact(&mut body).ok()?;
    let (line, rest) = head.split_once("\r\n")?;
    let mut parts = line.splitn(3, ' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let path = target.strip_prefix("http://")?;
    let path = &path[path.find('/')?..];
    let mut server = TcpStream::connect(upstream).ok()?;
    let kept: String = rest
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("proxy-"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    write!(server, "{method} {path} {version}\r\n{kept}\r\n").ok()?;
    server.write_all(&body).ok()?;
    let mut from = BufReader::new(server);
    let answer_head = read_head(&mut from)?;
    let mut answer_body = vec![0; content_length(&answer_head)];
    from.read_exact(&mut answer_body).ok()?;
    Some((answer_head, answer_body))
}

fn clicks_dir() -> TempDir {
    TempDir::with(&[("clicks.json", CLICKS)])
}

/// RFC 9209: an intermediary may add `Proxy-Status` to any answer it forwards,
/// with `received-status` saying what the next hop (Connect) answered. Connect's
/// 404 for a connector that does not exist yet is then taken for the proxy's
/// refusal: 77, FailJob, and the connector is never created. (A 409 rebalance
/// forwarded this way turns a transient answer into the same permanent 77.)
#[test]
fn attack_forwarded_answer_with_proxy_status_is_connects() {
    let fake = FakeConnect::start(Config::default());
    let proxy = scripted(
        |client, mut reader, mut head, upstream| loop {
            let Some((answer, body)) = forward_one(&mut reader, &head, upstream) else {
                return;
            };
            let status = answer.split(' ').nth(1).unwrap_or("000").to_string();
            let mut out = &client;
            let _ = write!(
                out,
                "{answer}Proxy-Status: corp-proxy; received-status={status}\r\n\r\n"
            );
            let _ = out.write_all(&body);
            match read_head(&mut reader) {
                Some(h) => head = h,
                None => return,
            }
        },
        fake.addr(),
    );
    let port = fake.addr().port();
    let dir = clicks_dir();
    let out = deploy()
        .url(format!("http://connect.invalid:{port}"))
        .arg("--proxy")
        .arg(format!("http://{proxy}"))
        .arg(dir.arg())
        .run();
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(fake.connector("clicks").is_some(), "{}", out.all());
}

/// A proxy that answers CONNECT one byte at a time (never finishing its head):
/// each byte restarts ureq's per-read timer, so nothing but the 2 s backstop ends
/// the run: --timeout 2s ends after 4 s, not within the promised +1 s, and the
/// report no longer names the connector (JSON `"connectors": []`, no `clicks:` line).
#[test]
fn attack_dribbled_connect_answer_ends_within_the_deadline() {
    let proxy = scripted(
        |mut client, _reader, _head, _| {
            for b in b"HTTP/1.1 200 Connection established\r\nX-Slow: "
                .iter()
                .chain(std::iter::repeat(&b'x'))
            {
                if client.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        },
        "127.0.0.1:9".parse().unwrap(),
    );
    let dir = clicks_dir();
    let start = Instant::now();
    let mut child = deploy()
        .url("https://connect.invalid:8443")
        .arg("--proxy")
        .arg(format!("http://{proxy}"))
        .timeout("2s")
        .arg(dir.arg())
        .spawn();
    let status = wait_within(&mut child, Duration::from_secs(10));
    let took = start.elapsed();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(status.and_then(|s| s.code()), Some(124), "{stdout}");
    assert!(
        took < Duration::from_millis(3300),
        "took {took:?} for --timeout 2s"
    );
    assert!(
        stdout.contains("clicks"),
        "the connector is not named:\n{stdout}"
    );
}
