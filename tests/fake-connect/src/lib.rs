//! A fake Kafka Connect worker for connect-deploy's tests: a model of the REST API as
//! `connect-rest.md` and the recorded 4.1.0 transcript describe it (start-up phases,
//! versions, Jackson's coercions, basic auth's plain-text 401, error messages that
//! echo configs), plus scripted answers per test and a record of every request.
//!
//! Plain `std::net::TcpListener`, one thread per connection, HTTP/1.1 keep-alive.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// A worker's behaviour, fixed at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// What `GET /` reports; decides which endpoints and answers exist.
    pub version: String,
    /// Jetty listens but every path answers an HTML 404 (start-up step 2).
    pub html404_for: Duration,
    /// `GET /` answers but the herder is not ready (step 3): `/health` 503,
    /// connector requests 500 `Request timed out`.
    pub starting_for: Duration,
    /// Basic auth (user, password) on every path.
    pub auth: Option<(String, String)>,
    /// Connector classes installed (full names; simple names and `...Connector`-less
    /// aliases are accepted as Connect does).
    pub plugins: Vec<String>,
    /// Mask the values of PASSWORD-typed keys (`password_keys`) in `GET .../config`
    /// and the expanded listing, as vendor builds do: by type, never by name.
    pub mask_passwords: bool,
    /// Keys a plugin declares, with their type (`PASSWORD`, `STRING`, ...), as
    /// `GET /connector-plugins/{class}/config` (3.2+) and validation list them:
    /// (class as listed in `plugins`, key, type). Undeclared keys are `STRING`, but
    /// for validation, where a key containing "password" is `PASSWORD`.
    pub declared: Vec<(String, String, String)>,
    /// What a masked value is shown as (Confluent Platform: twelve U+2022).
    pub mask: String,
    /// The keys every plugin here declares PASSWORD-typed (`GET
    /// /connector-plugins/{class}/config` lists them so).
    pub password_keys: Vec<String>,
    /// The version every plugin is installed at (KIP-891 listing, status `version`);
    /// None: the worker's own version.
    pub plugin_version: Option<String>,
    /// Confluent RBAC per connector name: every request concerning a connector whose
    /// name starts with one of these is answered 403, and the listing leaves it out.
    pub forbidden_prefixes: Vec<String>,
    /// A client-override allowlist policy (KIP-1188, 4.2): a write holding a
    /// `*.override.*` key not listed here, or a `sasl.jaas.config` naming a login
    /// module not listed, is refused with 400 echoing the value.
    pub override_allowlist: Option<Vec<String>>,
    /// Accept only this bearer token.
    pub bearer: Option<String>,
    /// Serve HTTPS.
    pub tls: Option<TlsServer>,
    /// Misbehave at random, reproducibly per seed (the simulator's chaos mode).
    pub chaos: Option<Chaos>,
    /// A real worker's time per write to `/connectors...`: `(alone, in turn)`. Each
    /// write first takes `alone` side by side with the others (the REST layer,
    /// validation), then `in turn`, one write at a time (the leader's herder and
    /// its config topic). Zero: answered at once.
    pub write_latency: (Duration, Duration),
}

/// What a worker, its rebalances and the proxies in front of it can do to a run, each
/// as a chance in a thousand per request, drawn from `seed` in request order.
#[derive(Debug, Clone, Default)]
pub struct Chaos {
    pub seed: u64,
    /// A write is applied, then its answer is lost (`500 Request timed out`, or the
    /// connection closed).
    pub lost: u32,
    /// A write is answered `500 Request timed out` and applied after 1 to `late_by`
    /// more requests, or just before the next write for the same connector.
    pub late: u32,
    pub late_by: u32,
    /// A rebalance storm starts: the next 1 to `storm_len` requests to `/connectors...`
    /// are answered 409 or 500 `rebalance expected`.
    pub storm: u32,
    pub storm_len: u32,
    /// The body of an answer dribbles out a few bytes at a time.
    pub slow: u32,
    /// An answer whose body never ends.
    pub endless: u32,
    /// No answer for `hang_for` (interrupted when the fake stops).
    pub hang: u32,
    pub hang_for: Duration,
    /// `PATCH`/`DELETE .../offsets` and `PUT .../stop|resume|pause` fail (lost after
    /// applying, 409, or an unexplained 500).
    pub offsets_fail: u32,
    /// A gateway's 502, 500 or 400 that echoes the request: headers, and the body as
    /// text, base64 (at a random alignment), hex or percent-encoded, or the decoded
    /// basic-auth credentials in base64 after a prefix of 0 to 2 bytes.
    pub echo: u32,
    /// An unexplained 500 (`java.lang.NullPointerException`).
    pub other500: u32,
    /// Connectors whose every request is answered 403.
    pub forbidden: Vec<String>,
    /// Connectors whose every write (and validation) is answered 409 for ever.
    pub stuck: Vec<String>,
}

/// One answer as sent, with what chaos did to it (`""`: the model's own answer).
#[derive(Debug, Clone)]
pub struct Answer {
    pub request: Request,
    pub status: u16,
    pub chaos: &'static str,
    pub body: String,
    /// When the answer was decided (sending it may take longer: see `chaos`).
    pub done: Instant,
}

/// A change the model made: a write that landed, whoever's answer said what.
#[derive(Debug, Clone)]
pub struct Applied {
    pub method: String,
    pub path: String,
    /// The connector concerned (from the path, or a POST's body).
    pub name: String,
    pub status: u16,
    /// `late` when it landed after its answer was sent.
    pub how: &'static str,
    pub at: Instant,
}

/// HTTPS for the fake: a server certificate, and the CA that client certificates
/// must chain to when mutual TLS is required.
#[derive(Clone)]
pub struct TlsServer {
    pub cert_pem: String,
    pub key_pem: String,
    pub client_ca_pem: Option<String>,
    /// Offer only ChaCha20-Poly1305 suites, which connect-deploy leaves out: a
    /// server with no cipher suite in common.
    pub chacha_only: bool,
}

impl std::fmt::Debug for TlsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TlsServer {{ mutual: {} }}",
            self.client_ca_pem.is_some()
        )
    }
}

impl TlsServer {
    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let mut provider = rustls::crypto::ring::default_provider();
        if self.chacha_only {
            use rustls::crypto::ring::cipher_suite as suite;
            provider.cipher_suites = vec![
                suite::TLS13_CHACHA20_POLY1305_SHA256,
                suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            ];
        }
        let provider = Arc::new(provider);
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .expect("server certificate PEM");
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).expect("server key PEM");
        let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .expect("protocol versions");
        let builder = match &self.client_ca_pem {
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                for c in CertificateDer::pem_slice_iter(ca.as_bytes()) {
                    roots.add(c.expect("client CA PEM")).expect("client CA");
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .expect("client verifier");
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        Arc::new(
            builder
                .with_single_cert(certs, key)
                .expect("server certificate and key"),
        )
    }
}

/// A CA, a server certificate for `localhost`, `127.0.0.1` and `connectors`, and a
/// client certificate, made at test time.
pub struct TestPki {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

impl TestPki {
    pub fn generate() -> TestPki {
        TestPki::generate_with(&["localhost", "127.0.0.1", "connectors"], None)
    }

