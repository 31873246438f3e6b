//! A small builder for running connect-deploy, and temporary definition directories.

use std::io::Write;
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

/// A port nothing listens on (connections are refused), which can be bound later.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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

/// Wait for a child within the hard limit, collecting its output.
pub fn finish(mut child: Child) -> Output {
    let status = wait_within(&mut child, HARD_LIMIT)
        .unwrap_or_else(|| panic!("connect-deploy still running after {HARD_LIMIT:?}"));
    let out = child.wait_with_output().unwrap();
    Output {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
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
