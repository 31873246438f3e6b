//! The Kafka Connect REST client: requests with time-outs clamped to the deadline,
//! failover across endpoints, and the classification of every answer that is not
//! the one a caller hoped for (`connect-rest.md`, "Status codes a client must classify").

use std::time::Duration;

use serde_json::Value;
use ureq::RequestExt;
use ureq::http::{Method, Request};

use crate::base::deadline::Deadline;
use crate::base::error::Error;
use crate::connect::access::{Credentials, Endpoint, Tls, display_url};
use crate::connect::tls;
use crate::connect::transport::Auth;
use crate::report::redact::Redactor;

/// One answer from a worker.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// The body parsed, when it is JSON (whatever its Content-Type claims).
    pub json: Option<Value>,
}

/// Server text longer than this is cut before it is kept; the redaction layer
/// still masks a secret whose beginning is left at the cut.
const MAX_TEXT: usize = 16 * 1024;

impl Reply {
    pub fn new(status: u16, body: String) -> Reply {
        let json = serde_json::from_str(&body).ok();
        Reply { status, body, json }
    }

    /// An answer as it arrived: binary or compressed bodies are described, never kept.
    pub fn from_bytes(status: u16, bytes: Vec<u8>) -> Reply {
        match describe_binary(&bytes) {
            Some(what) => Reply {
                status,
                body: what,
                json: None,
            },
            None => Reply::new(status, String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// Connect's `message` (or `/health`'s), else a short form of the raw text.
    pub fn message(&self) -> String {
        if let Some(m) = self
            .json
            .as_ref()
            .and_then(|j| j.get("message"))
            .and_then(Value::as_str)
        {
            return m.to_string();
        }
        let text = self.body.trim();
        if text.starts_with('<') {
            return format!("an HTML page (HTTP {})", self.status);
        }
        if text.is_empty() {
            return format!("HTTP {} with an empty body", self.status);
        }
        crate::base::text::cut(text, MAX_TEXT)
    }
}

/// `a 512-byte gzip body`, for a body that is not text.
fn describe_binary(bytes: &[u8]) -> Option<String> {
    const KINDS: [(&[u8], &str); 5] = [
        (b"\x1f\x8b", "gzip"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"PK\x03\x04", "zip"),
        (b"BZh", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
    ];
    let n = bytes.len();
    if let Some((_, kind)) = KINDS.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some(format!("a {n}-byte {kind} body"));
    }
    let text = std::str::from_utf8(bytes).ok();
    let binary = text.is_none_or(|t| {
        t.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x1b'))
    });
    binary.then(|| format!("a {n}-byte binary body"))
}

/// Why a request gave no usable answer. Messages may still echo config values:
/// callers mask them before printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth another attempt after a backoff.
    Transient(String),
    /// The request timed out: a write may still be applied, so re-read before repeating.
    TimedOut(String),
    /// An unexplained server error: retried a few times, then reported as unexpected.
    Unknown(String),
    /// Credentials refused (401/403).
    Denied(String),
    /// Connect rejected the request for good.
    Rejected(String),
    /// An answer nothing here explains (our bug or the worker's).
    Unexpected(String),
}

impl Failure {
    pub fn message(&self) -> &str {
        match self {
            Failure::Transient(m)
            | Failure::TimedOut(m)
            | Failure::Unknown(m)
            | Failure::Denied(m)
            | Failure::Rejected(m)
            | Failure::Unexpected(m) => m,
        }
    }
}

/// How long one request may take at most, before the deadline clamps it further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Readiness probes: short, so a hung worker is left for the next endpoint.
    Probe,
    Read,
    /// Above Connect's own 90 s request time-out, so its answer arrives first.
    Write,
}

impl Kind {
    fn limit(self) -> Duration {
        match self {
            Kind::Probe => Duration::from_secs(10),
            Kind::Read => Duration::from_secs(30),
            Kind::Write => Duration::from_secs(120),
        }
    }
}

/// Read and write buffer per connection (ureq's default is 128 KB each).
const BUFFER: usize = 16 * 1024;

/// Connecting should be quick; a SYN into the void must not hold up failover.
const CONNECT_LIMIT: Duration = Duration::from_secs(5);
/// A resolver that does not answer must not swallow a whole probe either.
const RESOLVE_LIMIT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    /// Each endpoint with how it authenticates.
    endpoints: Vec<(Endpoint, Auth)>,
    current: usize,
    pub deadline: Deadline,
    /// The end of the whole run (`deadline` may be one connector's slice of it).
    pub run_end: Deadline,
    /// Tokens read from a bearer-token file join the run's secrets as they rotate.
    pub redactor: Redactor,
    last_header: Option<String>,
}