    /// With a server certificate for `server_names` only, valid from January 1st of
    /// the first of `valid_years` to January 1st of the second, when given.
    pub fn generate_with(server_names: &[&str], valid_years: Option<(i32, i32)>) -> TestPki {
        use rcgen::{
            BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
            KeyUsagePurpose,
        };
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "connect-deploy test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
        let leaf = |names: Vec<String>,
                    usage: ExtendedKeyUsagePurpose,
                    cn: &str,
                    years: Option<(i32, i32)>| {
            let key = KeyPair::generate().expect("key");
            let mut params = CertificateParams::new(names).expect("params");
            if let Some((from, until)) = years {
                params.not_before = rcgen::date_time_ymd(from, 1, 1);
                params.not_after = rcgen::date_time_ymd(until, 1, 1);
            }
            params.distinguished_name.push(DnType::CommonName, cn);
            params.extended_key_usages = vec![usage];
            let cert = params
                .signed_by(&key, &ca_cert, &ca_key)
                .expect("certificate");
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert_pem, server_key_pem) = leaf(
            server_names.iter().map(|n| n.to_string()).collect(),
            ExtendedKeyUsagePurpose::ServerAuth,
            "connectors",
            valid_years,
        );
        let (client_cert_pem, client_key_pem) = leaf(
            vec!["connect-deploy".into()],
            ExtendedKeyUsagePurpose::ClientAuth,
            "connect-deploy",
            None,
        );
        TestPki {
            ca_pem: ca_cert.pem(),
            server_cert_pem,
            server_key_pem,
            client_cert_pem,
            client_key_pem,
        }
    }

    /// The server side; `mutual` requires client certificates from this CA.
    pub fn server(&self, mutual: bool) -> TlsServer {
        TlsServer {
            cert_pem: self.server_cert_pem.clone(),
            key_pem: self.server_key_pem.clone(),
            client_ca_pem: mutual.then(|| self.ca_pem.clone()),
            chacha_only: false,
        }
    }

    /// Write ca.pem, server.pem, server-key.pem, client.pem, client-key.pem into `dir`.
    pub fn write_to(&self, dir: &std::path::Path) -> std::io::Result<()> {
        for (name, text) in [
            ("ca.pem", &self.ca_pem),
            ("server.pem", &self.server_cert_pem),
            ("server-key.pem", &self.server_key_pem),
            ("client.pem", &self.client_cert_pem),
            ("client-key.pem", &self.client_key_pem),
        ] {
            std::fs::write(dir.join(name), text)?;
        }
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            version: "4.1.0".into(),
            html404_for: Duration::ZERO,
            starting_for: Duration::ZERO,
            auth: None,
            plugins: vec![
                "org.apache.kafka.connect.file.FileStreamSourceConnector".into(),
                "org.apache.kafka.connect.file.FileStreamSinkConnector".into(),
                "io.confluent.kafka.connect.datagen.DatagenConnector".into(),
            ],
            mask_passwords: false,
            declared: Vec::new(),
            mask: "********".into(),
            password_keys: [
                "connection.password",
                "database.password",
                "ssl.key.password",
                "ssl.keystore.password",
                "ssl.truststore.password",
                "ssl.keystore.key",
                "ssl.truststore.certificates",
                "sasl.jaas.config",
            ]
            .iter()
            .map(|k| k.to_string())
            .collect(),
            plugin_version: None,
            forbidden_prefixes: Vec::new(),
            override_allowlist: None,
            bearer: None,
            tls: None,
            chaos: None,
            write_latency: (Duration::ZERO, Duration::ZERO),
        }
    }
}

impl Config {
    pub fn version(mut self, v: &str) -> Self {
        self.version = v.into();
        self
    }
    pub fn html404_for(mut self, d: Duration) -> Self {
        self.html404_for = d;
        self
    }
    pub fn starting_for(mut self, d: Duration) -> Self {
        self.starting_for = d;
        self
    }
    pub fn auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some((user.into(), password.into()));
        self
    }
    pub fn mask_passwords(mut self) -> Self {
        self.mask_passwords = true;
        self
    }
    /// The plugin `class` (a full name from `plugins`) declares `key` of `kind`.
    pub fn declare(mut self, class: &str, key: &str, kind: &str) -> Self {
        self.declared.push((class.into(), key.into(), kind.into()));
        self
    }
    /// Only these connector plugins are installed (full class names).
    pub fn plugins(mut self, classes: &[&str]) -> Self {
        self.plugins = classes.iter().map(|c| c.to_string()).collect();
        self
    }

    /// The type the plugin behind `class` (any accepted form) gives `key`.
    fn declared_type(&self, class: &str, key: &str) -> Option<&str> {
        let plugin = resolve_plugin(self, class)?;
        self.declared
            .iter()
            .find(|(c, k, _)| c == plugin && k == key)
            .map(|(_, _, t)| t.as_str())
            .or_else(|| {
                self.password_keys
                    .iter()
                    .any(|k| k == key)
                    .then_some("PASSWORD")
            })
    }
    /// Confluent Platform 8.x as it masks: `8.1.0-ccs`, PASSWORD-typed values shown
    /// as twelve U+2022.
    pub fn confluent_masking(mut self, version: &str) -> Self {
        self.version = version.into();
        self.mask_passwords = true;
        self.mask = "\u{2022}".repeat(12);
        self
    }
    pub fn mask_text(mut self, mask: &str) -> Self {
        self.mask_passwords = true;
        self.mask = mask.into();
        self
    }
    pub fn password_keys(mut self, keys: &[&str]) -> Self {
        self.password_keys = keys.iter().map(|k| k.to_string()).collect();
        self
    }
    pub fn plugin_version(mut self, v: &str) -> Self {
        self.plugin_version = Some(v.into());
        self
    }
    pub fn forbid(mut self, prefix: &str) -> Self {
        self.forbidden_prefixes.push(prefix.into());
        self
    }
    pub fn override_allowlist(mut self, allowed: &[&str]) -> Self {
        self.override_allowlist = Some(allowed.iter().map(|k| k.to_string()).collect());
        self
    }
    fn installed_version(&self) -> String {
        self.plugin_version.clone().unwrap_or_else(|| {
            self.version
                .split('-')
                .next()
                .unwrap_or(&self.version)
                .to_string()
        })
    }
    fn forbidden(&self, name: &str) -> bool {
        self.forbidden_prefixes.iter().any(|p| name.starts_with(p))
    }
    pub fn bearer(mut self, token: &str) -> Self {
        self.bearer = Some(token.into());
        self
    }
    pub fn tls(mut self, tls: TlsServer) -> Self {
        self.tls = Some(tls);
        self
    }
    pub fn write_latency(mut self, alone: Duration, in_turn: Duration) -> Self {
        self.write_latency = (alone, in_turn);
        self
    }
    pub fn chaos(mut self, chaos: Chaos) -> Self {
        self.chaos = Some(chaos);
        self
    }

    fn at_least(&self, major: u32, minor: u32) -> bool {
        let mut parts = self.version.split(['.', '-']);
        let a: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let b: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        (a, b) >= (major, minor)
    }
}

/// An answer to send instead of the model's.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
    /// Wait this long before answering (a hung worker: use a long one).
    pub delay: Duration,
    /// Also apply the request to the model (a write that timed out but still lands).
    pub still_apply: bool,
    /// The write is applied later: just before the next write for the same connector
    /// (whose answer then sees it), as a worker's lost-and-late create does.
    pub lands_late: bool,
    /// Close the connection without answering.
    pub hang_up: bool,
    pub headers: Vec<(String, String)>,
    /// Send the body a few bytes at a time, this long apart.
    pub dribble: Duration,
    /// Announce a huge body and never finish it.
    pub endless: bool,
    /// What chaos made of this answer (`""`: none).
    pub chaos: &'static str,
}

