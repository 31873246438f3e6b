//! Proxies (`HTTP_PROXY`, `HTTPS_PROXY`, `NO_PROXY`, `--proxy`) and extra headers
//! (`--header`, `--header-file`), against a small proxy on 127.0.0.1 that alone
//! knows where `connect.invalid` is.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::support::*;

/// A host name that never resolves (RFC 6761): only the test proxy maps it.
const HIDDEN: &str = "connect.invalid";
const PROXY_USER: &str = "proxy-user";
const PROXY_PASSWORD: &str = "Pr0xy-Pa55w0rd";
const API_KEY: &str = "k3y-fr0m-a-m0unted-secret";

/// What reached the proxy: a CONNECT or a forwarded request, with its headers.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTP proxy: `CONNECT host:port` tunnels, absolute-form requests
/// (`GET http://host:port/path`) are forwarded one at a time; anything else is
/// answered 400. `HIDDEN:port` goes to `upstream`; other names answer 502 with a
/// `Proxy-Status`, as a proxy that cannot resolve them does.
struct TestProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TestProxy {
    fn start(upstream: SocketAddr, credentials: Option<(&str, &str)>) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let expected = credentials.map(|(u, p)| {
            format!(
                "Basic {}",
                connect_deploy::base::text::base64(format!("{u}:{p}").as_bytes())
            )
        });
        let record = Arc::clone(&seen);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let (record, expected) = (Arc::clone(&record), expected.clone());
                std::thread::spawn(move || serve(client, upstream, &record, expected.as_deref()));
            }
        });
        TestProxy { addr, seen }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn url_with_credentials(&self) -> String {
        format!("http://{PROXY_USER}:{PROXY_PASSWORD}@{}", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_head(reader: &mut impl BufRead) -> Option<Seen> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            return Some(Seen {
                method,
                target,
                headers,
            });
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
}

fn content_length(headers: &[(String, String)]) -> usize {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn answer(mut to: &TcpStream, status: &str, extra: &str) {
    let _ = write!(to, "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\n\r\n");
}

fn serve(client: TcpStream, upstream: SocketAddr, seen: &Mutex<Vec<Seen>>, expected: Option<&str>) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    while let Some(request) = read_head(&mut reader) {
        let mut body = vec![0; content_length(&request.headers)];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        seen.lock().unwrap().push(request.clone());
        let Seen {
            method,
            target,
            headers,
        } = &request;
        if let Some(expected) = expected
            && request.header("proxy-authorization") != Some(expected)
        {
            answer(
                &client,
                "407 Proxy Authentication Required",
                "Proxy-Authenticate: Basic realm=\"test\"\r\n",
            );
            continue;
        }
        let authority = if method == "CONNECT" {
            target.clone()
        } else if let Some(rest) = target.strip_prefix("http://") {
            rest.split('/').next().unwrap_or_default().to_string()
        } else {
            answer(&client, "400 Bad Request", "");
            continue;
        };
        let port = upstream.port();
        if authority != format!("{HIDDEN}:{port}") {
            answer(
                &client,
                "502 Bad Gateway",
                "Proxy-Status: test-proxy; error=dns_error\r\n",
            );
            continue;
        }
        let Ok(mut server) = TcpStream::connect(upstream) else {
            answer(&client, "502 Bad Gateway", "");
            return;
        };
        if method == "CONNECT" {
            answer(&client, "200 Connection established", "");
            // The bytes already read past the head belong to the tunnel.
            let buffered = reader.buffer().to_vec();
            let _ = server.write_all(&buffered);
            splice(client, server);
            return;
        }
        // Forward in origin form, without what was for the proxy.
        let path = &target["http://".len() + authority.len()..];
        let mut head = format!("{method} {path} HTTP/1.1\r\n");
        for (k, v) in headers {
            if !k.to_ascii_lowercase().starts_with("proxy-") {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
        }
        head.push_str("\r\n");
        if server.write_all(head.as_bytes()).is_err() || server.write_all(&body).is_err() {
            return;
        }
        let mut from = BufReader::new(server);
        let mut status = String::new();
        if from.read_line(&mut status).is_err() {
            return;
        }
        let mut response = status;
        let mut response_headers = Vec::new();
        loop {
            let mut h = String::new();
            if from.read_line(&mut h).is_err() {
                return;
            }
            response.push_str(&h);
            if h.trim_end().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                response_headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let mut body = vec![0; content_length(&response_headers)];
        if from.read_exact(&mut body).is_err() {
            return;
        }
        let mut out = &client;
        if out.write_all(response.as_bytes()).is_err() || out.write_all(&body).is_err() {
            return;
        }
    }
}

fn clicks() -> TempDir {
    TempDir::with(&[("clicks.json", CLICKS)])
}

fn hidden_url(fake: &FakeConnect, scheme: &str) -> String {
    format!("{scheme}://{HIDDEN}:{}", fake.addr().port())
}

#[track_caller]
fn assert_never_printed(out: &Output, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !out.all().contains(secret),
            "{secret:?} was printed:\n{}",
            out.all()
        );
    }
}

#[test]
fn http_proxy_reaches_a_worker_only_the_proxy_can_resolve() {
    let fake = FakeConnect::start(Config::default());
    let proxy = TestProxy::start(fake.addr(), None);
    let out = deploy()
        .url(hidden_url(&fake, "http"))
        .env("HTTP_PROXY", proxy.url())
        .arg(clicks().arg())
        .run();
    out.expect(0, "clicks: created");
    // Which proxy, said once.
    assert_eq!(
        out.stderr.matches("through the proxy").count(),
        1,
        "{}",
        out.all()
    );
    assert!(out.stderr.contains(&proxy.url()), "{}", out.stderr);
    // Absolute form, as curl sends it; never a tunnel for an http URL.
    let seen = proxy.seen();
    assert!(!seen.is_empty());
    for s in &seen {
        assert_ne!(s.method, "CONNECT");
        assert!(s.target.starts_with(&hidden_url(&fake, "http")), "{s:?}");
        assert_eq!(
            s.header("host"),
            Some(&hidden_url(&fake, "http")["http://".len()..])
        );
    }
    assert_eq!(fake.requests().len(), seen.len());
}

#[test]
fn proxy_option_wins_and_an_empty_one_turns_proxies_off() {
    let fake = FakeConnect::start(Config::default());
    let proxy = TestProxy::start(fake.addr(), None);
    let elsewhere = TestProxy::start(fake.addr(), None);
    deploy()
        .url(hidden_url(&fake, "http"))
        .env("HTTP_PROXY", elsewhere.url())
        .env("http_proxy", elsewhere.url())
        .arg("--proxy")
        .arg(proxy.url())
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: created");
    assert!(!proxy.seen().is_empty());
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());
    // The same from the variable.
    deploy()
        .url(hidden_url(&fake, "http"))
        .env("KAFKA_CONNECT_PROXY", proxy.url())
        .env("HTTP_PROXY", elsewhere.url())
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: unchanged");
    assert!(elsewhere.seen().is_empty());
    // Off: the variables are ignored, and the worker is reached directly.
    let before = proxy.seen().len();
    deploy()
        .url(fake.url())
        .env("HTTP_PROXY", proxy.url())
        .arg("--proxy=")
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: unchanged");
    assert_eq!(proxy.seen().len(), before);
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let fake = FakeConnect::start(Config::default());
    let proxy = TestProxy::start(fake.addr(), None);
    let port = fake.addr().port();
    for no_proxy in [
        "127.0.0.1".to_string(),
        "localhost,127.0.0.0/8".to_string(),
        "*".to_string(),
        format!(".example.com, 127.0.0.1:{port}"),
    ] {
        let out = deploy()
            .url(fake.url())
            .env("HTTP_PROXY", proxy.url())
            .env("NO_PROXY", &no_proxy)
            .arg(clicks().arg())
            .run();
        assert_eq!(out.code, 0, "{no_proxy}: {}", out.all());
        assert!(out.stderr.contains("directly (NO_PROXY)"), "{}", out.stderr);
    }
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
    // An entry for another port does not bypass it.
    let out = deploy()
        .url(fake.url())
        .env("HTTP_PROXY", proxy.url())
        .env("no_proxy", "127.0.0.1:1")
        .timeout("2s")
        .arg(clicks().arg())
        .run();
    assert_eq!(out.code, 124, "{}", out.all());
    assert!(!proxy.seen().is_empty());
}

