//! Values of the options that say how to reach Connect: the endpoints (`--url`) and
//! the credentials they carry, the credentials variables, TLS, the proxy and extra
//! headers. Their types are the client's (`connect::access`, `connect::proxy`,
//! `connect::headers`); the options build them.

use std::path::{Path, PathBuf};

use crate::base::error::Error;
use crate::base::files;
use crate::base::text::invisible;
use crate::connect::access::{
    Credentials, Endpoint, Secret, Tls, display_url, split_authority, userinfo_credentials,
};
use crate::connect::headers::{self, Header};
use crate::connect::proxy::{NoProxy, Proxies, ProxyUrl};

use super::values::{flag, non_empty};

pub const DEFAULT_URL: &str = "http://localhost:8083";

/// `--url` (each may be a list), else `KAFKA_CONNECT_URL`, else `DEFAULT_URL`.
pub(super) fn endpoints(
    urls: Vec<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Endpoint>, Error> {
    let (urls, url_origin) = if urls.is_empty() {
        match non_empty(env, "KAFKA_CONNECT_URL") {
            Some(v) => (vec![v], "KAFKA_CONNECT_URL"),
            None => (vec![DEFAULT_URL.to_string()], "default"),
        }
    } else {
        (urls, "--url")
    };
    let mut endpoints = Vec::new();
    for list in &urls {
        for url in split_urls(list) {
            endpoints.push(parse_endpoint(url.trim(), url_origin)?);
        }
    }
    Ok(endpoints)
}

/// A list of URLs split at its commas, except where a comma stands in a password:
/// a piece without `://` belongs to the URL before it.
pub(super) fn split_urls(list: &str) -> Vec<String> {
    let mut urls: Vec<String> = Vec::new();
    for piece in list.split(',') {
        match urls.last_mut() {
            Some(last) if !piece.contains("://") && !last.contains('@') && piece.contains('@') => {
                last.push(',');
                last.push_str(piece);
            }
            _ => urls.push(piece.to_string()),
        }
    }
    urls
}

/// Check one URL: `http` or `https`, userinfo taken out as basic-auth credentials.
pub fn parse_endpoint(url: &str, origin: &str) -> Result<Endpoint, Error> {
    let bad = |why: &str| Error::Usage(format!("{origin}: '{}' {why}", display_url(url)));
    if url.is_empty() {
        return Err(Error::Usage(format!("{origin}: an empty URL in the list")));
    }
    // URL parsers disagree on these: `http://a:1\\@b:2` goes to `b` for one and
    // `a` for another; a blank or a control character ends a URL for some, is
    // dropped by others. The URL could reach another host than the one read.
    if url
        .chars()
        .any(|c| c == '\\' || c.is_whitespace() || c.is_control() || invisible(c))
    {
        return Err(bad(
            "has a backslash, a blank or a control character, which URL parsers read \
             differently: percent-encode it (%5C, %20) or leave it out",
        ));
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(bad("is not a URL: expected http://host:port"));
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad("has an unsupported scheme: expected http or https"));
    }
    if scheme == "https" && !cfg!(feature = "tls") {
        return Err(bad(
            "needs TLS, which this build leaves out (the tls feature)",
        ));
    }
    let (userinfo, authority, path) = split_authority(rest).map_err(bad)?;
    let basic = userinfo_credentials(userinfo).map_err(bad)?;
    if path.contains(['?', '#']) {
        return Err(bad("must not have a query or fragment"));
    }
    let uri: ureq::http::Uri = format!("http://{authority}/")
        .parse()
        .map_err(|_| bad("has an invalid host or port"))?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    let host_end = authority.rfind(']').unwrap_or(0);
    if let Some(colon) = authority[host_end..].rfind(':') {
        let port = &authority[host_end + colon + 1..];
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(bad("has an invalid port"));
        }
    }
    let path = path.trim_end_matches('/');
    Ok(Endpoint {
        base: format!("{scheme}://{authority}{path}"),
        basic,
    })
}