impl Reply {
    /// Connect's usual JSON error body.
    pub fn error(status: u16, message: &str) -> Reply {
        Reply::raw(
            status,
            Some("application/json"),
            &json!({"error_code": status, "message": message}).to_string(),
        )
    }
    pub fn raw(status: u16, content_type: Option<&str>, body: &str) -> Reply {
        Reply {
            status,
            content_type: content_type.map(str::to_string),
            body: body.into(),
            delay: Duration::ZERO,
            still_apply: false,
            lands_late: false,
            hang_up: false,
            headers: Vec::new(),
            dribble: Duration::ZERO,
            endless: false,
            chaos: "",
        }
    }
    pub fn html404() -> Reply {
        Reply::raw(404, Some("text/html;charset=iso-8859-1"), HTML_404)
    }
    pub fn delayed(mut self, d: Duration) -> Self {
        self.delay = d;
        self
    }
    pub fn still_apply(mut self) -> Self {
        self.still_apply = true;
        self
    }
    pub fn lands_late(mut self) -> Self {
        self.lands_late = true;
        self
    }
}

/// A scripted answer for the next `times` requests matching `method` and a path
/// (exact, or a prefix when it ends with `*`).
#[derive(Debug, Clone)]
pub struct Rule {
    pub method: String,
    pub path: String,
    pub times: usize,
    pub reply: Reply,
}

impl Rule {
    pub fn new(method: &str, path: &str, times: usize, reply: Reply) -> Rule {
        Rule {
            method: method.into(),
            path: path.into(),
            times,
            reply,
        }
    }
    fn matches(&self, method: &str, path: &str) -> bool {
        (self.method == "*" || self.method == method)
            && match self.path.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => self.path == path,
            }
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A connector's task states, in order, each lasting a while; the last one stays.
#[derive(Debug, Clone)]
pub struct Timeline(pub Vec<(Duration, Status)>);

/// What `GET .../status` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub connector: String,
    /// (state, trace) of each task.
    pub tasks: Vec<(String, Option<String>)>,
}

impl Status {
    pub fn new(connector: &str, tasks: &[&str]) -> Status {
        Status {
            connector: connector.into(),
            tasks: tasks.iter().map(|t| (t.to_string(), None)).collect(),
        }
    }
    /// Tasks failing with this trace.
    pub fn failed_task(connector: &str, trace: &str) -> Status {
        Status {
            connector: connector.into(),
            tasks: vec![("FAILED".into(), Some(trace.into()))],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Connector {
    pub config: Map<String, Value>,
    /// RUNNING, PAUSED or STOPPED, as asked for.
    pub target: String,
    pub created: Instant,
    /// Scripted status; without one, the model's: its target state, one task per
    /// `tasks.max` (default 1), tasks RUNNING when RUNNING.
    pub timeline: Option<Timeline>,
    pub restarts: usize,
    pub writes: usize,
}

#[derive(Default)]
struct State {
    connectors: BTreeMap<String, Connector>,
    rules: VecDeque<Rule>,
    requests: Vec<Request>,
    /// Timelines to give connectors when they are created.
    timelines: BTreeMap<String, Timeline>,
    /// Timelines to use after a restart.
    after_restart: BTreeMap<String, Timeline>,
    /// Source offsets by connector name: they outlive the connector, as in Kafka.
    offsets: BTreeMap<String, Vec<Value>>,
    answers: Vec<Answer>,
    applied: Vec<Applied>,
    /// Chaos: its random state, the storm's answers left, writes yet to land.
    rng: u64,
    storm_left: u32,
    late: Vec<(u32, Request)>,
}

struct Shared {
    config: Config,
    started: Instant,
    state: Mutex<State>,
    changed: Condvar,
    closed: AtomicBool,
    log: bool,
    /// Writes to `/connectors...` being answered now, and the most at once.
    writing: AtomicUsize,
    most_writing: AtomicUsize,
    /// One write at a time through here (`Config::write_latency`).
    herder: Mutex<()>,
}

/// A running fake worker. Dropping it stops accepting connections.
pub struct FakeConnect {
    shared: Arc<Shared>,
    addr: SocketAddr,
}

impl FakeConnect {
    /// Listen on 127.0.0.1 on a free port.
    pub fn start(config: Config) -> FakeConnect {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        FakeConnect::serve(listener, config, false)
    }

    /// Serve on a listener the caller bound (a reserved port, or the binary's address).
    pub fn serve(listener: TcpListener, config: Config, log: bool) -> FakeConnect {
        let addr = listener.local_addr().expect("local address");
        let seed = config.chaos.as_ref().map_or(0, |c| c.seed);
        let shared = Arc::new(Shared {
            config,
            started: Instant::now(),
            state: Mutex::new(State {
                rng: seed,
                ..State::default()
            }),
            changed: Condvar::new(),
            closed: AtomicBool::new(false),
            log,
            writing: AtomicUsize::new(0),
            most_writing: AtomicUsize::new(0),
            herder: Mutex::new(()),
        });
        let s = Arc::clone(&shared);
        let tls = s.config.tls.as_ref().map(TlsServer::server_config);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if s.closed.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let _ = stream.set_nodelay(true);
                let s = Arc::clone(&s);
                let tls = tls.clone();
                thread::spawn(move || match tls {
                    Some(config) => {
                        let Ok(connection) = rustls::ServerConnection::new(config) else {
                            return;
                        };
                        handle(rustls::StreamOwned::new(connection, stream), &s);
                    }
                    None => handle(stream, &s),
                });
            }
        });
        FakeConnect { shared, addr }
    }

    pub fn url(&self) -> String {
        let scheme = if self.shared.config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answer the next matching requests with a scripted reply.
    pub fn script(&self, rule: Rule) {
        self.shared.state.lock().unwrap().rules.push_back(rule);
    }

    /// A connector that exists before the run.
    pub fn put_connector(&self, name: &str, config: Value) {
        let mut config = config.as_object().expect("an object").clone();
        config.insert("name".into(), name.into());
        let mut st = self.shared.state.lock().unwrap();
        let timeline = st.timelines.get(name).cloned();
        st.connectors.insert(
            name.into(),
            Connector {
                config,
                target: "RUNNING".into(),
                created: Instant::now(),
                timeline,
                restarts: 0,
                writes: 0,
            },
        );
    }

    /// Set an existing connector's target state (RUNNING, PAUSED, STOPPED).
    pub fn set_target(&self, name: &str, target: &str) {
        if let Some(c) = self.shared.state.lock().unwrap().connectors.get_mut(name) {
            c.target = target.into();
        }
    }

    /// Give a connector (existing or yet to be created) a scripted status.
    pub fn timeline(&self, name: &str, steps: Vec<(Duration, Status)>) {
        let mut st = self.shared.state.lock().unwrap();
        if let Some(c) = st.connectors.get_mut(name) {
            c.timeline = Some(Timeline(steps.clone()));
            c.created = Instant::now();
        }
        st.timelines.insert(name.into(), Timeline(steps));
    }

    /// The status a connector moves to when it is restarted.
    pub fn after_restart(&self, name: &str, steps: Vec<(Duration, Status)>) {
        self.shared
            .state
            .lock()
            .unwrap()
            .after_restart
            .insert(name.into(), Timeline(steps));
    }

    pub fn connector(&self, name: &str) -> Option<Connector> {
        self.shared
            .state
            .lock()
            .unwrap()
            .connectors
            .get(name)
            .cloned()
    }

    /// Source offsets stored for a connector name (they outlive the connector).
    pub fn offsets(&self, name: &str) -> Vec<Value> {
        self.shared
            .state
            .lock()
            .unwrap()
            .offsets
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// Offsets left by an earlier connector of this name.
    pub fn leave_offsets(&self, name: &str, offsets: Vec<Value>) {
        self.shared
            .state
            .lock()
            .unwrap()
            .offsets
            .insert(name.into(), offsets);
    }

    pub fn connector_names(&self) -> Vec<String> {
        self.shared
            .state
            .lock()
            .unwrap()
            .connectors
            .keys()
            .cloned()
            .collect()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.state.lock().unwrap().requests.clone()
    }

    /// Every answer, in the order they were decided.
    pub fn answers(&self) -> Vec<Answer> {
        self.shared.state.lock().unwrap().answers.clone()
    }

    /// Every change that landed in the model, in order.
    pub fn applied(&self) -> Vec<Applied> {
        self.shared.state.lock().unwrap().applied.clone()
    }

    /// Writes answered "timed out" that have not landed yet.
    pub fn pending_late(&self) -> usize {
        self.shared.state.lock().unwrap().late.len()
    }

    /// Requests with this method whose path starts with `prefix`.
    /// The most writes to `/connectors...` it was answering at once.
    pub fn most_writes_at_once(&self) -> usize {
        self.shared.most_writing.load(Ordering::SeqCst)
    }

    pub fn count(&self, method: &str, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .count()
    }

    /// Block until `n` requests arrived, or `limit` passed; how many arrived.
    pub fn wait_for_requests(&self, n: usize, limit: Duration) -> usize {
        let end = Instant::now() + limit;
        let mut st = self.shared.state.lock().unwrap();
        while st.requests.len() < n {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = self.shared.changed.wait_timeout(st, left).unwrap().0;
        }
        st.requests.len()
    }
}

impl Drop for FakeConnect {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(100));
    }
}

