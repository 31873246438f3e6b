//! A small builder for running connect-deploy, and temporary definition directories.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use fake_connect::{Config, FakeConnect, Reply, Rule};
pub use serde_json::json;

/// The binary cargo built for these tests.
const BIN: &str = env!("CARGO_BIN_EXE_connect-deploy");

/// The command line that starts the binary under test: cargo's build, or the one
/// CONNECT_DEPLOY_BIN names (e.g. the arm64 release build, which binfmt runs
/// through qemu), after CONNECT_DEPLOY_RUNNER's words when that is set (e.g.
/// `qemu-aarch64-static` where binfmt is not registered). scripts/test-arm64 uses them.
pub fn bin_argv() -> Vec<String> {
    let mut argv: Vec<String> = std::env::var("CONNECT_DEPLOY_RUNNER")
        .unwrap_or_default()
        .split_whitespace()
        .map(String::from)
        .collect();
    argv.push(std::env::var("CONNECT_DEPLOY_BIN").unwrap_or_else(|_| BIN.to_string()));
    argv
}

/// The binary under test as a Command, for tests that set up its process
/// themselves (raw environment bytes, a stdin that stays open).
pub fn bin_command() -> Command {
    let argv = bin_argv();
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    cmd
}

/// A run never takes longer than this in a test; past it the test fails.
const HARD_LIMIT: Duration = Duration::from_secs(60);

