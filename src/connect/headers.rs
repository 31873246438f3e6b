//! Extra headers on every request to Connect (`--header`, `--header-file`): what an
//! API gateway in front of Connect asks for. They go to Connect only: never on a
//! CONNECT to a proxy. Names the tool sets itself or that frame the message cannot
//! be given this way.

use std::path::Path;

use crate::base::files;
use crate::connect::access::Secret;

/// One header, checked: a token name, a value of visible ASCII, blanks and tabs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    /// Masked in every output when `secret`; `Debug` never shows it.
    pub value: Secret,
    /// Read from a file, or named like a credential (`X-Api-Key`).
    pub secret: bool,
}

/// Names that cannot be given: credentials and the target (`Authorization`,
/// `Proxy-*`, `Host`), what frames the message or the connection, and what the
/// tool sets for Connect's sake.
const REFUSED: [&str; 14] = [
    "authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "content-type",
    "accept",
    "accept-encoding",
    "content-encoding",
];

/// `Name: value` (from `origin`, the option or variable, for messages). A message
/// never shows the value.
pub fn parse(text: &str, origin: &str) -> Result<Header, String> {
    let (name, value) = split(text, origin)?;
    let value = check_value(value, origin, name)?;
    if value.len() as u64 > files::MAX_CREDENTIAL {
        return Err(format!(
            "{origin}: header {name}: the value is larger than {}",
            files::size(files::MAX_CREDENTIAL)
        ));
    }
    Ok(Header {
        name: name.to_string(),
        // Every value: a gateway's credential hides under any name
        // (`Ocp-Apim-Subscription-Key`, `Cookie`), and no list of names is whole.
        secret: true,
        value: Secret(value),
    })
}

/// `Name: /path`: the value is the file's content, trailing line breaks dropped; a
/// secret of the run.
pub fn parse_file(text: &str, origin: &str) -> Result<Header, String> {
    let (name, path) = split(text, origin)?;
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("{origin}: header {name} names no file"));
    }
    let value = files::read_text(Path::new(path), files::MAX_CREDENTIAL)
        .map_err(|e| format!("{origin}: header {name}: {e}"))?;
    let value = check_value(value.trim_end_matches(['\n', '\r']), origin, name)
        .map_err(|e| format!("{e} (read from {path})"))?;
    Ok(Header {
        name: name.to_string(),
        value: Secret(value),
        secret: true,
    })
}

/// Headers from a variable: one per line (blank lines skipped).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| !l.trim().is_empty())
}

/// A name given twice (in any case) is a mistake worth a usage error.
pub fn check_unique(headers: &[Header]) -> Result<(), String> {
    for (i, h) in headers.iter().enumerate() {
        if headers[..i]
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&h.name))
        {
            return Err(format!("header {} is given twice", h.name));
        }
    }
    Ok(())
}

fn split<'a>(text: &'a str, origin: &str) -> Result<(&'a str, &'a str), String> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(format!("{origin}: expected 'Name: value'"));
    };
    // A blank before the ':' is not allowed (RFC 9112): it is not a token character.
    let name = name.trim_start();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err(format!(
            "{origin}: a header name is a word of letters, digits and - (e.g. X-Api-Key), with no blank before the ':'"
        ));
    }
    let lower = name.to_ascii_lowercase();
    if REFUSED.contains(&lower.as_str()) || lower.starts_with("proxy-") {
        let why = match lower.as_str() {
            "authorization" => {
                "credentials come from KAFKA_CONNECT_BASIC_AUTH_*, KAFKA_CONNECT_BEARER_TOKEN_FILE or the URL"
            }
            "host" => "the URL decides it",
            "content-type" | "accept" | "accept-encoding" | "content-encoding" => {
                "connect-deploy sets it for Kafka Connect"
            }
            _ if lower.starts_with("proxy-") => "proxy credentials go in the proxy URL",
            _ => "it frames the HTTP message or the connection",
        };
        return Err(format!(
            "{origin}: header {name} cannot be set this way: {why}"
        ));
    }
    Ok((name, value))
}

fn check_value(value: &str, origin: &str, name: &str) -> Result<String, String> {
    let value = value.trim_matches([' ', '\t']);
    if value.is_empty() {
        return Err(format!("{origin}: header {name} has an empty value"));
    }
    if value
        .chars()
        .any(|c| !(c == ' ' || c == '\t' || c.is_ascii_graphic()))
    {
        return Err(format!(
            "{origin}: header {name}: the value holds a line break, a control character or a non-ASCII character"
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_values_and_refusals() {
        let h = parse("X-Api-Key:  k3y value\t", "--header").unwrap();
        assert_eq!(
            (h.name.as_str(), h.value.0.as_str(), h.secret),
            ("X-Api-Key", "k3y value", true)
        );
        assert!(parse("Cookie: SESSION=abc", "--header").unwrap().secret);
        for refused in [
            "Authorization: Bearer x",
            "host: other",
            "Content-Length: 1",
            "Transfer-Encoding: chunked",
            "Connection: close",
            "Proxy-Authorization: Basic x",
            "Content-Type: text/plain",
        ] {
            let e = parse(refused, "--header").unwrap_err();
            assert!(
                e.starts_with("--header:") && e.contains("cannot be set"),
                "{e}"
            );
        }
        for bad in [
            "no colon",
            ": value",
            "X Api: v",
            "X-Api : v",
            "X-Api: ",
            "X-Api: a\r\nEvil: b",
            "X-Api: a\nb",
            "X-Api: caf\u{e9}",
            "X-Api: a\u{7f}",
        ] {
            let e = parse(bad, "KAFKA_CONNECT_HEADERS").unwrap_err();
            assert!(e.starts_with("KAFKA_CONNECT_HEADERS:"), "{e}");
            assert!(
                !e.contains("Evil") && !e.contains("caf"),
                "values are never echoed: {e}"
            );
        }
        let twice = [parse("X-A: 1", "x").unwrap(), parse("x-a: 2", "x").unwrap()];
        assert!(check_unique(&twice).is_err());
        assert_eq!(lines("A: 1\n\n B: 2 \n").count(), 2);
    }

    #[test]
    fn values_from_files() {
        let dir =
            std::env::temp_dir().join(format!("connect-deploy-headers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("key");
        std::fs::write(&file, "s3cr3t-key\n").unwrap();
        let h = parse_file(&format!("X-Api-Key: {}", file.display()), "--header-file").unwrap();
        assert_eq!((h.value.0.as_str(), h.secret), ("s3cr3t-key", true));
        std::fs::write(&file, "s3cr3t\nm0re\n").unwrap();
        let e = parse_file(&format!("X-Api-Key: {}", file.display()), "--header-file").unwrap_err();
        assert!(!e.contains("s3cr3t") && !e.contains("m0re"), "{e}");
        assert!(parse_file("X-Api-Key: /no/such/file", "--header-file").is_err());
        assert!(parse_file("X-Api-Key:", "--header-file").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
