//! The Kafka Connect REST client: requests with time-outs clamped to the deadline,
//! failover across endpoints; what the answers mean is `answer`'s.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ureq::RequestExt;
use ureq::http::{Method, Request};

use crate::base::deadline::Deadline;
use crate::base::error::Error;
use crate::connect::access::{Credentials, Endpoint, Tls, display_url};
use crate::connect::answer::{Failure, Reply};
use crate::connect::forward::AbsoluteForm;
use crate::connect::headers::Header;
use crate::connect::proxy::{self, Proxies, ProxyUrl, Route};
use crate::connect::tls;
use crate::connect::transport::Auth;
use crate::report::redact::Redactor;

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
    /// How each endpoint is reached: directly or through a proxy.
    routes: Vec<Via>,
    /// `--header`, `--header-file`: on every request to Connect.
    headers: Vec<Header>,
    current: usize,
    pub deadline: Deadline,
    /// The end of the whole run (`deadline` may be one connector's slice of it).
    pub run_end: Deadline,
    /// How long the whole run was given (`--timeout`), for the floors that must be
    /// a share of it rather than a fixed time a short run can never give.
    pub run_length: Duration,
    /// Tokens read from a bearer-token file join the run's secrets as they rotate.
    pub redactor: Redactor,
    last_header: Option<String>,
    /// Answers that said "not now" (409, 503, a rebalance, a time-out), counted
    /// across every clone: how many connectors to work on at a time backs off on
    /// them (`steps::batch`).
    pushback: Arc<AtomicU64>,
}

impl Client {
    /// A client for these endpoints; unreadable certificates are usage errors.
    pub fn new(
        endpoints: Vec<Endpoint>,
        tls: &Tls,
        credentials: &Credentials,
        (proxies, headers): (&Proxies, Vec<Header>),
        deadline: Deadline,
        redactor: Redactor,
    ) -> Result<Client, Error> {
        let routes = endpoints
            .iter()
            .map(|e| Via::new(proxies.route(&e.base), &e.base))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Error::Usage)?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are answered, not followed, and ureq's own proxy settings
            // (its environment variables) are not used: credentials go to the
            // configured URLs and nowhere else; `Via` picks a proxy per endpoint.
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
        let forward = AbsoluteForm {
            proxies: routes
                .iter()
                .filter_map(|via| match via {
                    Via::Forward(p) => Some((p.scheme, p.host.clone(), p.port)),
                    _ => None,
                })
                .collect(),
        };
        let agent = ureq::Agent::with_parts(
            config.build(),
            ureq::unversioned::transport::Connector::chain(
                ureq::unversioned::transport::DefaultConnector::new(),
                forward,
            ),
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
            routes,
            headers,
            current: 0,
            deadline,
            run_end: deadline,
            run_length: deadline.remaining(),
            redactor,
            last_header: None,
            pushback: Arc::default(),
        })
    }

    /// One more answer that said "not now" (`Retry` calls it before it waits).
    pub fn pushed_back(&self) {
        self.pushback.fetch_add(1, Ordering::Relaxed);
    }

    /// How many answers said "not now" so far, on this client and its clones.
    pub fn pushbacks(&self) -> u64 {
        self.pushback.load(Ordering::Relaxed)
    }

    /// The endpoint in use, as it may be printed.
    pub fn endpoint(&self) -> String {
        display_url(&self.endpoints[self.current].0.base)
    }

    /// Which endpoints go through which proxy, to be said once; None when no proxy
    /// is set for any.
    pub fn routes(&self) -> Option<String> {
        let said: Vec<String> = self
            .endpoints
            .iter()
            .zip(&self.routes)
            .filter_map(|((e, _), via)| {
                let url = display_url(&e.base);
                match via {
                    Via::Direct => None,
                    Via::Bypassed => Some(format!("{url} directly (NO_PROXY)")),
                    Via::Forward(p) => Some(format!(
                        "{url} through the proxy {} (from {})",
                        p.display(),
                        p.origin
                    )),
                    Via::Tunnel(p, _) => Some(format!(
                        "{url} through the proxy {} (from {}), a CONNECT tunnel",
                        p.display(),
                        p.origin
                    )),
                }
            })
            .collect();
        (!said.is_empty()).then(|| format!("requests to Kafka Connect: {}", said.join("; ")))
    }

    /// How many endpoints there are to try.
    pub fn endpoints(&self) -> usize {
        self.endpoints.len()
    }

    /// Move to the next endpoint, after one was unreachable.
    pub fn failover(&mut self) {
        self.current = (self.current + 1) % self.endpoints.len();
    }

    /// A copy for a read made once before any connector is worked on (the key
    /// types of the plugins, the listing of every connector, the installed
    /// versions): a tenth of the run, at least 2 s (or half of a shorter run), at
    /// most 10 s, so that a worker that hangs there never takes the time the
    /// connectors need. What it cannot learn in that time, the run does without.
    pub fn for_prelude(&self) -> Client {
        const MOST: Duration = Duration::from_secs(10);
        const LEAST: Duration = Duration::from_secs(2);
        let mut client = self.clone();
        let left = client.run_end.remaining();
        let share = (left / 10).max(LEAST.min(left / 2)).min(MOST);
        client.deadline = client.run_end.min(Deadline::after(share));
        client
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
        let via = &self.routes[self.current];
        let url = format!("{}{}", endpoint.base, path);
        let mut request = Request::builder().method(method.clone());
        request = match via {
            // Absolute form to the proxy, as curl sends it: `GET http://host/path`.
            Via::Forward(proxy) => {
                let (uri, host) = forward_uri(proxy, &url).ok_or_else(|| {
                    Failure::Unexpected(format!("cannot build a request for {path}"))
                })?;
                let request = request.uri(uri).header("Host", host);
                match proxy.authorization() {
                    Some(value) => request.header("Proxy-Authorization", value),
                    None => request,
                }
            }
            _ => request.uri(&url),
        };
        let mut request = request
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
        for header in &self.headers {
            request = request.header(header.name.as_str(), header.value.0.as_str());
        }
        let request = request
            .body(body.unwrap_or("").to_string())
            .map_err(|_| Failure::Unexpected(format!("cannot build a request for {path}")))?;
        let mut config = request
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(limit))
            .timeout_resolve(Some(RESOLVE_LIMIT.min(limit)))
            .timeout_connect(Some(CONNECT_LIMIT.min(limit)));
        if let Via::Tunnel(_, tunnel) = via {
            config = config.proxy(Some(tunnel.clone()));
        }
        let result = config.run();
        let mut response = match result {
            Ok(r) => r,
            Err(e) => {
                let failure = via.failure(&e, &self.endpoint());
                self.failover();
                return Err(failure);
            }
        };
        let status = response.status().as_u16();
        if let Via::Forward(proxy) = via
            && let Some(refusal) = forward_refusal(status, response.headers(), proxy)
        {
            return Err(refusal);
        }
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
                let failure = self.routes[self.current].failure(&e, &self.endpoint());
                self.failover();
                Err(failure)
            }
        }
    }
}

