//! Proxies as curl uses them: `https_proxy`/`HTTPS_PROXY` for https URLs,
//! `http_proxy`/`HTTP_PROXY` for http URLs, `no_proxy`/`NO_PROXY` for the hosts
//! reached directly, and one explicit proxy (`--proxy`, `KAFKA_CONNECT_PROXY`) over
//! them. An https URL goes through a CONNECT tunnel (TLS end to end, verified with
//! the Connect host's name); an http URL is sent to the proxy in absolute form
//! (`GET http://host:8083/path`), as curl sends it. Either way the proxy resolves
//! the Connect host's name, never this process. Pure data and rules; the client
//! acts on them.

use std::net::IpAddr;

use crate::base::text::{base64, invisible};
use crate::connect::access::{Secret, display_url, split_authority, userinfo_credentials};
use crate::connect::answer::Failure;

/// A proxy, checked: `http(s)://[user[:password]@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// `http` or `https` (TLS to the proxy itself).
    pub scheme: &'static str,
    /// As a URL writes it: an IPv6 address in brackets.
    pub host: String,
    pub port: u16,
    /// Sent as `Proxy-Authorization: Basic`, to the proxy only.
    pub credentials: Option<(Secret, Secret)>,
    /// The option or variable it came from, for messages.
    pub origin: &'static str,
}

impl ProxyUrl {
    /// Parse a proxy URL as curl reads one: the scheme defaults to `http`, the port
    /// to 1080 (`http`) or 443 (`https`); a path of `/` is allowed, nothing more.
    /// Messages never show the userinfo.
    pub fn parse(text: &str, origin: &'static str) -> Result<ProxyUrl, String> {
        let text = text.trim();
        let bad = |why: &str| format!("{origin}: '{}' {why}", display_url(text));
        if text
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control() || invisible(c))
        {
            return Err(bad(
                "has a backslash, a blank or a control character: percent-encode it",
            ));
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
            None => ("http".to_string(), text),
        };
        let scheme = match scheme.as_str() {
            "http" => "http",
            "https" if cfg!(feature = "tls") => "https",
            "https" => return Err(bad("needs TLS, which this build leaves out")),
            s if s.starts_with("socks") => {
                return Err(bad(
                    "is a SOCKS proxy, which is not supported: use an HTTP proxy",
                ));
            }
            _ => return Err(bad("has an unsupported scheme: expected http or https")),
        };
        let (userinfo, authority, path) = split_authority(rest).map_err(bad)?;
        if !path.is_empty() && path != "/" {
            return Err(bad(
                "has a path, a query or a fragment: give scheme://host:port",
            ));
        }
        let uri: ureq::http::Uri = format!("http://{authority}/")
            .parse()
            .map_err(|_| bad("has an invalid host or port"))?;
        let host = match uri.host() {
            Some(h) if !h.is_empty() => h.to_string(),
            _ => return Err(bad("has no host")),
        };
        let host_end = authority.rfind(']').unwrap_or(0);
        let port = match authority[host_end..].rfind(':') {
            Some(colon) => match authority[host_end + colon + 1..].parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(bad("has an invalid port")),
            },
            None if scheme == "https" => 443,
            None => 1080,
        };
        let credentials = userinfo_credentials(userinfo).map_err(bad)?;
        Ok(ProxyUrl {
            scheme,
            host,
            port,
            credentials,
            origin,
        })
    }

    /// The proxy as it may be printed: credentials replaced.
    pub fn display(&self) -> String {
        let info = if self.credentials.is_some() {
            "***@"
        } else {
            ""
        };
        format!("{}://{info}{}:{}", self.scheme, self.host, self.port)
    }

    /// `Proxy-Authorization`'s value, when the URL holds credentials.
    pub fn authorization(&self) -> Option<String> {
        self.credentials.as_ref().map(|(user, password)| {
            format!(
                "Basic {}",
                base64(format!("{}:{}", user.0, password.0).as_bytes())
            )
        })
    }

    /// The same proxy for ureq, which tunnels through it with CONNECT and lets it
    /// resolve the target's name.
    pub fn tunnel(&self) -> Result<ureq::Proxy, String> {
        let protocol = if self.scheme == "https" {
            ureq::ProxyProtocol::Https
        } else {
            ureq::ProxyProtocol::Http
        };
        let mut builder = ureq::Proxy::builder(protocol)
            .host(&self.host)
            .port(self.port)
            .resolve_target(false);
        if let Some((user, password)) = &self.credentials {
            builder = builder.username(&user.0).password(&password.0);
        }
        builder
            .build()
            .map_err(|_| format!("{}: '{}' cannot be used", self.origin, self.display()))
    }
}