/// The seed's connector, verbatim from the Confluent example.
pub const CLICKS: &str = r#"{
    "name":"clicks",
    "config": {
      "connector.class": "io.confluent.kafka.connect.datagen.DatagenConnector",
      "kafka.topic": "clicks",
      "key.converter": "org.apache.kafka.connect.storage.StringConverter",
      "value.converter": "io.confluent.connect.avro.AvroConverter",
      "value.converter.schema.registry.url": "http://schemaregistry:8081",
      "value.converter.schemas.enable": "true",
      "quickstart": "clickstream",
      "max.interval": 1000,
      "iterations": -1,
      "tasks.max": "1"
    }
  }"#;

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "connect-deploy-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// A directory holding these files.
    pub fn with(files: &[(&str, &str)]) -> TempDir {
        let d = TempDir::new();
        for (name, text) in files {
            d.write(name, text);
        }
        d
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn arg(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A worker that accepts every connection and never answers `GET /`.
pub fn hanging_worker() -> FakeConnect {
    let fake = FakeConnect::start(Config::default());
    let never = Reply::error(200, "never").delayed(Duration::from_secs(3600));
    fake.script(Rule::new("GET", "/", 100, never));
    fake
}

/// Make the worker refuse the one-request snapshot of every connector
/// (`GET /connectors?expand=...`), so that each connector is read on its own: for
/// tests that script those per-connector reads.
pub fn per_connector_reads(fake: &FakeConnect) {
    fake.script(Rule::new(
        "GET",
        "/connectors?expand*",
        1000,
        Reply::error(500, "expand is not supported here"),
    ));
}

pub struct Deploy {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
}

pub fn deploy() -> Deploy {
    Deploy {
        args: Vec::new(),
        env: vec![("KAFKA_CONNECT_TIMEOUT".into(), "20s".into())],
        stdin: None,
    }
}

impl Deploy {
    pub fn arg(mut self, a: impl Into<String>) -> Self {
        self.args.push(a.into());
        self
    }
    pub fn env(mut self, k: &str, v: impl Into<String>) -> Self {
        self.env.retain(|(n, _)| n != k);
        self.env.push((k.into(), v.into()));
        self
    }
    pub fn url(self, url: impl Into<String>) -> Self {
        self.env("KAFKA_CONNECT_URL", url)
    }
    pub fn timeout(self, t: &str) -> Self {
        self.env("KAFKA_CONNECT_TIMEOUT", t)
    }
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.into());
        self
    }

    /// Start it with a clean environment (no proxies, no stray KAFKA_CONNECT_*).
    pub fn spawn(&self) -> Child {
        let argv = bin_argv();
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start connect-deploy");
        if let Some(text) = &self.stdin {
            let mut input = child.stdin.take().unwrap();
            input.write_all(text.as_bytes()).unwrap();
        }
        child
    }

    pub fn run(&self) -> Output {
        finish(self.spawn())
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    #[track_caller]
    pub fn expect(&self, code: i32, text: &str) -> &Output {
        assert_eq!(self.code, code, "exit code; output:\n{}", self.all());
        assert!(
            self.all().contains(text),
            "expected {text:?} in:\n{}",
            self.all()
        );
        self
    }
}

/// Wait for a child within the hard limit, collecting its output as it is
/// written: a pipe nobody reads fills at 64 KB, and a child writing more (a large
/// plan's JSON events) would stall until its deadline, a reader's fault, not its own.
pub fn finish(mut child: Child) -> Output {
    let drain = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let status = wait_within(&mut child, HARD_LIMIT)
        .unwrap_or_else(|| panic!("connect-deploy still running after {HARD_LIMIT:?}"));
    Output {
        code: status.code().unwrap_or(-1),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// The child's status if it ends within `limit`; otherwise it is killed and None.
pub fn wait_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// The config of a connector as the fake stores it, values as strings.
pub fn stored(fake: &FakeConnect, name: &str) -> serde_json::Map<String, serde_json::Value> {
    fake.connector(name)
        .unwrap_or_else(|| panic!("connector {name} was not created"))
        .config
}

/// A TCP relay in front of a worker that counts the connections it accepts: what a
/// client did before, or instead of, an HTTP request (a TLS handshake that failed
/// never reaches the fake's record of requests; it does reach this count). Without
/// TLS only ready.rs relays through it, and never asks for the count.
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub struct CountingProxy {
    addr: std::net::SocketAddr,
    accepted: std::sync::Arc<AtomicUsize>,
}

#[cfg_attr(not(feature = "tls"), allow(dead_code))]
impl CountingProxy {
    pub fn start(target: std::net::SocketAddr) -> CountingProxy {
        CountingProxy::serve(TcpListener::bind("127.0.0.1:0").unwrap(), target)
    }

    /// Relay what `listener` accepts to `target`.
    pub fn serve(listener: TcpListener, target: std::net::SocketAddr) -> CountingProxy {
        use std::sync::Arc;
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                count.fetch_add(1, Ordering::SeqCst);
                let Ok(server) = std::net::TcpStream::connect(target) else {
                    continue;
                };
                splice(client, server);
            }
        });
        CountingProxy { addr, accepted }
    }

    /// The URL of the proxy, with the scheme the worker behind it speaks.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// A port held by a socket that is bound but not listening: connections to it are
/// refused until `listen` turns it into a listener. Nothing else can take the port
/// meanwhile (unlike releasing it and binding it again).
pub struct RefusingPort {
    fd: std::os::fd::OwnedFd,
    pub port: u16,
}

mod sys {
    use std::os::raw::{c_int, c_void};
    // Linux's struct sockaddr_in.
    #[repr(C)]
    pub struct SockaddrIn {
        pub family: u16,
        pub port: u16,
        pub addr: u32,
        pub zero: [u8; 8],
    }
    unsafe extern "C" {
        pub fn socket(domain: c_int, kind: c_int, protocol: c_int) -> c_int;
        pub fn bind(fd: c_int, addr: *const c_void, len: u32) -> c_int;
        pub fn getsockname(fd: c_int, addr: *mut c_void, len: *mut u32) -> c_int;
        pub fn listen(fd: c_int, backlog: c_int) -> c_int;
    }
    pub const AF_INET: c_int = 2;
    pub const SOCK_STREAM: c_int = 1;
}

impl RefusingPort {
    pub fn new() -> RefusingPort {
        use std::os::fd::FromRawFd;
        // SAFETY: plain socket calls on a descriptor owned here, with a buffer of
        // the size passed.
        unsafe {
            let fd = sys::socket(sys::AF_INET, sys::SOCK_STREAM, 0);
            assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
            let fd = std::os::fd::OwnedFd::from_raw_fd(fd);
            let raw = std::os::fd::AsRawFd::as_raw_fd(&fd);
            let mut addr = sys::SockaddrIn {
                family: sys::AF_INET as u16,
                port: 0,
                addr: u32::from_ne_bytes([127, 0, 0, 1]),
                zero: [0; 8],
            };
            let size = std::mem::size_of::<sys::SockaddrIn>() as u32;
            let ptr = &mut addr as *mut sys::SockaddrIn as *mut std::os::raw::c_void;
            assert_eq!(
                sys::bind(raw, ptr, size),
                0,
                "bind: {}",
                std::io::Error::last_os_error()
            );
            let mut len = size;
            assert_eq!(sys::getsockname(raw, ptr, &mut len), 0, "getsockname");
            RefusingPort {
                fd,
                port: u16::from_be(addr.port),
            }
        }
    }

    /// Start listening on the port: from now on connections are accepted.
    pub fn listen(self) -> TcpListener {
        let raw = std::os::fd::AsRawFd::as_raw_fd(&self.fd);
        // SAFETY: a bound socket descriptor owned here.
        let rc = unsafe { sys::listen(raw, 128) };
        assert_eq!(rc, 0, "listen: {}", std::io::Error::last_os_error());
        TcpListener::from(self.fd)
    }
}

/// A run whose stderr is read as it comes, so that a test can act on what the run
/// has said so far (instead of on how long it has run).
pub struct Watched {
    child: Child,
    stderr: std::sync::Arc<(std::sync::Mutex<String>, std::sync::Condvar)>,
    reader: std::thread::JoinHandle<()>,
}

impl Deploy {
    pub fn spawn_watched(&self) -> Watched {
        use std::io::BufRead;
        use std::sync::{Arc, Condvar, Mutex};
        let mut child = self.spawn();
        let pipe = child.stderr.take().unwrap();
        let stderr = Arc::new((Mutex::new(String::new()), Condvar::new()));
        let shared = Arc::clone(&stderr);
        let reader = std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(pipe);
            let mut line = String::new();
            while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                shared.0.lock().unwrap().push_str(&line);
                shared.1.notify_all();
                line.clear();
            }
        });
        Watched {
            child,
            stderr,
            reader,
        }
    }
}