#[test]
fn proxy_credentials_and_a_refusal_named_as_the_proxys() {
    let fake = FakeConnect::start(Config::default());
    let proxy = TestProxy::start(fake.addr(), Some((PROXY_USER, PROXY_PASSWORD)));
    let log = TempDir::new();
    let termination = log.path().join("termination");
    let out = deploy()
        .url(hidden_url(&fake, "http"))
        .env("HTTP_PROXY", proxy.url_with_credentials())
        .arg("--termination-log")
        .arg(termination.display().to_string())
        .arg(clicks().arg())
        .run();
    out.expect(0, "clicks: created");
    assert!(
        out.stderr.contains("http://***@127.0.0.1"),
        "{}",
        out.stderr
    );
    let encoded =
        connect_deploy::base::text::base64(format!("{PROXY_USER}:{PROXY_PASSWORD}").as_bytes());
    let message = std::fs::read_to_string(&termination).unwrap();
    for text in [&out.all(), &message] {
        for secret in [PROXY_PASSWORD, &encoded] {
            assert!(!text.contains(secret), "{secret} printed:\n{text}");
        }
    }
    // The proxy's credentials reach the proxy only, never Connect.
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("proxy-authorization").is_none())
    );

    // Wrong credentials: 77, naming the proxy, not Connect, in JSON too.
    let wrong = format!("http://{PROXY_USER}:Wr0ng-Pa55@{}", proxy.addr);
    let requests = fake.requests().len();
    let out = deploy()
        .url(hidden_url(&fake, "http"))
        .arg("--proxy")
        .arg(&wrong)
        .arg("--log-format=json")
        .arg("--termination-log")
        .arg(termination.display().to_string())
        .arg(clicks().arg())
        .run();
    out.expect(77, "the proxy http://***@127.0.0.1");
    assert!(out.all().contains("HTTP 407"), "{}", out.all());
    let message = std::fs::read_to_string(&termination).unwrap();
    assert!(message.contains("407"), "{message}");
    for text in [&out.all(), &message] {
        assert!(!text.contains("Wr0ng-Pa55"), "{text}");
    }
    assert_eq!(fake.requests().len(), requests, "Connect never asked");
}