impl Client {
    /// A client for these endpoints; unreadable certificates are usage errors.
    pub fn new(
        endpoints: Vec<Endpoint>,
        tls: &Tls,
        credentials: &Credentials,
        deadline: Deadline,
        redactor: Redactor,
    ) -> Result<Client, Error> {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are answered, not followed, and no proxy is used: credentials
            // go to the configured URLs and nowhere else.
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(None)
            // ureq's 128 KB buffers, per connection, were most of a 200-connector
            // run's memory; Connect's headers and our request bodies are small.
            .input_buffer_size(BUFFER)
            .output_buffer_size(BUFFER)
            .max_response_header_size(BUFFER)
            .user_agent(concat!("connect-deploy/", env!("CARGO_PKG_VERSION")));
        #[cfg(feature = "tls")]
        let config = config.tls_config(tls::config(tls)?);
        #[cfg(not(feature = "tls"))]
        tls::check_no_tls(tls)?;
        let agent = ureq::Agent::with_parts(
            config.build(),
            ureq::unversioned::transport::DefaultConnector::new(),
            crate::connect::resolve::Lookup,
        );
        let endpoints = endpoints
            .into_iter()
            .map(|e| {
                let auth = Auth::new(e.basic.as_ref(), credentials);
                (e, auth)
            })
            .collect();
        Ok(Client {
            agent,
            endpoints,
            current: 0,
            deadline,
            run_end: deadline,
            redactor,
            last_header: None,
        })
    }

    /// The endpoint in use, as it may be printed.
    pub fn endpoint(&self) -> String {
        display_url(&self.endpoints[self.current].0.base)
    }

    /// How many endpoints there are to try.
    pub fn endpoints(&self) -> usize {
        self.endpoints.len()
    }

    /// Move to the next endpoint, after one was unreachable.
    pub fn failover(&mut self) {
        self.current = (self.current + 1) % self.endpoints.len();
    }

    pub fn get(&mut self, path: &str, kind: Kind) -> Result<Reply, Failure> {
        self.send(Method::GET, path, None, kind)
    }

    /// A GET whose body the caller parses itself (a large listing, read in parts):
    /// `json` stays None.
    pub fn get_text(&mut self, path: &str, kind: Kind) -> Result<Reply, Failure> {
        self.request(Method::GET, path, None, kind, false)
    }

    /// Send one request to the current endpoint. Transport failures move to the next.
    pub fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&str>,
        kind: Kind,
    ) -> Result<Reply, Failure> {
        self.request(method, path, body, kind, true)
    }

    /// `send`, with the body parsed as JSON or left as text.
    fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&str>,
        kind: Kind,
        parse_json: bool,
    ) -> Result<Reply, Failure> {
        let limit = self.deadline.clamp(kind.limit());
        if limit.is_zero() {
            return Err(Failure::Transient("the deadline has passed".into()));
        }
        let (endpoint, auth) = &self.endpoints[self.current];
        let url = format!("{}{}", endpoint.base, path);
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&url)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json");
        if let Some(value) = auth.header().map_err(Failure::Transient)? {
            if self.last_header.as_ref() != Some(&value) {
                self.redactor.update(|s| {
                    // The header whole; the token itself with its pieces.
                    s.add_value(&value, false);
                    if let Some(token) = value.strip_prefix("Bearer ") {
                        s.add_credential(token);
                    }
                });
                self.last_header = Some(value.clone());
            }
            request = request.header("Authorization", value);
        }
        let request = request
            .body(body.unwrap_or("").to_string())
            .map_err(|_| Failure::Unexpected(format!("cannot build a request for {path}")))?;
        let result = request
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(limit))
            .timeout_resolve(Some(RESOLVE_LIMIT.min(limit)))
            .timeout_connect(Some(CONNECT_LIMIT.min(limit)))
            .run();
        let mut response = match result {
            Ok(r) => r,
            Err(e) => {
                let failure = transport_failure(&e, &self.endpoint());
                self.failover();
                return Err(failure);
            }
        };
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(4 * 1024 * 1024)
            .read_to_vec();
        match bytes {
            Ok(bytes) if !parse_json => Ok(Reply {
                status,
                body: String::from_utf8_lossy(&bytes).into_owned(),
                json: None,
            }),
            Ok(bytes) => Ok(Reply::from_bytes(status, bytes)),
            Err(e) => {
                let failure = transport_failure(&e, &self.endpoint());
                self.failover();
                Err(failure)
            }
        }
    }
}