/// The proxy settings of a run: nothing is chosen until a URL asks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Proxies {
    /// `--proxy` or `KAFKA_CONNECT_PROXY`: `Some(None)` turns proxies off.
    pub explicit: Option<Option<ProxyUrl>>,
    pub https: Option<ProxyUrl>,
    pub http: Option<ProxyUrl>,
    pub no_proxy: NoProxy,
}

/// How one endpoint is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Direct,
    /// Through this proxy; an `http` URL in absolute form, an `https` one through a
    /// CONNECT tunnel.
    Proxy(ProxyUrl),
    /// A proxy was set, but `NO_PROXY` names this host.
    Bypassed,
}

impl Proxies {
    /// The route to an endpoint (`scheme://host[:port][/prefix]`).
    pub fn route(&self, base: &str) -> Route {
        let https = base.starts_with("https://");
        let chosen = match &self.explicit {
            Some(explicit) => explicit.as_ref(),
            None if https => self.https.as_ref(),
            None => self.http.as_ref(),
        };
        let Some(proxy) = chosen else {
            return Route::Direct;
        };
        let Some((host, port)) = host_and_port(base) else {
            return Route::Proxy(proxy.clone());
        };
        if self.no_proxy.matches(&host, port) {
            Route::Bypassed
        } else {
            Route::Proxy(proxy.clone())
        }
    }
}

/// The host (lower case, without brackets or a trailing dot) and port of a URL.
fn host_and_port(base: &str) -> Option<(String, u16)> {
    let uri: ureq::http::Uri = base.parse().ok()?;
    let host = uri.host()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let default = if uri.scheme_str() == Some("https") {
        443
    } else {
        80
    };
    Some((host, uri.port_u16().unwrap_or(default)))
}

/// `NO_PROXY` as curl reads it: comma- (or blank-) separated entries; `*` alone
/// matches every host; a name matches itself and its subdomains, with or without a
/// leading `.` (or `*.`); an IP address matches itself, `addr/bits` a network.
/// Names are compared as written, never resolved. An entry may end in `:port` (for
/// IPv6, `[addr]:port`), and then matches that port only. Entries that are none of
/// these match nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoProxy {
    pub all: bool,
    entries: Vec<(Pattern, Option<u16>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Name(String),
    Network(IpAddr, u8),
}

impl NoProxy {
    pub fn parse(list: &str) -> NoProxy {
        let mut no_proxy = NoProxy::default();
        for entry in list.split([',', ' ', '\t', '\n']).map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                no_proxy.all = true;
                continue;
            }
            if let Some(parsed) = parse_entry(entry) {
                no_proxy.entries.push(parsed);
            }
        }
        no_proxy
    }

    /// Whether a host (lower case, no brackets) on this port is reached directly.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let ip = host.parse::<IpAddr>().ok();
        self.entries.iter().any(|(pattern, p)| {
            p.is_none_or(|p| p == port)
                && match (pattern, ip) {
                    (Pattern::Network(net, bits), Some(ip)) => in_network(ip, *net, *bits),
                    (Pattern::Name(name), None) => {
                        host == name
                            || (host.len() > name.len()
                                && host.ends_with(name.as_str())
                                && host.as_bytes()[host.len() - name.len() - 1] == b'.')
                    }
                    _ => false,
                }
        })
    }
}