const HTML_404: &str = "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html;charset=ISO-8859-1\"/>\n<title>Error 404 Not Found</title>\n</head>\n<body>\n<h2>HTTP ERROR 404 Not Found</h2>\n</body>\n</html>\n";

fn handle<S: Read + Write>(stream: S, shared: &Shared) {
    let mut reader = BufReader::new(stream);
    loop {
        let Some(request) = read_request(&mut reader) else {
            return;
        };
        if shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let write = request.path.starts_with("/connectors")
            && matches!(request.method.as_str(), "PUT" | "POST" | "PATCH" | "DELETE");
        if write {
            let now = shared.writing.fetch_add(1, Ordering::SeqCst) + 1;
            shared.most_writing.fetch_max(now, Ordering::SeqCst);
            let (alone, in_turn) = shared.config.write_latency;
            thread::sleep(alone);
            if !in_turn.is_zero() {
                let _turn = shared.herder.lock().unwrap_or_else(|e| e.into_inner());
                thread::sleep(in_turn);
            }
        }
        let reply = respond(shared, &request);
        if write {
            shared.writing.fetch_sub(1, Ordering::SeqCst);
        }
        {
            let mut st = shared.state.lock().unwrap();
            st.requests.push(request.clone());
            shared.changed.notify_all();
        }
        if shared.log {
            println!("{} {} -> {}", request.method, request.path, reply.status);
        }
        // Recorded when decided, so that an answer that never ends (a hang, an endless
        // body) is in the record while the client still waits for it.
        shared.state.lock().unwrap().answers.push(Answer {
            request: request.clone(),
            status: reply.status,
            chaos: reply.chaos,
            body: reply.body.clone(),
            done: Instant::now(),
        });
        if !reply.delay.is_zero() && !pause(shared, reply.delay) {
            return;
        }
        if reply.hang_up {
            return;
        }
        let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
        if let Some(ct) = &reply.content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        for (name, value) in &reply.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let length = if reply.endless {
            1 << 40
        } else {
            reply.body.len()
        };
        head.push_str(&format!("Content-Length: {length}\r\n\r\n"));
        let writer = reader.get_mut();
        let sent = if reply.endless {
            // A body that never ends: a little every 20 ms until the client leaves.
            writer.write_all(head.as_bytes()).is_ok()
                && writer.write_all(reply.body.as_bytes()).is_ok()
                && loop {
                    if !pause(shared, Duration::from_millis(20))
                        || writer.write_all(b"          ").is_err()
                        || writer.flush().is_err()
                    {
                        break false;
                    }
                }
        } else if !reply.dribble.is_zero() {
            writer.write_all(head.as_bytes()).is_ok()
                && reply.body.as_bytes().chunks(8).all(|chunk| {
                    writer.flush().is_ok()
                        && pause(shared, reply.dribble)
                        && writer.write_all(chunk).is_ok()
                })
        } else {
            // One write: head and body in separate segments would wait on the client's
            // delayed ACK (Nagle), about 40 ms per answer on a kept-alive connection.
            head.push_str(&reply.body);
            writer.write_all(head.as_bytes()).is_ok()
        };
        let _ = writer.flush();
        if !sent {
            return;
        }
    }
}

/// Sleep, but give up (false) when the fake stops.
fn pause(shared: &Shared, d: Duration) -> bool {
    let end = Instant::now() + d;
    loop {
        if shared.closed.load(Ordering::SeqCst) {
            return false;
        }
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        thread::sleep(left.min(Duration::from_millis(25)));
    }
}

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        415 => "Unsupported Media Type",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn json_reply(status: u16, body: Value) -> Reply {
    Reply::raw(status, Some("application/json"), &body.to_string())
}

fn empty(status: u16) -> Reply {
    Reply::raw(status, None, "")
}

fn respond(shared: &Shared, request: &Request) -> Reply {
    let config = &shared.config;
    land_late_writes(shared, request);
    let elapsed = shared.started.elapsed();
    if elapsed < config.html404_for {
        return Reply::html404();
    }
    let path = request.path.as_str();
    let scripted = {
        let mut st = shared.state.lock().unwrap();
        let found = st
            .rules
            .iter()
            .position(|r| r.matches(&request.method, path));
        found.map(|i| {
            let rule = &mut st.rules[i];
            rule.times -= 1;
            let reply = rule.reply.clone();
            if rule.times == 0 {
                st.rules.remove(i);
            }
            if reply.lands_late {
                st.late.push((0, request.clone()));
            }
            reply
        })
    };
    if let Some(reply) = scripted {
        if reply.still_apply {
            apply_model(shared, request, "lost");
        }
        return reply;
    }
    // Scripted answers come first, so a test can script what a worker says before
    // its credentials check; Connect's auth extension guards every other path.
    let expected = match (&config.auth, &config.bearer) {
        (Some((user, password)), _) => {
            Some(format!("Basic {}", base64(&format!("{user}:{password}"))))
        }
        (None, Some(token)) => Some(format!("Bearer {token}")),
        (None, None) => None,
    };
    if let Some(expected) = expected
        && request.header("authorization") != Some(expected.as_str())
    {
        // Connect's basic-auth extension: plain text although it says JSON.
        return Reply::raw(
            401,
            Some("application/json"),
            "User cannot access the resource.",
        );
    }
    let starting = elapsed < config.html404_for + config.starting_for;
    if starting && path != "/" {
        if path == "/health" && config.at_least(3, 9) {
            return json_reply(
                503,
                json!({"status": "starting", "message": "Worker is still starting up."}),
            );
        }
        return Reply::error(
            500,
            "Request timed out. The worker is currently initializing and reading to the end of internal topics.",
        );
    }
    if let Some(name) = connector_of(request)
        && config.forbidden(&name)
    {
        return Reply::error(
            403,
            &format!("User:alice is not permitted to access Connector:{name}"),
        );
    }
    if let Some(reply) = chaos(shared, request) {
        return reply;
    }
    apply_model(shared, request, "")
}