#[cfg(feature = "tls")]
#[test]
fn https_through_a_connect_tunnel_verified_with_the_workers_name() {
    let pki = fake_connect::TestPki::generate_with(&[HIDDEN], None);
    let certs = TempDir::new();
    pki.write_to(certs.path()).unwrap();
    let ca = certs.path().join("ca.pem").display().to_string();
    let fake = FakeConnect::start(Config::default().tls(pki.server(false)));
    let proxy = TestProxy::start(fake.addr(), Some((PROXY_USER, PROXY_PASSWORD)));
    let key_file = TempDir::with(&[("api-key", &format!("{API_KEY}\n"))]);
    let out = deploy()
        .url(hidden_url(&fake, "https"))
        .env("HTTPS_PROXY", proxy.url_with_credentials())
        // An http proxy variable is not for https URLs.
        .env("HTTP_PROXY", "http://127.0.0.1:1")
        .arg("--ca-file")
        .arg(&ca)
        .arg("--header-file")
        .arg(format!(
            "X-Api-Key: {}",
            key_file.path().join("api-key").display()
        ))
        .arg("--header")
        .arg("X-Team: data-platform")
        .arg(clicks().arg())
        .run();
    out.expect(0, "clicks: created");
    assert!(out.stderr.contains("a CONNECT tunnel"), "{}", out.stderr);
    assert_never_printed(&out, &[PROXY_PASSWORD, API_KEY]);
    let seen = proxy.seen();
    assert!(!seen.is_empty());
    for s in &seen {
        assert_eq!(s.method, "CONNECT", "{s:?}");
        assert_eq!(s.target, hidden_url(&fake, "https")["https://".len()..]);
        // The extra headers are Connect's, never the proxy's.
        assert!(
            s.header("x-api-key").is_none() && s.header("x-team").is_none(),
            "{s:?}"
        );
    }
    for r in fake.requests() {
        assert_eq!(r.header("x-api-key"), Some(API_KEY), "{r:?}");
        assert_eq!(r.header("x-team"), Some("data-platform"));
        assert!(r.header("proxy-authorization").is_none());
    }

    // The same proxy also forwards for an http URL of the run: its CONNECT tunnel
    // still carries TLS untouched.
    deploy()
        .url(format!("{},http://{HIDDEN}:9", hidden_url(&fake, "https")))
        .arg("--proxy")
        .arg(proxy.url_with_credentials())
        .arg("--ca-file")
        .arg(&ca)
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: unchanged");
    assert!(proxy.seen().iter().all(|s| s.method == "CONNECT"));

    // A certificate for another name fails verification through the tunnel: 77.
    let other = fake_connect::TestPki::generate_with(&["someone-else"], None);
    let other_certs = TempDir::new();
    other.write_to(other_certs.path()).unwrap();
    let fake = FakeConnect::start(Config::default().tls(other.server(false)));
    let proxy = TestProxy::start(fake.addr(), None);
    let out = deploy()
        .url(hidden_url(&fake, "https"))
        .arg("--proxy")
        .arg(proxy.url())
        .arg("--ca-file")
        .arg(other_certs.path().join("ca.pem").display().to_string())
        .arg(clicks().arg())
        .run();
    assert_eq!(out.code, 77, "{}", out.all());
    assert!(fake.requests().is_empty());
}

