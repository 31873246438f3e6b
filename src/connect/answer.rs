//! What a worker answered, and the classification of every answer that is not the
//! one a caller hoped for (`connect-rest.md`, "Status codes a client must classify"):
//! transient, denied, rejected, unknown or unexpected.

use serde_json::Value;

use crate::spec::json;

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
        // An answer nested too deep for the walks over it is no JSON answer: it is
        // classified like any other malformed one.
        let json = (!json::too_deep(&body))
            .then(|| serde_json::from_str(&body).ok())
            .flatten();
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

/// How a missing connector plugin is said, and how `Retry` knows it needs no
/// words of its own.
pub const NO_PLUGIN: &str = "the worker has no connector plugin ";

/// Names of installed plugins a message lists, at most this many bytes of them.
const MAX_INSTALLED: usize = 400;

/// Connect's answer to an unknown connector class, which dumps every installed
/// plugin (`PluginDesc{klass=class A, name='A', version=..., location=...}`), in
/// one line: `the worker has no connector plugin X (installed: A, B, ...)`, the
/// plugins by their short names (package and `Connector` left out, as Connect
/// accepts them).
pub fn missing_plugin(message: &str) -> Option<String> {
    const MARK: &str = "Failed to find any class that implements Connector and which name matches ";
    const LIST: &str = ", available connectors are: ";
    let rest = &message[message.find(MARK)? + MARK.len()..];
    let (class, listed) = match rest.find(LIST) {
        Some(i) => (&rest[..i], &rest[i + LIST.len()..]),
        None => (rest.trim_end(), ""),
    };
    let mut names: Vec<&str> = listed
        .split("klass=class ")
        .skip(1)
        .filter_map(|p| p.split([',', '}', ' ']).next())
        .map(|full| full.rsplit('.').next().unwrap_or(full))
        .map(|simple| {
            simple
                .strip_suffix("Connector")
                .filter(|s| !s.is_empty())
                .unwrap_or(simple)
        })
        .filter(|n| !n.is_empty())
        .collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Some(format!("{NO_PLUGIN}{class}"));
    }
    let mut shown = String::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 && shown.len() + name.len() > MAX_INSTALLED {
            shown.push_str(", ...");
            break;
        }
        if i > 0 {
            shown.push_str(", ");
        }
        shown.push_str(name);
    }
    Some(format!("{NO_PLUGIN}{class} (installed: {shown})"))
}

/// Connect's list of invalid values (`Connector configuration is invalid and
/// contains the following 2 error(s):\nA\nB\nYou can also find...`) in one line:
/// `2 error(s): A; B`, each of Connect's lines naming its key.
fn invalid_config(message: &str) -> Option<String> {
    const MARK: &str = "Connector configuration is invalid and contains the following ";
    let rest = message.strip_prefix(MARK)?;
    let (count, lines) = rest.split_once(':')?;
    let errors: Vec<&str> = lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("You can also find the above list"))
        .collect();
    Some(format!("{}: {}", count.trim(), errors.join("; ")))
}

/// Classify an answer that is not the success a caller expected.
pub fn classify(reply: &Reply) -> Failure {
    let message = reply.message();
    let status = reply.status;
    if matches!(status, 400 | 500)
        && let Some(short) = missing_plugin(&message)
    {
        return Failure::Rejected(short);
    }
    if status == 400
        && let Some(short) = invalid_config(&message)
    {
        return Failure::Rejected(format!("HTTP 400: {short}"));
    }
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
        // A pinned plugin version that is not installed, named by an alias
        // (KIP-891, a Connect 4.1 bug): permanent despite the 500.
        || message.contains("VersionedPluginLoadingException")
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
    fn a_missing_plugin_in_one_line() {
        let real = "Failed to find any class that implements Connector and which name matches io.confluent.kafka.connect.datagen.DatagenConnector, available connectors are: PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector, name='org.apache.kafka.connect.file.FileStreamSinkConnector', version='4.1.0', encodedVersion=4.1.0, type=sink, typeName='sink', location='file:/opt/kafka/libs/connect-file-4.1.0.jar'}, PluginDesc{klass=class org.apache.kafka.connect.mirror.MirrorSourceConnector, name='org.apache.kafka.connect.mirror.MirrorSourceConnector', version='4.1.0', encodedVersion=4.1.0, type=source, typeName='source', location='classpath'}, PluginDesc{klass=class org.apache.kafka.connect.file.FileStreamSourceConnector, name='x', version='4.1.0'}";
        let short = "the worker has no connector plugin io.confluent.kafka.connect.datagen.DatagenConnector (installed: FileStreamSink, FileStreamSource, MirrorSource)";
        for status in [400, 500] {
            assert_eq!(
                classify(&json(status, real)),
                Failure::Rejected(short.into())
            );
        }
        let wrapped =
            format!("org.apache.kafka.connect.runtime.rest.errors.BadRequestException: {real}");
        assert_eq!(missing_plugin(&wrapped).as_deref(), Some(short));
        assert_eq!(
            missing_plugin(
                "Failed to find any class that implements Connector and which name matches X"
            )
            .as_deref(),
            Some("the worker has no connector plugin X")
        );
        let many: Vec<String> = (0..200)
            .map(|i| format!("PluginDesc{{klass=class a.b.Plugin{i:03}Connector, name='n'}}"))
            .collect();
        let long = format!(
            "Failed to find any class that implements Connector and which name matches X, available connectors are: {}",
            many.join(", ")
        );
        let short = missing_plugin(&long).unwrap();
        assert!(short.len() < 500 && short.ends_with(", ...)"), "{short}");
    }

    #[test]
    fn invalid_configs_in_one_line() {
        let real = "Connector configuration is invalid and contains the following 2 error(s):\nInvalid value abc for configuration tasks.max: Not a number of type INT\nMissing required configuration \"topic\" which has no default value.\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`";
        assert_eq!(
            classify(&json(400, real)),
            Failure::Rejected("HTTP 400: 2 error(s): Invalid value abc for configuration tasks.max: Not a number of type INT; Missing required configuration \"topic\" which has no default value.".into())
        );
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
}