/// Writes answered "timed out" earlier land now: counted down one per request, or
/// (count 0) just before the next write for the same connector, whose answer then
/// sees it.
fn land_late_writes(shared: &Shared, now: &Request) {
    let write = matches!(now.method.as_str(), "PUT" | "POST" | "PATCH" | "DELETE");
    let name = connector_of(now);
    let due: Vec<Request> = {
        let mut st = shared.state.lock().unwrap();
        let mut due = Vec::new();
        let mut keep = Vec::new();
        for (n, r) in std::mem::take(&mut st.late) {
            if n == 0 {
                if write && name.is_some() && connector_of(&r) == name {
                    due.push(r);
                } else {
                    keep.push((0, r));
                }
            } else if n <= 1 {
                due.push(r);
            } else {
                keep.push((n - 1, r));
            }
        }
        st.late = keep;
        due
    };
    for r in due {
        apply_model(shared, &r, "late");
    }
}

fn next_random(state: &mut u64) -> u64 {
    // splitmix64
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The connector a request concerns: from its path, or the `name` in its body.
pub fn connector_of(request: &Request) -> Option<String> {
    let path = request.path.split('?').next().unwrap_or("");
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match seg.as_slice() {
        ["connectors", name, ..] if !name.is_empty() => Some(percent_decode(name)),
        ["connectors"] | ["connector-plugins", ..] if !request.body.is_empty() => {
            let body: Value = serde_json::from_str(&request.body).ok()?;
            body.get("name")
                .and_then(Value::as_str)
                .map(|n| n.trim().to_string())
        }
        _ => None,
    }
}

const TIMED_OUT: &str = "Request timed out";

/// What chaos does to this request, if anything.
fn chaos(shared: &Shared, request: &Request) -> Option<Reply> {
    let chaos = shared.config.chaos.as_ref()?;
    let method = request.method.as_str();
    let path = request.path.as_str();
    let name = connector_of(request);
    let on_connectors = path.starts_with("/connectors");
    let write = on_connectors && matches!(method, "PUT" | "POST" | "PATCH" | "DELETE");
    let validate = path.starts_with("/connector-plugins/") && path.contains("/validate");
    let step = write
        && ["/offsets", "/stop", "/resume", "/pause"]
            .iter()
            .any(|e| path.split('?').next().unwrap_or("").ends_with(e));
    let tag = |mut r: Reply, t: &'static str| {
        r.chaos = t;
        r
    };
    let mut st = shared.state.lock().unwrap();
    let mut roll =
        |per_mille: u32| per_mille > 0 && next_random(&mut st.rng) % 1000 < u64::from(per_mille);
    // Draw every chance in a fixed order, so that a seed replays the same answers.
    let hit_storm = roll(chaos.storm);
    let hit_hang = roll(chaos.hang);
    let hit_lost = roll(chaos.lost);
    let hit_late = roll(chaos.late);
    let hit_step = roll(chaos.offsets_fail);
    let hit_echo = roll(chaos.echo);
    let hit_500 = roll(chaos.other500);
    let hit_slow = roll(chaos.slow);
    let hit_endless = roll(chaos.endless);
    let r1 = next_random(&mut st.rng);
    let r2 = next_random(&mut st.rng);
    if let Some(n) = &name {
        if chaos.forbidden.contains(n) {
            return Some(tag(
                Reply::error(
                    403,
                    &format!("User is not authorized to access connector {n}"),
                ),
                "forbidden",
            ));
        }
        if (write || validate) && chaos.stuck.contains(n) {
            return Some(tag(
                Reply::error(
                    409,
                    "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)",
                ),
                "stuck",
            ));
        }
    }
    let storm_reply = |r: u64| {
        if r.is_multiple_of(2) {
            Reply::error(
                409,
                "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
            )
        } else {
            Reply::error(
                500,
                "Request cannot be completed because a rebalance is expected",
            )
        }
    };
    if on_connectors && st.storm_left > 0 {
        st.storm_left -= 1;
        return Some(tag(storm_reply(r1), "storm"));
    }
    if on_connectors && hit_storm {
        st.storm_left = (r2 % u64::from(chaos.storm_len.max(1))) as u32;
        return Some(tag(storm_reply(r1), "storm"));
    }
    if hit_hang {
        return Some(tag(
            Reply::error(500, TIMED_OUT).delayed(chaos.hang_for),
            "hang",
        ));
    }
    if write && hit_late {
        let n = (r1 % u64::from(chaos.late_by.max(1) + 1)) as u32;
        st.late.push((n, request.clone()));
        return Some(tag(Reply::error(500, TIMED_OUT), "late"));
    }
    if (write && hit_lost) || (step && hit_step && r1.is_multiple_of(3)) {
        drop(st);
        apply_model(shared, request, "lost");
        let mut r = Reply::error(500, TIMED_OUT);
        r.hang_up = r2.is_multiple_of(2);
        return Some(tag(r, "lost"));
    }
    if step && hit_step {
        return Some(tag(
            if r1 % 3 == 1 {
                storm_reply(0)
            } else {
                Reply::error(500, "java.lang.NullPointerException")
            },
            "step",
        ));
    }
    if hit_echo {
        return Some(tag(echo(request, r1, r2), "echo"));
    }
    if hit_500 {
        return Some(tag(
            Reply::error(500, "java.lang.NullPointerException"),
            "other500",
        ));
    }
    if hit_slow || hit_endless {
        drop(st);
        let mut r = apply_model(shared, request, "");
        if hit_endless {
            r.endless = true;
            return Some(tag(r, "endless"));
        }
        r.dribble = Duration::from_millis(40 + r1 % 120);
        return Some(tag(r, "slow"));
    }
    None
}

/// A gateway's error page that repeats the request it could not forward: its headers,
/// and its body as text, base64 after a prefix of 0 to 2 bytes, hex or percent-encoded.
fn echo(request: &Request, r1: u64, r2: u64) -> Reply {
    let headers: Vec<String> = request
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let prefix = &"ab"[..(r2 % 3) as usize];
    // What the client authenticated as, decoded (a gateway logging its user).
    let credentials = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(unbase64)
        .unwrap_or_default();
    let body = match r1 % 5 {
        4 => format!(
            "{} user={}",
            request.body,
            base64(&format!("{prefix}{credentials}"))
        ),
        0 => request.body.clone(),
        1 => base64(&format!("{prefix}{}", request.body)),
        2 => request.body.bytes().map(|b| format!("{b:02x}")).collect(),
        _ => request
            .body
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect(),
    };
    let text = format!(
        "upstream connect error: {} {} [{}] request={}",
        request.method,
        request.path,
        headers.join("; "),
        body
    );
    let text = if r2.is_multiple_of(2) {
        format!("x{text}")
    } else {
        format!(
            "request-id {}: {}",
            base64(&format!("{prefix}{text}")),
            text.len()
        )
    };
    // A 502 is retried quietly; a 500 and a 400 are shown with the run's outcome.
    let status = [502, 500, 400][(r2 / 3 % 3) as usize];
    Reply::raw(status, Some("text/plain"), &text)
}

/// The model's answer, recording what changed.
fn apply_model(shared: &Shared, request: &Request, how: &'static str) -> Reply {
    let reply = model(shared, request);
    let write = matches!(request.method.as_str(), "PUT" | "POST" | "PATCH" | "DELETE")
        && request.path.starts_with("/connectors");
    if write && (200..300).contains(&reply.status) {
        let mut st = shared.state.lock().unwrap();
        st.applied.push(Applied {
            method: request.method.clone(),
            path: request.path.clone(),
            name: connector_of(request).unwrap_or_default(),
            status: reply.status,
            how,
            at: Instant::now(),
        });
    }
    reply
}

