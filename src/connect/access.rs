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

/// What follows `scheme://`, split into credentials, authority and the rest. The
/// authority ends at the first '/', '?' or '#' for every URL parser, and holds at
/// most one '@'; where those stand in the credentials, parsers disagree on which
/// host the URL names (`http://u:pw#@host` is host `u` for one, `host` for another),
/// so such a URL is refused: they must be percent-encoded. The error says why.
pub fn split_authority(rest: &str) -> Result<(Option<&str>, &str, &str), &'static str> {
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[authority_end..].contains('@') {
        return Err(
            "has a '/', '?' or '#' before an '@', which URL parsers read differently: \
             percent-encode them in the credentials (%2F, %3F, %23)",
        );
    }
    let (authority, path) = rest.split_at(authority_end);
    match authority.split('@').collect::<Vec<_>>()[..] {
        [host] => Ok((None, host, path)),
        [userinfo, host] => Ok((Some(userinfo), host, path)),
        _ => Err(
            "has more than one '@', which URL parsers read differently: percent-encode \
             the one in the credentials (%40)",
        ),
    }
}

/// `user:password` of a URL, percent-decoded; the error says why not.
pub fn userinfo_credentials(info: Option<&str>) -> Result<Option<(Secret, Secret)>, &'static str> {
    let Some(info) = info else {
        return Ok(None);
    };
    let (user, password) = info.split_once(':').unwrap_or((info, ""));
    let decode =
        |s: &str| crate::base::text::percent_decode(s).ok_or("has badly encoded credentials");
    Ok(Some((Secret(decode(user)?), Secret(decode(password)?))))
}