/// `--ca-file`, `--cert-file`, `--key-file`, `--insecure`, else their variables.
pub(super) fn tls(
    (ca_file, cert_file, key_file): (Option<String>, Option<String>, Option<String>),
    insecure: Option<bool>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Tls, Error> {
    let path = |flag: Option<String>, variable: &str| {
        flag.or_else(|| non_empty(env, variable)).map(PathBuf::from)
    };
    Ok(Tls {
        ca_file: path(ca_file, "KAFKA_CONNECT_TLS_ROOT_CA_FILE"),
        cert_file: path(cert_file, "KAFKA_CONNECT_TLS_AUTH_CRT"),
        key_file: path(key_file, "KAFKA_CONNECT_TLS_AUTH_KEY"),
        insecure: flag(insecure, env, "KAFKA_CONNECT_TLS_IS_INSECURE")?,
    })
}

/// Basic auth from `KAFKA_CONNECT_BASIC_AUTH_*` (values or `_FILE`s), or a bearer
/// token file; never both.
pub(super) fn credentials(env: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, Error> {
    let secret = |name: &str| -> Result<Option<Secret>, Error> {
        let file_var = format!("{name}_FILE");
        match (env(name), non_empty(env, &file_var)) {
            (Some(_), Some(_)) => Err(Error::Usage(format!("give {name} or {file_var}, not both"))),
            (Some(v), None) => Ok(Some(Secret(v))),
            (None, Some(path)) => files::read_text(Path::new(&path), files::MAX_CREDENTIAL)
                .map(|v| Some(Secret(v.trim_end_matches(['\n', '\r']).to_string())))
                .map_err(|e| Error::Usage(format!("{file_var}: {e}"))),
            (None, None) => Ok(None),
        }
    };
    let user = secret("KAFKA_CONNECT_BASIC_AUTH_USERNAME")?;
    let password = secret("KAFKA_CONNECT_BASIC_AUTH_PASSWORD")?;
    let bearer = non_empty(env, "KAFKA_CONNECT_BEARER_TOKEN_FILE").map(PathBuf::from);
    match (user, password, bearer) {
        (Some(_), _, Some(_)) | (_, Some(_), Some(_)) => Err(Error::Usage(
            "give basic-auth credentials or KAFKA_CONNECT_BEARER_TOKEN_FILE, not both".into(),
        )),
        (Some(u), Some(p), None) => Ok(Credentials::Basic(u, p)),
        (Some(_), None, None) | (None, Some(_), None) => Err(Error::Usage(
            "basic auth needs both KAFKA_CONNECT_BASIC_AUTH_USERNAME and ..._PASSWORD (or their _FILE forms)".into(),
        )),
        (None, None, Some(path)) => {
            // Read now, so that an unusable file is a usage error before any request;
            // it is read again before each request, as projected tokens rotate.
            crate::connect::transport::read_token(&path)
                .map_err(|e| Error::Usage(format!("KAFKA_CONNECT_BEARER_TOKEN_FILE: {e}")))?;
            Ok(Credentials::BearerFile(path))
        }
        (None, None, None) => Ok(Credentials::None),
    }
}

/// `--proxy` (`''` turns proxies off), else `KAFKA_CONNECT_PROXY` (set but empty
/// turns them off too), else the standard variables as curl reads them, lower case
/// first; `no_proxy`/`NO_PROXY` applies to every proxy, as in curl.
pub(super) fn proxies(
    flag: Option<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Proxies, Error> {
    let parse =
        |text: &str, origin: &'static str| ProxyUrl::parse(text, origin).map_err(Error::Usage);
    let explicit = match (flag, env("KAFKA_CONNECT_PROXY")) {
        (Some(v), _) if v.trim().is_empty() => Some(None),
        (Some(v), _) => Some(Some(parse(&v, "--proxy")?)),
        (None, Some(v)) if v.trim().is_empty() => Some(None),
        (None, Some(v)) => Some(Some(parse(&v, "KAFKA_CONNECT_PROXY")?)),
        (None, None) => None,
    };
    let standard = |names: [&'static str; 2]| -> Result<Option<ProxyUrl>, Error> {
        match names
            .into_iter()
            .find_map(|n| non_empty(env, n).map(|v| (n, v)))
        {
            Some((name, value)) => parse(&value, name).map(Some),
            None => Ok(None),
        }
    };
    let (https, http) = match explicit {
        Some(_) => (None, None),
        None => (
            standard(["https_proxy", "HTTPS_PROXY"])?,
            standard(["http_proxy", "HTTP_PROXY"])?,
        ),
    };
    let no_proxy = ["no_proxy", "NO_PROXY"]
        .into_iter()
        .find_map(env)
        .map_or_else(NoProxy::default, |v| NoProxy::parse(&v));
    Ok(Proxies {
        explicit,
        https,
        http,
        no_proxy,
    })
}

/// `--header` (else `KAFKA_CONNECT_HEADERS`, one per line) and `--header-file` (else
/// `KAFKA_CONNECT_HEADER_FILES`), each name once.
pub(super) fn extra_headers(
    flags: Vec<String>,
    file_flags: Vec<String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Header>, Error> {
    let from = |flags: Vec<String>, flag: &'static str, variable: &'static str| {
        if flags.is_empty() {
            let text = env(variable).unwrap_or_default();
            let lines: Vec<String> = headers::lines(&text).map(String::from).collect();
            (lines, variable)
        } else {
            (flags, flag)
        }
    };
    let mut found = Vec::new();
    let (plain, origin) = from(flags, "--header", "KAFKA_CONNECT_HEADERS");
    for text in &plain {
        found.push(headers::parse(text, origin).map_err(Error::Usage)?);
    }
    let (files, origin) = from(file_flags, "--header-file", "KAFKA_CONNECT_HEADER_FILES");
    for text in &files {
        found.push(headers::parse_file(text, origin).map_err(Error::Usage)?);
    }
    headers::check_unique(&found).map_err(Error::Usage)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::super::Options;
    use super::super::tests::{opts, run};
    use super::*;

    #[test]
    fn several_urls_in_order() {
        let o = opts(
            &["--url", "http://a:1, http://b:2/prefix/", "--url=http://c"],
            &[],
        );
        let bases: Vec<_> = o.endpoints.iter().map(|e| e.base.as_str()).collect();
        assert_eq!(bases, ["http://a:1", "http://b:2/prefix", "http://c"]);
    }

    #[test]
    fn credentials_in_urls_are_taken_out_and_never_echoed() {
        let o = opts(
            &["--url", "http://us%40er:s3cr%3At@host:8443/connect/"],
            &[],
        );
        assert_eq!(o.endpoints[0].base, "http://host:8443/connect");
        let (u, p) = o.endpoints[0].basic.clone().unwrap();
        assert_eq!((u.0.as_str(), p.0.as_str()), ("us@er", "s3cr:t"));
        assert!(!format!("{o:?}").contains("s3cr"), "Debug hides secrets");
        let Err(e) = run(&["--url", "http://user:s3cret@host:bad"], &[]) else {
            panic!()
        };
        assert!(!e.message().contains("s3cret"), "{e}");
    }

    #[test]
    fn https_needs_the_tls_feature() {
        let r = run(&["--url", "https://host:8443"], &[]);
        assert_eq!(r.is_ok(), cfg!(feature = "tls"), "{r:?}");
    }

    #[test]
    fn tls_and_credentials_from_the_environment() {
        let o = opts(
            &["--ca-file", "ca.pem"],
            &[
                ("KAFKA_CONNECT_TLS_ROOT_CA_FILE", "other.pem"),
                ("KAFKA_CONNECT_TLS_AUTH_CRT", "c.pem"),
                ("KAFKA_CONNECT_TLS_AUTH_KEY", "k.pem"),
                ("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "admin"),
                ("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", "pw"),
            ],
        );
        assert_eq!(o.tls.ca_file, Some(PathBuf::from("ca.pem")));
        assert_eq!(o.tls.cert_file, Some(PathBuf::from("c.pem")));
        assert_eq!(
            o.credentials,
            Credentials::Basic(Secret("admin".into()), Secret("pw".into()))
        );
        let o = opts(
            &["--insecure", "--ca-file", "x"],
            &[("KAFKA_CONNECT_BEARER_TOKEN_FILE", "/etc/hostname")],
        );
        assert!(o.tls.insecure);
        assert_eq!(
            o.credentials,
            Credentials::BearerFile("/etc/hostname".into())
        );
        assert_eq!(
            o.ignored,
            ["--ca-file has no effect with --insecure: nothing is verified"]
        );
    }

    #[test]
    fn proxies_as_curl_reads_them() {
        let host = |p: &Option<ProxyUrl>| p.as_ref().map(|p| p.host.clone());
        let o = opts(
            &[],
            &[
                ("HTTPS_PROXY", "http://upper:1"),
                ("https_proxy", "http://lower:1"),
                ("HTTP_PROXY", "plain:3128"),
                ("NO_PROXY", ".svc"),
            ],
        );
        assert_eq!(
            host(&o.proxies.https),
            Some("lower".into()),
            "lower case wins"
        );
        assert_eq!(host(&o.proxies.http), Some("plain".into()));
        assert_eq!(o.proxies.explicit, None);
        assert!(o.proxies.no_proxy.matches("a.svc", 80));
        let o = opts(
            &["--proxy", "http://mine:1"],
            &[("KAFKA_CONNECT_PROXY", "http://var:1")],
        );
        assert_eq!(
            o.proxies
                .explicit
                .as_ref()
                .and_then(|p| p.clone())
                .map(|p| p.host),
            Some("mine".into())
        );
        let o = opts(
            &[],
            &[
                ("KAFKA_CONNECT_PROXY", "http://var:1"),
                ("HTTPS_PROXY", "bad://"),
            ],
        );
        assert_eq!(
            o.proxies
                .explicit
                .as_ref()
                .and_then(|p| p.clone())
                .map(|p| p.origin),
            Some("KAFKA_CONNECT_PROXY")
        );
        assert_eq!(
            o.proxies.https, None,
            "the standard variables are not read then"
        );
        for (args, vars) in [
            (vec!["--proxy", ""], vec![("HTTP_PROXY", "http://p:1")]),
            (
                vec![],
                vec![("KAFKA_CONNECT_PROXY", ""), ("HTTP_PROXY", "http://p:1")],
            ),
        ] {
            assert_eq!(
                opts(&args, &vars).proxies.explicit,
                Some(None),
                "{args:?} {vars:?}"
            );
        }
        assert_eq!(opts(&[], &[("HTTP_PROXY", " ")]).proxies.http, None);
        for (args, vars) in [
            (vec!["--proxy", "socks5://p:1080"], vec![]),
            (vec![], vec![("HTTPS_PROXY", "http://u:s3cret@p:x")]),
            (vec![], vec![("KAFKA_CONNECT_PROXY", "http://p/path")]),
        ] {
            let r = run(&args, &vars);
            assert!(
                matches!(&r, Err(Error::Usage(m)) if !m.contains("s3cret")),
                "{args:?} {vars:?} gave {r:?}"
            );
        }
    }

    #[test]
    fn headers_from_flags_and_variables() {
        let names = |o: &Options| o.headers.iter().map(|h| h.name.clone()).collect::<Vec<_>>();
        let o = opts(
            &[],
            &[("KAFKA_CONNECT_HEADERS", "X-A: 1\n\nX-B: two words\n")],
        );
        assert_eq!(names(&o), ["X-A", "X-B"]);
        let o = opts(
            &["--header", "X-C: 3"],
            &[("KAFKA_CONNECT_HEADERS", "X-A: 1")],
        );
        assert_eq!(names(&o), ["X-C"], "a flag replaces the variable's list");
        let o = opts(
            &[
                "--header",
                "X-C: 3",
                "--header-file",
                "X-Key: /etc/hostname",
            ],
            &[],
        );
        assert_eq!(names(&o), ["X-C", "X-Key"]);
        assert!(o.headers[1].secret);
        for (args, vars) in [
            (vec!["--header", "Authorization: Basic x"], vec![]),
            (vec!["--header", "X-A: 1", "--header", "x-a: 2"], vec![]),
            (
                vec![],
                vec![("KAFKA_CONNECT_HEADER_FILES", "X-Key: /no/such/file")],
            ),
            (vec!["--header"], vec![]),
        ] {
            let r = run(&args, &vars);
            assert!(
                matches!(r, Err(Error::Usage(_))),
                "{args:?} {vars:?} gave {r:?}"
            );
        }
    }
}