/// The worker proper.
fn model(shared: &Shared, request: &Request) -> Reply {
    let config = &shared.config;
    let (path, query) = request.path.split_once('?').unwrap_or((&request.path, ""));
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    let writes_body = matches!(method, "PUT" | "POST" | "PATCH") && !request.body.is_empty();
    if writes_body
        && !request
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/json"))
    {
        return Reply::error(415, "HTTP 415 Unsupported Media Type");
    }
    let mut st = shared.state.lock().unwrap();
    match (method, seg.as_slice()) {
        ("GET", [""]) => json_reply(
            200,
            json!({"version": config.version, "commit": "13f70256db3c994c", "kafka_cluster_id": "fake-cluster"}),
        ),
        ("GET", ["health"]) if config.at_least(3, 9) => json_reply(
            200,
            json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."}),
        ),
        ("GET", ["connectors"]) if query.contains("expand=") && config.at_least(2, 3) => {
            let mut all = Map::new();
            for (name, c) in &st.connectors {
                if config.forbidden(name) {
                    continue;
                }
                let mut entry = Map::new();
                if query.contains("expand=info") {
                    let mut shown = info(name, c);
                    if let Some(Value::Object(cfg)) = shown.get_mut("config") {
                        vendor_keys(config, cfg);
                    }
                    entry.insert("info".into(), shown);
                }
                if query.contains("expand=status") {
                    entry.insert("status".into(), status_of(config, name, c));
                }
                all.insert(name.clone(), Value::Object(entry));
            }
            json_reply(200, Value::Object(all))
        }
        ("GET", ["connectors"]) => json_reply(
            200,
            Value::from(
                st.connectors
                    .keys()
                    .filter(|n| !config.forbidden(n))
                    .cloned()
                    .collect::<Vec<_>>(),
            ),
        ),
        ("GET", ["connector-plugins"]) => {
            let version = config.installed_version();
            let mut listed: Vec<Value> = config
                .plugins
                .iter()
                .map(|p| json!({"class": p, "type": if p.contains("Sink") {"sink"} else {"source"}, "version": version}))
                .collect();
            if query.contains("connectorsOnly=false") {
                for (class, kind) in [
                    (
                        "org.apache.kafka.connect.storage.StringConverter",
                        "converter",
                    ),
                    ("org.apache.kafka.connect.json.JsonConverter", "converter"),
                    (
                        "org.apache.kafka.connect.transforms.InsertField$Value",
                        "transformation",
                    ),
                    (
                        "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
                        "predicate",
                    ),
                ] {
                    listed.push(json!({"class": class, "type": kind, "version": version}));
                }
            }
            json_reply(200, Value::from(listed))
        }
        ("GET", ["connector-plugins", class, "config"]) if config.at_least(3, 2) => {
            match resolve_plugin(config, class) {
                None => Reply::error(404, &format!("Unknown plugin {class}.")),
                Some(plugin) => {
                    let mut keys: Vec<(String, String)> = [
                        "name",
                        "connector.class",
                        "tasks.max",
                        "key.converter",
                        "value.converter",
                    ]
                    .iter()
                    .map(|k| {
                        (
                            k.to_string(),
                            if *k == "tasks.max" { "INT" } else { "STRING" }.to_string(),
                        )
                    })
                    .collect();
                    for k in &config.password_keys {
                        keys.retain(|(have, _)| have != k);
                        keys.push((k.clone(), "PASSWORD".to_string()));
                    }
                    for (c, k, t) in &config.declared {
                        if c == plugin {
                            keys.retain(|(have, _)| have != k);
                            keys.push((k.clone(), t.clone()));
                        }
                    }
                    json_reply(
                        200,
                        Value::from(
                            keys.iter()
                                .map(|(k, t)| json!({"name": k, "type": t, "required": false, "default_value": null, "importance": "MEDIUM", "documentation": "", "group": "Common", "width": "NONE", "display_name": k, "dependents": [], "order": 0}))
                                .collect::<Vec<_>>(),
                        ),
                    )
                }
            }
        }
        ("GET", ["connectors", name]) => match st.connectors.get(*name) {
            Some(c) => json_reply(200, info(name, c)),
            None => not_found(name),
        },
        ("GET", ["connectors", name, "config"]) => match st.connectors.get(*name) {
            Some(c) => {
                let mut shown = c.config.clone();
                vendor_keys(config, &mut shown);
                json_reply(200, Value::Object(shown))
            }
            None => not_found(name),
        },
        ("GET", ["connectors", name, "status"]) => match st.connectors.get(*name) {
            Some(c) => json_reply(200, status_of(config, name, c)),
            None => Reply::error(404, &format!("No status found for connector {name}")),
        },
        ("PUT", ["connectors", name, "config"]) => {
            let parsed = match coerce_config(&request.body) {
                Ok(c) => c,
                Err(reply) => return reply,
            };
            put_config(config, &mut st, name, parsed)
        }
        ("POST", ["connectors"]) => {
            let body: Map<String, Value> = match serde_json::from_str(&request.body) {
                Ok(b) => b,
                Err(e) => return Reply::error(500, &jackson_message(&e)),
            };
            for key in body.keys() {
                let known = ["name", "config"].contains(&key.as_str())
                    || (key == "initial_state" && config.at_least(3, 7));
                if !known {
                    return Reply::error(
                        500,
                        &format!(
                            "Unrecognized field \"{key}\" (class org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest), not marked as ignorable"
                        ),
                    );
                }
            }
            let Some(name) = body.get("name").and_then(Value::as_str).map(str::trim) else {
                return Reply::error(400, "Connector name cannot be empty");
            };
            let Some(Value::Object(cfg)) = body.get("config") else {
                return Reply::error(500, "java.lang.NullPointerException");
            };
            let cfg_text = Value::Object(cfg.clone()).to_string();
            let parsed = match coerce_config(&cfg_text) {
                Ok(c) => c,
                Err(reply) => return reply,
            };
            if let Some(reply) = validate(config, name, &parsed) {
                return reply;
            }
            if st.connectors.contains_key(name) {
                return Reply::error(409, &format!("Connector {name} already exists"));
            }
            let target = body
                .get("initial_state")
                .and_then(Value::as_str)
                .unwrap_or("RUNNING");
            let reply = put_config(config, &mut st, name, parsed);
            if let Some(c) = st.connectors.get_mut(name) {
                c.target = target.to_string();
            }
            reply
        }
        ("PUT", ["connectors", name, action @ ("pause" | "resume" | "stop")]) => {
            if *action == "stop" && !config.at_least(3, 5) {
                return Reply::error(404, "HTTP 404 Not Found");
            }
            match st.connectors.get_mut(*name) {
                Some(c) => {
                    c.target = match *action {
                        "pause" => "PAUSED",
                        "stop" => "STOPPED",
                        _ => "RUNNING",
                    }
                    .into();
                    c.timeline = None;
                    empty(if *action == "stop" { 204 } else { 202 })
                }
                None => not_found(name),
            }
        }
        ("POST", ["connectors", name, "restart"]) => {
            let name = name.to_string();
            let Some(c) = st.connectors.get_mut(&name) else {
                return not_found(&name);
            };
            c.restarts += 1;
            let shown = status_of(config, &name, c);
            let next = st.after_restart.get(&name).cloned();
            let c = st.connectors.get_mut(&name).expect("present");
            c.created = Instant::now();
            c.timeline = next;
            if query.contains("includeTasks=true") || query.contains("onlyFailed=true") {
                json_reply(202, shown)
            } else {
                empty(204)
            }
        }
        ("GET", ["connectors", name, "offsets"]) if config.at_least(3, 5) => {
            if !st.connectors.contains_key(*name) {
                return not_found(name);
            }
            let offsets = st.offsets.get(*name).cloned().unwrap_or_default();
            json_reply(200, json!({ "offsets": offsets }))
        }
        ("PATCH" | "DELETE", ["connectors", name, "offsets"]) if config.at_least(3, 6) => {
            let name = name.to_string();
            let items = if method == "PATCH" {
                let body: Value = serde_json::from_str(&request.body).unwrap_or(Value::Null);
                match body.get("offsets").and_then(Value::as_array) {
                    Some(items) if !items.is_empty() => Some(items.clone()),
                    _ => {
                        return Reply::error(
                            400,
                            "Partitions / offsets need to be provided for an alter offsets request",
                        );
                    }
                }
            } else {
                None
            };
            let Some(c) = st.connectors.get(&name) else {
                return not_found(&name);
            };
            if c.target != "STOPPED" {
                return Reply::error(
                    400,
                    "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/x/stop' endpoint",
                );
            }
            match items {
                None => {
                    st.offsets.remove(&name);
                    json_reply(
                        200,
                        json!({"message": "The offsets for this connector have been reset successfully"}),
                    )
                }
                Some(items) => {
                    for item in &items {
                        if let Some(p) = item["offset"].get("position")
                            && !p.is_i64()
                        {
                            return Reply::error(
                                500,
                                "The value for the 'position' key in the offset is expected to be a Long value",
                            );
                        }
                    }
                    let stored = st.offsets.entry(name).or_default();
                    for item in items {
                        stored.retain(|old| old["partition"] != item["partition"]);
                        if !item["offset"].is_null() {
                            stored.push(item);
                        }
                    }
                    json_reply(
                        200,
                        json!({"message": "The offsets for this connector have been altered successfully"}),
                    )
                }
            }
        }
        ("DELETE", ["connectors", name]) => match st.connectors.remove(*name) {
            Some(_) => empty(204),
            None => not_found(name),
        },
        ("PUT", ["connector-plugins", class, "config", "validate"]) => {
            let parsed = match coerce_config(&request.body) {
                Ok(c) => c,
                Err(reply) => return reply,
            };
            validate_endpoint(config, class, &parsed)
        }
        _ => Reply::error(404, "HTTP 404 Not Found"),
    }
}