fn transport_failure(e: &ureq::Error, endpoint: &str) -> Failure {
    use std::io::ErrorKind;
    // Trust failures are final: waiting does not make a certificate valid.
    #[cfg(feature = "tls")]
    {
        let tls = match e {
            ureq::Error::Rustls(r) => Some(r),
            ureq::Error::Io(io) => io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
            _ => None,
        };
        if let Some(why) = tls.and_then(|r| tls::trust_failure(r, endpoint)) {
            return Failure::Denied(why);
        }
    }
    match e {
        ureq::Error::Timeout(_) => Failure::TimedOut(format!("{endpoint}: no answer in time")),
        ureq::Error::HostNotFound => {
            Failure::Transient(format!("{endpoint}: the host name does not resolve (yet)"))
        }
        ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
            Failure::Transient(format!("{endpoint}: connection refused"))
        }
        // std's resolver reports getaddrinfo failures as plain I/O errors.
        ureq::Error::Io(io) if io.to_string().contains("lookup address") => {
            Failure::Transient(format!("{endpoint}: the host name does not resolve (yet)"))
        }
        ureq::Error::Io(io) if io.kind() == ErrorKind::TimedOut => {
            Failure::TimedOut(format!("{endpoint}: no answer in time"))
        }
        ureq::Error::Io(io) => Failure::Transient(format!("{endpoint}: {io}")),
        ureq::Error::ConnectionFailed => Failure::Transient(format!("{endpoint}: cannot connect")),
        ureq::Error::Protocol(p) => Failure::Transient(format!("{endpoint}: bad HTTP answer: {p}")),
        other => Failure::Unexpected(format!("{endpoint}: {other}")),
    }
}

/// Classify an answer that is not the success a caller expected.
pub fn classify(reply: &Reply) -> Failure {
    let message = reply.message();
    let status = reply.status;
    match status {
        401 | 403 => Failure::Denied(format!("HTTP {status}: {message}")),
        300..=399 => Failure::Unexpected(format!(
            "HTTP {status}: a redirect, which is not followed (check the URL)"
        )),
        404 if reply.json.is_none() => {
            Failure::Transient(format!("HTTP 404 {message}: the worker is still starting"))
        }
        408 | 429 => Failure::Transient(format!("HTTP {status}: {message}")),
        409 if message.contains("already exists") => {
            Failure::Rejected(format!("HTTP 409: {message}"))
        }
        409 => Failure::Transient(format!("HTTP 409: {message}")),
        405 | 415 => Failure::Unexpected(format!("HTTP {status}: {message}")),
        400..=499 => Failure::Rejected(format!("HTTP {status}: {message}")),
        500 => classify_500(&message),
        502..=504 => Failure::Transient(format!("HTTP {status}: {message}")),
        _ => Failure::Unknown(format!("HTTP {status}: {message}")),
    }
}

/// Connect answers 500 for things as different as a queued write and a missing
/// plugin; only the message tells them apart.
fn classify_500(message: &str) -> Failure {
    const TRANSIENT: [&str; 7] = [
        "rebalance",
        "IO Error trying to forward REST request",
        "Failed to write to config topic",
        "no known leader",
        "conflicting operation",
        "stale configuration",
        "currently initializing",
    ];
    const OUR_BUG: [&str; 6] = [
        "Cannot deserialize",
        "Unexpected character",
        "Unrecognized field",
        "Unexpected end-of-input",
        "Cannot construct instance",
        "NullPointerException",
    ];
    let text = format!("HTTP 500: {message}");
    if message.starts_with("Request timed out") {
        Failure::TimedOut(text)
    } else if TRANSIENT.iter().any(|t| message.contains(t)) {
        Failure::Transient(text)
    } else if message.contains("Failed to find any class that implements Connector")
        // A malformed offset (`The value for the 'position' key in the offset is
        // expected to be a Long value`): permanent despite the 500.
        || (message.contains("in the offset") && message.contains("expected"))
    {
        Failure::Rejected(text)
    } else if OUR_BUG.iter().any(|t| message.contains(t)) {
        Failure::Unexpected(text)
    } else {
        Failure::Unknown(text)
    }
}