/// How requests reach one endpoint.
#[derive(Debug, Clone)]
enum Via {
    Direct,
    /// A proxy is set, but NO_PROXY names this host.
    Bypassed,
    /// An http URL through a proxy: requests in absolute form.
    Forward(ProxyUrl),
    /// An https URL through a proxy: a CONNECT tunnel, TLS end to end.
    Tunnel(ProxyUrl, ureq::Proxy),
}

impl Via {
    /// The way to `base`: https URLs tunnel, http URLs are forwarded.
    fn new(route: Route, base: &str) -> Result<Via, String> {
        Ok(match route {
            Route::Direct => Via::Direct,
            Route::Bypassed => Via::Bypassed,
            Route::Proxy(p) if base.starts_with("https://") => {
                let tunnel = p.tunnel()?;
                Via::Tunnel(p, tunnel)
            }
            Route::Proxy(p) => Via::Forward(p),
        })
    }

    /// A request that got no answer: the proxy's failure named as the proxy's.
    fn failure(&self, e: &ureq::Error, endpoint: &str) -> Failure {
        let proxy = match self {
            Via::Forward(p) | Via::Tunnel(p, _) => p,
            Via::Direct | Via::Bypassed => return transport_failure(e, endpoint),
        };
        let name = proxy.display();
        match e {
            ureq::Error::ConnectProxyFailed(reason) => {
                match proxy::connect_refusal_status(reason) {
                    Some(status) => {
                        proxy::refusal(status, &name, &format!(" to CONNECT for {endpoint}"))
                    }
                    None => Failure::Transient(format!(
                        "the proxy {name} gave no answer to CONNECT for {endpoint}"
                    )),
                }
            }
            ureq::Error::HostNotFound => Failure::Transient(format!(
                "the proxy {name}: its host name does not resolve (yet)"
            )),
            ureq::Error::Io(io) if io.to_string().contains("lookup address") => Failure::Transient(
                format!("the proxy {name}: its host name does not resolve (yet)"),
            ),
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                Failure::Transient(format!("the proxy {name}: connection refused"))
            }
            ureq::Error::ConnectionFailed => {
                Failure::Transient(format!("the proxy {name}: cannot connect"))
            }
            other => transport_failure(other, &format!("{endpoint} through the proxy {name}")),
        }
    }
}

/// The request for `url` sent to the proxy's own address, with the worker's `Host`;
/// `forward::AbsoluteForm` rewrites its request line to carry the whole URL.
fn forward_uri(proxy: &ProxyUrl, url: &str) -> Option<(String, String)> {
    let target: ureq::http::Uri = url.parse().ok()?;
    let host = target.authority()?.as_str().to_string();
    let path = target.path_and_query().map_or("/", |p| p.as_str());
    Some((
        format!("{}://{}:{}{path}", proxy.scheme, proxy.host, proxy.port),
        host,
    ))
}

/// A forward proxy's own answer, not Connect's: a 407, an error page it marks as its
/// own (RFC 9209's `Proxy-Status`, Squid's `X-Squid-Error`), or a 502-504 that is not
/// JSON. Transient or not, it is named as the proxy's.
fn forward_refusal(
    status: u16,
    headers: &ureq::http::HeaderMap,
    proxy: &ProxyUrl,
) -> Option<Failure> {
    // The proxy's own answer, not one it passed on: a Proxy-Status naming an
    // error and no status received from Connect (RFC 9209: a proxy adds
    // `received-status=404` to an answer it forwards), or squid's error page.
    let own = |name: &str, v: &str| {
        name != "proxy-status" || (v.contains("error=") && !v.contains("received-status"))
    };
    let marker = ["proxy-status", "x-squid-error"].iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| own(name, v))
            .map(|v| format!(" ({name}: {})", crate::base::text::cut(v, 200)))
    });
    match (status, marker) {
        (407, marker) => Some(proxy::refusal(
            407,
            &proxy.display(),
            &marker.unwrap_or_default(),
        )),
        (400.., Some(marker)) => Some(proxy::refusal(status, &proxy.display(), &marker)),
        // A gateway error that is not JSON (Connect's errors are): the proxy's page.
        (502..=504, None)
            if !headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.contains("json")) =>
        {
            Some(proxy::refusal(status, &proxy.display(), ""))
        }
        _ => None,
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