fn not_found(name: &str) -> Reply {
    Reply::error(404, &format!("Connector {name} not found"))
}

fn put_config(config: &Config, st: &mut State, name: &str, parsed: Map<String, Value>) -> Reply {
    let mut cfg = parsed;
    if let Some(n) = cfg.get("name")
        && n.as_str() != Some(name)
    {
        let shown = n.as_str().unwrap_or("null");
        return Reply::error(
            400,
            &format!(
                "Connector name configuration ({shown}) doesn't match connector name in the URL ({name})"
            ),
        );
    }
    cfg.insert("name".into(), name.into());
    if let Some(reply) = validate(config, name, &cfg) {
        return reply;
    }
    let timeline = st.timelines.get(name).cloned();
    let created = !st.connectors.contains_key(name);
    let c = st
        .connectors
        .entry(name.to_string())
        .or_insert_with(|| Connector {
            config: Map::new(),
            target: "RUNNING".into(),
            created: Instant::now(),
            timeline,
            restarts: 0,
            writes: 0,
        });
    c.config = cfg;
    c.writes += 1;
    let body = json!({"name": name, "config": c.config, "tasks": [], "type": kind(&c.config)});
    json_reply(if created { 201 } else { 200 }, body)
}

fn kind(config: &Map<String, Value>) -> &'static str {
    let class = config
        .get("connector.class")
        .and_then(Value::as_str)
        .unwrap_or("");
    if class.contains("Sink") {
        "sink"
    } else {
        "source"
    }
}

fn resolve_plugin<'a>(config: &'a Config, class: &str) -> Option<&'a str> {
    config.plugins.iter().map(String::as_str).find(|p| {
        let simple = p.rsplit('.').next().unwrap_or(p);
        *p == class || simple == class || simple.strip_suffix("Connector") == Some(class)
    })
}

fn unknown_plugin_message(config: &Config, class: &str) -> String {
    let available: Vec<String> = config
        .plugins
        .iter()
        .map(|p| {
            let kind = if p.contains("Sink") { "sink" } else { "source" };
            format!(
                "PluginDesc{{klass=class {p}, name='{p}', version='{}', type={kind}}}",
                config.version
            )
        })
        .collect();
    format!(
        "Failed to find any class that implements Connector and which name matches {class}, available connectors are: {}",
        available.join(", ")
    )
}

/// Connect's checks on a write, with its messages (which echo values).
fn validate(config: &Config, name: &str, cfg: &Map<String, Value>) -> Option<Reply> {
    let Some(class) = cfg.get("connector.class").and_then(Value::as_str) else {
        let shown: Vec<String> = cfg
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_string)
                )
            })
            .collect();
        return Some(Reply::error(
            400,
            &format!(
                "Connector config {{{}}} contains no connector type",
                shown.join(", ")
            ),
        ));
    };
    let _ = name;
    let Some(full) = resolve_plugin(config, class) else {
        let status = if config.at_least(4, 1) { 400 } else { 500 };
        return Some(Reply::error(status, &unknown_plugin_message(config, class)));
    };
    if let Some(reply) = pin_refused(config, full, class, cfg) {
        return Some(reply);
    }
    if let Some(reply) = policy_refused(config, cfg) {
        return Some(reply);
    }
    let errors = config_errors(cfg);
    if errors.is_empty() {
        return None;
    }
    Some(Reply::error(
        400,
        &format!(
            "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
            errors.len(),
            errors
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    ))
}

/// KIP-891 (4.1+): a `connector.plugin.version` no installed version matches. With
/// the full class name a 400 naming the range and what is installed; with an alias
/// the 500 a real 4.1.0 worker answers (a Connect bug). Before 4.1 ignored.
fn pin_refused(
    config: &Config,
    full: &str,
    class: &str,
    cfg: &Map<String, Value>,
) -> Option<Reply> {
    if !config.at_least(4, 1) {
        return None;
    }
    let pin = cfg.get("connector.plugin.version")?.as_str()?;
    let installed = config.installed_version();
    let range = if pin.starts_with('[') || pin.starts_with('(') {
        pin.to_string()
    } else {
        format!("[{pin},{pin}]")
    };
    let matches = match range.trim_matches(|c| c == '[' || c == ']').split_once(',') {
        Some((low, high)) if range.starts_with('[') && range.ends_with(']') => {
            let v =
                |t: &str| -> Vec<u32> { t.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
            (low.is_empty() || v(low) <= v(&installed))
                && (high.is_empty() || v(&installed) <= v(high))
        }
        _ => false,
    };
    if matches {
        return None;
    }
    if full == class {
        Some(Reply::error(
            400,
            &format!(
                "Plugin {full} not found that matches the version range {range}, available versions: [{installed}]"
            ),
        ))
    } else {
        Some(Reply::error(
            500,
            "Cannot invoke \"java.util.List.stream()\" because the return value of \"org.apache.kafka.connect.runtime.isolation.VersionedPluginLoadingException.availableVersions()\" is null",
        ))
    }
}

/// A client-override allowlist (KIP-1188) and a login-module allowlist: the key
/// refused, in Connect's words, which echo the value.
fn policy_refused(config: &Config, cfg: &Map<String, Value>) -> Option<Reply> {
    let allowed = config.override_allowlist.as_ref()?;
    for (k, v) in cfg {
        let value = v.as_str().unwrap_or("");
        let why = if k.contains(".override.") && !allowed.contains(k) {
            format!(
                "The 'Allowlist' policy does not allow '{k}' to be overridden in the connector configuration."
            )
        } else if k.ends_with("sasl.jaas.config") {
            let module = value.split_whitespace().next().unwrap_or("");
            if allowed.iter().any(|a| a == module) {
                continue;
            }
            format!(
                "{module} is not allowed. Update system property 'org.apache.kafka.allowed.login.modules' to allow {module}"
            )
        } else {
            continue;
        };
        return Some(Reply::error(
            400,
            &format!(
                "Connector configuration is invalid and contains the following 1 error(s):\nInvalid value {value} for configuration {k}: {why}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`"
            ),
        ));
    }
    None
}

/// (key, message) of each invalid value: `tasks.max` must be a positive INT,
/// FileStreamSource needs `topic`.
fn config_errors(cfg: &Map<String, Value>) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    if let Some(v) = cfg.get("tasks.max").and_then(Value::as_str)
        && v.parse::<i32>().map_or(true, |n| n < 1)
    {
        errors.push((
            "tasks.max".to_string(),
            format!("Invalid value {v} for configuration tasks.max: Not a number of type INT"),
        ));
    }
    let class = cfg
        .get("connector.class")
        .and_then(Value::as_str)
        .unwrap_or("");
    if class.contains("FileStreamSource") && cfg.get("topic").is_none() {
        errors.push((
            "topic".to_string(),
            "Missing required configuration \"topic\" which has no default value.".to_string(),
        ));
    }
    errors
}