fn parse_entry(entry: &str) -> Option<(Pattern, Option<u16>)> {
    let entry = entry.to_ascii_lowercase();
    // `[v6]` or `[v6]:port`; `v6` or `v6/bits` bare; `name:port`, `v4:port`.
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after.strip_prefix(':') {
            Some(port) => (host.to_string(), Some(port.parse::<u16>().ok()?)),
            None if after.is_empty() || after.starts_with('/') => (format!("{host}{after}"), None),
            None => return None,
        }
    } else if entry.matches(':').count() == 1 {
        let (host, port) = entry.split_once(':')?;
        (host.to_string(), Some(port.parse::<u16>().ok()?))
    } else {
        (entry, None)
    };
    if let Some((addr, bits)) = host.split_once('/') {
        let addr: IpAddr = addr.parse().ok()?;
        let bits: u8 = bits.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        return (bits <= max).then_some((Pattern::Network(addr, bits), port));
    }
    if let Ok(addr) = host.parse::<IpAddr>() {
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        return Some((Pattern::Network(addr, bits), port));
    }
    let name = host
        .trim_start_matches("*.")
        .trim_start_matches('.')
        .trim_end_matches('.');
    if name.is_empty() || name.contains(['*', '/', '@']) {
        return None;
    }
    Some((Pattern::Name(name.to_string()), port))
}

fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// The proxy's own refusal, named as the proxy's (never Connect's): 407 and 401 are
/// its credentials, 403 and other 4xx its policy (both 77: waiting does not change
/// them); 408, 429 and 5xx (it cannot reach or resolve the worker yet) are worth
/// another attempt.
pub fn refusal(status: u16, proxy: &str, detail: &str) -> Failure {
    let said = format!("the proxy {proxy} answered HTTP {status}{detail}");
    match status {
        407 | 401 => Failure::Denied(format!(
            "{said}: it refused the proxy credentials (user:password@ in the proxy URL)"
        )),
        408 | 429 | 500..=599 => Failure::Transient(format!("{said}, not Kafka Connect")),
        400..=499 => Failure::Denied(format!("{said}: it refused to pass the request on")),
        _ => Failure::Unexpected(format!("{said}, which is not an answer a proxy gives")),
    }
}