#[cfg(feature = "tls")]
#[test]
fn a_refused_connect_is_the_proxys_answer() {
    let fake = FakeConnect::start(Config::default());
    let proxy = TestProxy::start(fake.addr(), Some((PROXY_USER, PROXY_PASSWORD)));
    let out = deploy()
        .url(hidden_url(&fake, "https"))
        .env("https_proxy", proxy.url())
        .arg(clicks().arg())
        .run();
    out.expect(77, &format!("the proxy {} answered HTTP 407", proxy.url()));
    // A name the proxy cannot resolve (yet) is waited for, and named as its answer.
    let out = deploy()
        .url(format!("https://elsewhere.invalid:{}", fake.addr().port()))
        .env("HTTPS_PROXY", proxy.url_with_credentials())
        .timeout("2s")
        .arg(clicks().arg())
        .run();
    out.expect(124, "answered HTTP 502 to CONNECT");
    assert_never_printed(&out, &[PROXY_PASSWORD]);
}

#[test]
fn headers_arrive_and_forbidden_ones_are_usage_errors() {
    let fake = FakeConnect::start(Config::default());
    let key_file = TempDir::with(&[("token", API_KEY)]);
    let out = deploy()
        .url(fake.url())
        .env(
            "KAFKA_CONNECT_HEADERS",
            "X-Team: data-platform\nX-Request-Source: job, nightly\n",
        )
        .env(
            "KAFKA_CONNECT_HEADER_FILES",
            format!(
                "X-Gateway-Token: {}",
                key_file.path().join("token").display()
            ),
        )
        .arg(clicks().arg())
        .run();
    out.expect(0, "clicks: created");
    assert_never_printed(&out, &[API_KEY]);
    let requests = fake.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(r.header("x-team"), Some("data-platform"));
        assert_eq!(r.header("x-request-source"), Some("job, nightly"));
        assert_eq!(r.header("x-gateway-token"), Some(API_KEY));
    }
    for (option, value) in [
        ("--header", "Authorization: Bearer abc"),
        ("--header", "Host: elsewhere"),
        ("--header", "Proxy-Authorization: Basic abc"),
        ("--header", "Content-Length: 0"),
        ("--header", "Transfer-Encoding: chunked"),
        ("--header", "X-Evil: a\r\nHost: b"),
        ("--header", "Bad Name: x"),
        ("--header", "no colon"),
        ("--header-file", "Authorization: /etc/hostname"),
        ("--header-file", "X-Api-Key: /no/such/file"),
    ] {
        let out = deploy()
            .url(fake.url())
            .arg(option)
            .arg(value)
            .arg(clicks().arg())
            .run();
        assert_eq!(out.code, 64, "{value}: {}", out.all());
        assert!(out.stderr.contains(option), "{value}: {}", out.stderr);
    }
    let out = deploy()
        .url(fake.url())
        .env("KAFKA_CONNECT_HEADERS", "Authorization: Basic s3cr3t")
        .arg(clicks().arg())
        .run();
    out.expect(
        64,
        "KAFKA_CONNECT_HEADERS: header Authorization cannot be set",
    );
    assert_never_printed(&out, &["s3cr3t"]);
    assert_eq!(
        fake.requests().len(),
        requests.len(),
        "no request after a usage error"
    );
}