/// A worker's version, from `GET /`. Confluent Platform builds (`7.7.0-ccs`, `-ce`)
/// carry their own numbers; they are mapped to the Apache Kafka release they ship.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Version {
    pub const fn new(major: u32, minor: u32) -> Version {
        Version { major, minor }
    }

    pub fn parse(text: &str) -> Option<Version> {
        let (numbers, suffix) = match text.find('-') {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (text, ""),
        };
        let mut parts = numbers.split('.');
        let major: u32 = parts.next()?.parse().ok()?;
        let minor: u32 = parts.next()?.parse().ok()?;
        let confluent = suffix.starts_with("ccs") || suffix.starts_with("ce");
        Some(match (confluent, major) {
            (true, 6) => Version::new(2, minor.checked_add(6)?),
            (true, 7) => Version::new(3, minor),
            (true, 8) => Version::new(4, minor),
            _ => Version::new(major, minor),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply::new(status, body.to_string())
    }

    fn json(status: u16, message: &str) -> Reply {
        let body = serde_json::json!({"error_code": status, "message": message}).to_string();
        Reply::new(status, body)
    }

    #[test]
    fn start_up_answers_mean_keep_waiting() {
        let html = "<html><head><title>Error 404 Not Found</title></head></html>";
        assert!(matches!(classify(&reply(404, html)), Failure::Transient(_)));
        for status in [502, 503, 504] {
            assert!(matches!(
                classify(&reply(status, "<html>bad gateway</html>")),
                Failure::Transient(_)
            ));
        }
    }

    #[test]
    fn conflicts() {
        for m in [
            "Cannot complete request momentarily due to no known leader URL, likely because a rebalance is underway.",
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
            "Cannot complete request because of stale configuration",
        ] {
            assert!(
                matches!(classify(&json(409, m)), Failure::Transient(_)),
                "{m}"
            );
        }
        assert!(matches!(
            classify(&json(409, "Connector a already exists")),
            Failure::Rejected(_)
        ));
    }

    #[test]
    fn server_errors_by_message() {
        assert!(matches!(
            classify(&json(500, "Request timed out")),
            Failure::TimedOut(_)
        ));
        assert!(matches!(
            classify(&json(
                500,
                "Request timed out. The worker is currently initializing and reading to the end of internal topics."
            )),
            Failure::TimedOut(_)
        ));
        for m in [
            "Request cannot be completed because a rebalance is expected",
            "IO Error trying to forward REST request: java.net.ConnectException: Connection refused",
            "Failed to write to config topic",
        ] {
            assert!(
                matches!(classify(&json(500, m)), Failure::Transient(_)),
                "{m}"
            );
        }
        assert!(matches!(
            classify(&json(
                500,
                "Failed to find any class that implements Connector and which name matches X, available connectors are: ..."
            )),
            Failure::Rejected(_)
        ));
        assert!(matches!(
            classify(&json(
                500,
                "Cannot deserialize value of type `java.lang.String` from Object value"
            )),
            Failure::Unexpected(_)
        ));
        assert!(matches!(
            classify(&json(500, "something new")),
            Failure::Unknown(_)
        ));
    }

    #[test]
    fn client_errors() {
        assert!(matches!(
            classify(&reply(401, "User cannot access the resource.")),
            Failure::Denied(_)
        ));
        assert!(matches!(
            classify(&json(403, "Forbidden")),
            Failure::Denied(_)
        ));
        assert!(matches!(
            classify(&json(
                400,
                "Connector configuration is invalid and contains the following 1 error(s):"
            )),
            Failure::Rejected(_)
        ));
        assert!(matches!(
            classify(&json(
                400,
                "Failed to find any class that implements Connector and which name matches X"
            )),
            Failure::Rejected(_)
        ));
        assert!(matches!(
            classify(&json(415, "HTTP 415 Unsupported Media Type")),
            Failure::Unexpected(_)
        ));
        assert!(matches!(
            classify(&json(405, "HTTP 405 Method Not Allowed")),
            Failure::Unexpected(_)
        ));
        assert!(matches!(classify(&reply(307, "")), Failure::Unexpected(_)));
    }

    #[test]
    fn messages() {
        assert_eq!(
            json(404, "Connector a not found").message(),
            "Connector a not found"
        );
        assert_eq!(
            reply(401, "User cannot access the resource.").message(),
            "User cannot access the resource."
        );
        assert_eq!(
            reply(404, "<html>x</html>").message(),
            "an HTML page (HTTP 404)"
        );
        assert_eq!(reply(503, "").message(), "HTTP 503 with an empty body");
        assert_eq!(
            Reply::from_bytes(502, vec![0x1f, 0x8b, 8, 0, 1, 2]).message(),
            "a 6-byte gzip body"
        );
        assert_eq!(
            Reply::from_bytes(500, vec![b'a', 0, 0xff]).message(),
            "a 3-byte binary body"
        );
    }

    #[test]
    fn versions() {
        assert_eq!(Version::parse("4.1.0"), Some(Version::new(4, 1)));
        assert_eq!(Version::parse("3.9.0-SNAPSHOT"), Some(Version::new(3, 9)));
        assert_eq!(Version::parse("7.7.0-ccs"), Some(Version::new(3, 7)));
        assert_eq!(Version::parse("8.0.1-ce"), Some(Version::new(4, 0)));
        assert_eq!(Version::parse("6.2.0-ccs"), Some(Version::new(2, 8)));
        assert_eq!(Version::parse("nonsense"), None);
        // Found by fuzzing: the Confluent mapping must not overflow.
        assert_eq!(Version::parse("6.4294967295-ccs"), None);
        assert!(Version::new(3, 10) > Version::new(3, 9));
    }
}