/// ureq's text for a CONNECT the proxy refused (`proxy server responded 407/...`):
/// its status code.
pub fn connect_refusal_status(reason: &str) -> Option<u16> {
    let rest = reason.split("responded ").nth(1)?;
    rest.get(..3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> ProxyUrl {
        ProxyUrl::parse(text, "--proxy").unwrap()
    }

    #[test]
    fn proxy_urls_as_curl_reads_them() {
        let p = url("proxy.corp:3128");
        assert_eq!(
            (p.scheme, p.host.as_str(), p.port),
            ("http", "proxy.corp", 3128)
        );
        assert_eq!(url("http://proxy.corp").port, 1080);
        assert_eq!(url("HTTP://proxy.corp:8080/").port, 8080);
        assert_eq!(url("http://[::1]:3128").host, "[::1]");
        let p = url("http://us%40er:p%3Ass%2Fw@proxy:3128");
        let (u, pw) = p.credentials.clone().unwrap();
        assert_eq!((u.0.as_str(), pw.0.as_str()), ("us@er", "p:ss/w"));
        assert_eq!(p.display(), "http://***@proxy:3128");
        assert_eq!(
            p.authorization().as_deref(),
            Some(format!("Basic {}", base64(b"us@er:p:ss/w")).as_str())
        );
        assert!(!format!("{p:?}").contains("p:ss"));
        for bad in [
            "socks5://proxy:1080",
            "ftp://proxy",
            "http://proxy:0",
            "http://proxy:99999",
            "http://proxy:",
            "http://proxy:3128/path",
            "http://proxy:3128?x",
            "http://",
            "http://pro xy",
            "http://u:%zz@proxy",
        ] {
            assert!(ProxyUrl::parse(bad, "--proxy").is_err(), "{bad}");
        }
        let e = ProxyUrl::parse("http://user:s3cret@proxy:bad", "HTTPS_PROXY").unwrap_err();
        assert!(
            e.starts_with("HTTPS_PROXY:") && !e.contains("s3cret"),
            "{e}"
        );
    }

    #[test]
    fn no_proxy_as_curl_matches() {
        let n = NoProxy::parse(
            ".svc, example.com,*.corp.net ,10.0.0.0/8,192.168.1.7, ::1, fd00::/8, api:8443, [fe80::1]:8083",
        );
        for (host, port, expected) in [
            ("a.b.svc", 80, true),
            ("svc", 80, true),
            ("xsvc", 80, false),
            ("example.com", 8083, true),
            ("www.example.com", 8083, true),
            ("notexample.com", 8083, false),
            ("corp.net", 80, true),
            ("x.corp.net", 80, true),
            ("10.1.2.3", 80, true),
            ("11.1.2.3", 80, false),
            ("192.168.1.7", 80, true),
            ("192.168.1.8", 80, false),
            ("::1", 80, true),
            ("fd12::5", 80, true),
            ("fe80::1", 8083, true),
            ("fe80::1", 8084, false),
            ("api", 8443, true),
            ("api", 8083, false),
            // Names are never resolved: an IP entry does not match a name.
            ("localhost", 80, false),
        ] {
            assert_eq!(n.matches(host, port), expected, "{host}:{port}");
        }
        assert!(NoProxy::parse("*").matches("anything", 1));
        assert!(NoProxy::parse("a, *").matches("anything", 1));
        let none = NoProxy::parse(" , 10.0.0.0/99, *.*, :x");
        assert!(!none.matches("10.0.0.1", 80) && !none.all);
    }

    #[test]
    fn routes_by_scheme_and_precedence() {
        let proxies = Proxies {
            explicit: None,
            https: Some(url("http://secure:1")),
            http: Some(url("http://plain:2")),
            no_proxy: NoProxy::parse("direct.svc,127.0.0.1"),
        };
        let host = |r: Route| match r {
            Route::Proxy(p) => p.host,
            Route::Direct => "direct".into(),
            Route::Bypassed => "bypassed".into(),
        };
        assert_eq!(host(proxies.route("https://connect:8443")), "secure");
        assert_eq!(host(proxies.route("http://connect:8083/prefix")), "plain");
        assert_eq!(host(proxies.route("http://x.DIRECT.svc.:8083")), "bypassed");
        assert_eq!(host(proxies.route("http://127.0.0.1:8083")), "bypassed");
        let explicit = Proxies {
            explicit: Some(Some(url("http://mine:3"))),
            ..proxies.clone()
        };
        assert_eq!(host(explicit.route("https://connect:8443")), "mine");
        assert_eq!(host(explicit.route("http://direct.svc")), "bypassed");
        let off = Proxies {
            explicit: Some(None),
            ..proxies
        };
        assert_eq!(host(off.route("https://connect:8443")), "direct");
        assert_eq!(host(Proxies::default().route("http://a")), "direct");
    }

    #[test]
    fn refusals_are_the_proxys() {
        assert!(
            matches!(refusal(407, "http://p:1", ""), Failure::Denied(m) if m.contains("http://p:1"))
        );
        assert!(matches!(refusal(403, "p", ""), Failure::Denied(_)));
        assert!(matches!(refusal(405, "p", ""), Failure::Denied(_)));
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(refusal(status, "p", ""), Failure::Transient(m) if m.contains("not Kafka Connect"))
            );
        }
        assert!(matches!(refusal(204, "p", ""), Failure::Unexpected(_)));
        // ureq 3.5.2's words for a refused CONNECT.
        assert_eq!(
            connect_refusal_status("proxy server responded 407/407"),
            Some(407)
        );
        assert_eq!(connect_refusal_status("proxy server did not respond"), None);
    }
}