#[test]
fn a_proxy_that_is_not_there_or_not_usable_is_named() {
    let fake = FakeConnect::start(Config::default());
    let refusing = RefusingPort::new();
    let out = deploy()
        .url(hidden_url(&fake, "http"))
        .env(
            "HTTP_PROXY",
            format!(
                "http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{}",
                refusing.port
            ),
        )
        .timeout("1s")
        .arg(clicks().arg())
        .run();
    out.expect(
        124,
        &format!(
            "the proxy http://***@127.0.0.1:{}: connection refused",
            refusing.port
        ),
    );
    assert_never_printed(&out, &[PROXY_PASSWORD]);
    // Unusable: a usage error naming the variable, never echoing the password.
    for (variable, value) in [
        (
            "HTTPS_PROXY",
            format!("http://{PROXY_USER}:{PROXY_PASSWORD}@proxy:bad"),
        ),
        (
            "KAFKA_CONNECT_PROXY",
            format!("socks5://{PROXY_USER}:{PROXY_PASSWORD}@proxy"),
        ),
        // Where parsers disagree on the host, as for --url: refused.
        (
            "HTTP_PROXY",
            format!("http://{PROXY_USER}:{PROXY_PASSWORD}#@proxy:3128"),
        ),
        (
            "KAFKA_CONNECT_PROXY",
            format!("http://{PROXY_USER}@x:{PROXY_PASSWORD}@proxy:3128"),
        ),
    ] {
        let out = deploy()
            .url(fake.url())
            .env(variable, value)
            .arg(clicks().arg())
            .run();
        out.expect(64, variable);
        assert_never_printed(&out, &[PROXY_PASSWORD]);
    }
    assert!(fake.requests().is_empty());
}

#[test]
fn a_forward_proxys_error_page_is_named_as_its_own() {
    // A proxy that answers every request itself: 502, an HTML page, no marker.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let mut reader = BufReader::new(client.try_clone().unwrap());
            while read_head(&mut reader).is_some() {
                let page =
                    "<html><body>ERROR: the requested URL could not be retrieved</body></html>";
                let mut out = &client;
                let _ = write!(
                    out,
                    "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{page}",
                    page.len()
                );
            }
        }
    });
    let out = deploy()
        .url(format!("http://{HIDDEN}:8083"))
        .arg("--proxy")
        .arg(format!("http://{addr}"))
        .timeout("1s")
        .arg(clicks().arg())
        .run();
    out.expect(
        124,
        &format!("the proxy http://{addr} answered HTTP 502, not Kafka Connect"),
    );
}

#[test]
fn header_and_proxy_secrets_echoed_by_a_gateway_are_masked() {
    let fake = FakeConnect::start(Config::default());
    let key_file = TempDir::with(&[("key", API_KEY)]);
    let proxy = TestProxy::start(fake.addr(), Some((PROXY_USER, PROXY_PASSWORD)));
    // A gateway that repeats what it was sent, plain and encoded.
    let basic =
        connect_deploy::base::text::base64(format!("{PROXY_USER}:{PROXY_PASSWORD}").as_bytes());
    let echo = format!(
        "bad request: x-api-key={API_KEY} proxy-authorization=Basic {basic} raw={PROXY_PASSWORD} url=%22{}%22",
        API_KEY.replace('-', "%2D")
    );
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        10,
        Reply::error(400, &echo),
    ));
    let log = TempDir::new();
    let termination = log.path().join("termination");
    for format in ["text", "json"] {
        let out = deploy()
            .url(hidden_url(&fake, "http"))
            .env("HTTP_PROXY", proxy.url_with_credentials())
            .arg("--header-file")
            .arg(format!(
                "X-Api-Key: {}",
                key_file.path().join("key").display()
            ))
            .arg("--log-format")
            .arg(format)
            .arg("--termination-log")
            .arg(termination.display().to_string())
            .arg(clicks().arg())
            .run();
        out.expect(78, "bad request");
        let message = std::fs::read_to_string(&termination).unwrap();
        for text in [out.all(), message] {
            for secret in [API_KEY, PROXY_PASSWORD, basic.as_str(), "k3y%2Dfr0m"] {
                assert!(
                    !text.contains(secret),
                    "{secret} printed ({format}):\n{text}"
                );
            }
        }
    }
}
