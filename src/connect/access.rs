//! Where and how to reach Kafka Connect: endpoints, credentials, TLS settings.
//! The options build these; the client uses them.

use std::path::PathBuf;

/// A Connect REST endpoint, checked: `http(s)://host[:port][/prefix]` without a
/// trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// What requests are built on, userinfo removed.
    pub base: String,
    /// Basic-auth credentials from the URL's userinfo.
    pub basic: Option<(Secret, Secret)>,
}

/// A credential: never shown by `Debug`, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How requests authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Credentials {
    #[default]
    None,
    Basic(Secret, Secret),
    /// Read again before each request: projected tokens rotate.
    BearerFile(PathBuf),
}

/// TLS settings; certificates are read and checked when the client is built.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tls {
    /// Trust these CAs instead of the built-in Mozilla roots.
    pub ca_file: Option<PathBuf>,
    pub cert_file: Option<PathBuf>,
    pub key_file: Option<PathBuf>,
    pub insecure: bool,
}

/// A URL as it may be printed: whatever stands before its last '@' (after the
/// scheme, if any) is replaced, since it can hold a password, even in a URL that
/// cannot be parsed.
pub fn display_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}***@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}