fn validate_endpoint(config: &Config, class: &str, cfg: &Map<String, Value>) -> Reply {
    if resolve_plugin(config, class).is_none() {
        let message = format!(
            "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: {}",
            unknown_plugin_message(config, class)
        );
        return Reply::error(500, &message);
    }
    let errors = config_errors(cfg);
    let mut configs: Vec<Value> = cfg
        .iter()
        .map(|(k, v)| {
            let errs: Vec<&String> = errors.iter().filter(|(ek, _)| ek == k).map(|(_, m)| m).collect();
            let kind = match config.declared_type(class, k) {
                Some(t) => t,
                None if k.contains("password") => "PASSWORD",
                None => "STRING",
            };
            json!({"definition": {"name": k, "type": kind, "required": false},
                   "value": {"name": k, "value": v, "recommended_values": [], "errors": errs, "visible": true}})
        })
        .collect();
    for (k, m) in &errors {
        if !cfg.contains_key(k) {
            configs.push(json!({"definition": {"name": k, "type": "STRING", "required": true},
                                "value": {"name": k, "value": null, "recommended_values": [], "errors": [m], "visible": true}}));
        }
    }
    json_reply(
        200,
        json!({"name": class, "error_count": errors.len(), "groups": ["Common"], "configs": configs}),
    )
}

/// Parse a PUT body as Jackson does into a `Map<String, String>`: numbers and
/// booleans become their source text, null stays null, nested values fail.
// A test double's error path: a large `Reply` costs nothing here.
#[allow(clippy::result_large_err)]
fn coerce_config(body: &str) -> Result<Map<String, Value>, Reply> {
    let raw: BTreeMap<String, &RawValue> =
        serde_json::from_str(body).map_err(|e| Reply::error(500, &jackson_message(&e)))?;
    let mut out = Map::new();
    for (k, v) in raw {
        let text = v.get();
        let value = match text.as_bytes()[0] {
            b'"' => serde_json::from_str::<Value>(text).expect("string"),
            b'n' => Value::Null,
            b'{' | b'[' => {
                return Err(Reply::error(
                    500,
                    &format!(
                        "Cannot deserialize value of type `java.lang.String` from Object value (token `JsonToken.START_OBJECT`)\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1] (through reference chain: java.util.LinkedHashMap[\"{k}\"])"
                    ),
                ));
            }
            _ => Value::from(text),
        };
        out.insert(k, value);
    }
    Ok(out)
}

fn jackson_message(e: &serde_json::Error) -> String {
    format!(
        "Unexpected character: {e}\n at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: {}, column: {}]",
        e.line(),
        e.column()
    )
}

/// Confluent Platform 8.x stores a server-managed key with every connector and
/// shows it in the config.
fn vendor_keys(config: &Config, shown: &mut Map<String, Value>) {
    if config.mask_passwords {
        let class = shown
            .get("connector.class")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        for (k, v) in shown.iter_mut() {
            // By the key's type, as the plugin declares it: never by its name.
            let password = match config.declared_type(&class, k) {
                Some(t) => t == "PASSWORD",
                None => config.password_keys.contains(k),
            };
            if password {
                *v = Value::from(config.mask.as_str());
            }
        }
    }
    if config.version.starts_with("8.") && config.version.contains("-c") {
        shown.insert("__internal.config.version".into(), Value::from("1"));
    }
}

fn info(name: &str, c: &Connector) -> Value {
    let tasks: Vec<Value> = (0..task_count(c))
        .map(|i| json!({"connector": name, "task": i}))
        .collect();
    json!({"name": name, "config": c.config, "tasks": tasks, "type": kind(&c.config)})
}

fn task_count(c: &Connector) -> usize {
    c.config
        .get("tasks.max")
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

fn current_status(c: &Connector) -> Status {
    if let Some(Timeline(steps)) = &c.timeline {
        let mut at = c.created.elapsed();
        for (lasts, status) in steps {
            if at < *lasts {
                return status.clone();
            }
            at -= *lasts;
        }
        if let Some((_, last)) = steps.last() {
            return last.clone();
        }
    }
    match c.target.as_str() {
        "RUNNING" => Status {
            connector: "RUNNING".into(),
            tasks: (0..task_count(c))
                .map(|_| ("RUNNING".to_string(), None))
                .collect(),
        },
        other => Status {
            connector: other.into(),
            tasks: if other == "PAUSED" {
                (0..task_count(c))
                    .map(|_| ("PAUSED".to_string(), None))
                    .collect()
            } else {
                vec![]
            },
        },
    }
}

/// The status answer; on 4.1+ with the plugin version of the connector and each
/// task (KIP-891), as a real 4.1.0 worker answers.
fn status_of(config: &Config, name: &str, c: &Connector) -> Value {
    let mut shown = status(name, c);
    if config.at_least(4, 1) {
        let version = config.installed_version();
        shown["connector"]["version"] = Value::from(version.as_str());
        if let Some(tasks) = shown["tasks"].as_array_mut() {
            for t in tasks {
                t["version"] = Value::from(version.as_str());
            }
        }
    }
    shown
}

fn status(name: &str, c: &Connector) -> Value {
    let s = current_status(c);
    let tasks: Vec<Value> = s
        .tasks
        .iter()
        .enumerate()
        .map(|(i, (state, trace))| {
            let mut t = json!({"id": i, "state": state, "worker_id": "fake:8083"});
            if let Some(trace) = trace {
                t["trace"] = Value::from(trace.as_str());
            }
            t
        })
        .collect();
    json!({"name": name, "connector": {"state": s.connector, "worker_id": "fake:8083"}, "tasks": tasks, "type": kind(&c.config)})
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn unbase64(text: &str) -> Option<String> {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let v = T.iter().position(|&t| t == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

pub fn base64(input: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = input.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64("user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64("a"), "YQ==");
        assert_eq!(base64("ab"), "YWI=");
        assert_eq!(unbase64("dXNlcjpwYXNz").as_deref(), Some("user:pass"));
        assert_eq!(unbase64("YWI=").as_deref(), Some("ab"));
    }

    #[test]
    fn coercion_keeps_source_text() {
        let m = coerce_config(r#"{"a":1e3,"b":true,"c":"x","d":null}"#).unwrap();
        assert_eq!(m["a"], "1e3");
        assert_eq!(m["b"], "true");
        assert_eq!(m["d"], Value::Null);
        assert!(coerce_config(r#"{"a":{"b":1}}"#).is_err());
    }

    #[test]
    fn decode() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }
}
