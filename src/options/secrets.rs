//! Every secret the options may hold, so that nothing printed shows one: before the
//! options are checked (`raw_credentials`, for the messages about them) and after
//! (`Options::register_secrets`, for the whole run).

use std::ffi::OsString;

use crate::connect::access::{Credentials, Secret};

use super::Options;
use super::connection::split_urls;
use super::syntax::VARIABLES;
use crate::base::text::percent_decode;

impl Options {
    /// The tool's own credentials, as secrets of the run: the passwords, and the
    /// header values built from them.
    pub fn register_secrets(&self, secrets: &mut crate::report::redact::Secrets) {
        let mut basic = |user: &Secret, password: &Secret| {
            // The user name is no secret, but a gateway that echoes it says who
            // deploys: masked like any value of 4 characters or more.
            secrets.add_value(&user.0, false);
            secrets.add_credential(&password.0);
            let pair = format!("{}:{}", user.0, password.0);
            secrets.add_value(&pair, false);
            secrets.add_value(
                &format!("Basic {}", crate::base::text::base64(pair.as_bytes())),
                false,
            );
        };
        for endpoint in &self.endpoints {
            if let Some((user, password)) = &endpoint.basic {
                basic(user, password);
            }
        }
        match &self.credentials {
            Credentials::Basic(user, password) => basic(user, password),
            Credentials::BearerFile(_) | Credentials::None => {}
        }
        // Proxy credentials: the same forms (`Proxy-Authorization: Basic ...`).
        let p = &self.proxies;
        for proxy in [
            p.explicit.as_ref().and_then(Option::as_ref),
            p.https.as_ref(),
            p.http.as_ref(),
        ]
        .into_iter()
        .flatten()
        {
            if let Some((user, password)) = &proxy.credentials {
                basic(user, password);
            }
        }
        for header in self.headers.iter().filter(|h| h.secret) {
            secrets.add_credential(&header.value.0);
        }
    }
}

/// Every password the arguments and variables may hold, before they are checked:
/// so that no message about them, a usage error included, can show one.
pub fn raw_credentials(
    args: impl IntoIterator<Item = OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Vec<String> {
    let text = |v: OsString| v.to_string_lossy().into_owned();
    let args: Vec<OsString> = args.into_iter().collect();
    let mut urls: Vec<(String, bool)> = env("KAFKA_CONNECT_URL")
        .map(|v| (text(v), true))
        .into_iter()
        .collect();
    // Proxy URLs hold credentials too.
    for name in [
        "KAFKA_CONNECT_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "http_proxy",
        "HTTP_PROXY",
    ] {
        urls.extend(env(name).map(|v| (text(v), true)));
    }
    let mut header_lines: Vec<String> = env("KAFKA_CONNECT_HEADERS")
        .map(|v| text(v).lines().map(String::from).collect())
        .unwrap_or_default();
    let mut parser = lexopt::Parser::from_args(args.clone());
    while let Ok(Some(arg)) = parser.next() {
        let header = arg == lexopt::Arg::Long("header");
        let url = arg == lexopt::Arg::Long("url") || arg == lexopt::Arg::Long("proxy");
        if (header || url)
            && let Ok(v) = parser.value()
        {
            if header {
                header_lines.push(text(v));
            } else {
                urls.push((text(v), true));
            }
        }
    }
    // Any other argument or variable that looks like a URL with credentials
    // (`--url` forgotten, the URL read as a path, a URL given to another option):
    // it is echoed in messages about it.
    urls.extend(args.into_iter().map(|a| (text(a), false)));
    urls.extend(
        VARIABLES
            .iter()
            .filter(|name| **name != "KAFKA_CONNECT_URL")
            .filter_map(|name| env(name))
            .map(|v| (text(v), false)),
    );
    let mut found = Vec::new();
    for (list, is_url) in &urls {
        for url in split_urls(list) {
            found.extend(userinfo_in(&url, *is_url));
        }
    }
    found.extend(env("KAFKA_CONNECT_BASIC_AUTH_PASSWORD").map(text));
    // Every header's value (`X-Api-Key: ...`, `Cookie: ...`): any may be a key.
    for line in &header_lines {
        if let Some((_, value)) = line.split_once(':') {
            found.push(value.trim().to_string());
        }
    }
    found.retain(|s| !s.is_empty());
    found
}

/// What may be credentials in one URL-like text, whatever the spelling of its
/// scheme: `http://`, `http:/`, `http:`, `HTTP:\\\\` and `user:password@host` all
/// carry their userinfo before the last '@'. Only a text that is not given as a URL
/// and has no ':' before its '@' (a path such as `defs/team@2.json`) holds none.
fn userinfo_in(url: &str, is_url: bool) -> Vec<String> {
    let Some(at) = url.rfind('@') else {
        return Vec::new();
    };
    let before = &url[..at];
    if !is_url && !before.contains(':') {
        return Vec::new();
    }
    // What stands after a scheme and its slashes (`user:password@host` reads as
    // scheme `user`: its password is found all the same). Never the scheme itself:
    // secrets are looked for cut short too, and `http:` would hide every URL.
    let userinfo = match split_scheme(url) {
        Some((_, rest)) => rest.rfind('@').map_or(rest, |at| &rest[..at]),
        None => before,
    };
    let mut found = vec![userinfo.to_string()];
    found.extend(percent_decode(userinfo));
    if let Some((_, password)) = userinfo.split_once(':') {
        found.push(password.to_string());
        found.extend(percent_decode(password));
    }
    found
}

/// A scheme (`[A-Za-z][A-Za-z0-9+.-]*:`) and what follows its slashes or backslashes,
/// however many.
fn split_scheme(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    valid.then(|| (scheme, rest.trim_start_matches(['/', '\\'])))
}

#[cfg(test)]
mod tests {
    use super::super::tests::opts;
    use super::*;

    #[test]
    fn proxy_credentials_and_secret_headers_are_secrets_of_the_run() {
        let o = opts(
            &[
                "--header",
                "X-Api-Key: k3y-value",
                "--header",
                "X-Team: data",
            ],
            &[("HTTPS_PROXY", "http://user:pr0xy-pw@p:1")],
        );
        let mut secrets = crate::report::redact::Secrets::default();
        o.register_secrets(&mut secrets);
        let basic = crate::base::text::base64(b"user:pr0xy-pw");
        let text = format!("pr0xy-pw k3y-value Proxy-Authorization: Basic {basic} data");
        let masked = secrets.mask(&text);
        assert!(
            !masked.contains("pr0xy-pw") && !masked.contains("k3y-value"),
            "{masked}"
        );
        assert!(!masked.contains(&basic), "{masked}");
        assert!(
            !masked.contains("data"),
            "every header value is a secret of the run: {masked}"
        );
        // Before the options are checked, too.
        let env =
            |k: &str| (k == "HTTPS_PROXY").then(|| OsString::from("http://user:pr0xy-pw@p:bad"));
        let early = raw_credentials(
            ["--header", "X-Api-Key: k3y-value"].map(OsString::from),
            &env,
        );
        assert!(early.iter().any(|c| c == "pr0xy-pw"), "{early:?}");
        assert!(early.iter().any(|c| c == "k3y-value"), "{early:?}");
    }
}