impl Watched {
    /// Wait until the run's stderr holds `text`; panics (with what it said) when it
    /// does not within `limit`.
    #[track_caller]
    pub fn wait_for_stderr(&self, text: &str, limit: Duration) {
        let end = Instant::now() + limit;
        let (lock, cond) = &*self.stderr;
        let mut seen = lock.lock().unwrap();
        while !seen.contains(text) {
            let left = end.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "{text:?} not on stderr within {limit:?}:\n{seen}"
            );
            seen = cond.wait_timeout(seen, left).unwrap().0;
        }
    }

    pub fn finish(self) -> Output {
        let mut out = finish(self.child);
        self.reader.join().unwrap();
        out.stderr = self.stderr.0.lock().unwrap().clone();
        out
    }
}

/// Copy bytes both ways between two connections until each side closes, on threads
/// of their own (a relay, a proxy's tunnel).
pub fn splice(client: std::net::TcpStream, server: std::net::TcpStream) {
    let (Ok(client_copy), Ok(server_copy)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    for (mut from, mut to) in [(client_copy, server_copy), (server, client)] {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Write);
        });
    }
}

/// A FileStreamSource definition with `offsets` and a desired `state`.
pub fn with_offsets(name: &str, offsets: serde_json::Value, state: &str) -> String {
    json!({
        "name": name,
        "config": {"connector.class": "FileStreamSource", "topic": "t", "file": "/data/in.txt"},
        "state": state,
        "offsets": offsets,
    })
    .to_string()
}

/// The FileStreamSource's one partition at `position` n, as `offsets` declares it.
pub fn position(n: i64) -> serde_json::Value {
    json!([{"partition": {"filename": "/data/in.txt"}, "offset": {"position": n}}])
}

/// A plain FileStreamSource definition.
pub fn file_source(name: &str) -> String {
    json!({"name": name, "config": {"connector.class": "FileStreamSource", "topic": "t"}})
        .to_string()
}

/// Every request but reads, as `METHOD PATH`.
pub fn writes(fake: &FakeConnect) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}
