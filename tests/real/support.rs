//! The set-up of scripts/real-connect, running connect-deploy against it, and small
//! REST and log readers for what the tests check on the worker's side.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub use serde_json::{Value, json};

/// Names the directory of a running set-up (`scripts/real-connect start DIR`).
const SETUP_VAR: &str = "CONNECT_DEPLOY_REAL_CONNECT";

/// A run never takes longer than this; past it, the test fails.
const HARD_LIMIT: Duration = Duration::from_secs(180);

/// What `scripts/real-connect start` wrote to DIR/setup.env.
pub struct Setup {
    pub dir: PathBuf,
    pub single: String,
    pub pair: [String; 2],
    pub script: PathBuf,
}

/// The running set-up. A test that runs without one fails, saying how to get one:
/// every test of this tier is `#[ignore]`d (so a plain `cargo test` lists them as
/// ignored, never as passed), and one asked for must not pass without having run.
pub fn setup() -> Setup {
    let Some(dir) = std::env::var_os(SETUP_VAR) else {
        panic!(
            "{SETUP_VAR} is not set: these tests need a real Kafka Connect 4.1.0; run them with \
             scripts/real-connect test (or scripts/real-connect start DIR, then \
             {SETUP_VAR}=DIR cargo test --test real -- --ignored; see docs/development.md)"
        );
    };
    let dir = PathBuf::from(dir);
    let text = std::fs::read_to_string(dir.join("setup.env"))
        .unwrap_or_else(|e| panic!("{SETUP_VAR}={}: setup.env: {e}", dir.display()));
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    let var = |k: &str| -> String {
        vars.get(k)
            .unwrap_or_else(|| panic!("setup.env lacks {k}"))
            .to_string()
    };
    Setup {
        single: var("SINGLE_URL"),
        pair: [var("PAIR_A_URL"), var("PAIR_B_URL")],
        script: PathBuf::from(var("SCRIPT")),
        dir,
    }
}

impl Setup {
    /// The log of the worker called `name` by the script (`single`, `pair-a`, ...).
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!("{name}.log"))).unwrap()
    }

    /// Runs scripts/real-connect with these arguments after the set-up's directory.
    pub fn script(&self, command: &str, args: &[&str]) {
        let status = Command::new(&self.script)
            .arg(command)
            .arg(&self.dir)
            .args(args)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "scripts/real-connect {command} {args:?}: {status}"
        );
    }
}

/// The binary under test: CONNECT_DEPLOY_BIN (scripts/test gives the static
/// release build) or the one cargo built for this test.
pub fn bin() -> PathBuf {
    std::env::var_os("CONNECT_DEPLOY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_connect-deploy")))
}

/// A directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "connect-deploy-real-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Writes one definition as NAME.json.
    pub fn definition(&self, def: &Value) -> PathBuf {
        let name = def["name"].as_str().unwrap();
        self.write(&format!("{name}.json"), &def.to_string())
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

/// A FileStreamSource reading `file` into `topic`, which Connect creates (tansu
/// does not create topics on first use).
pub fn file_source(name: &str, file: &Path, topic: &str) -> Value {
    json!({
        "name": name,
        "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "file": file.display().to_string(),
            "topic": topic,
            "tasks.max": 1,
            "topic.creation.default.replication.factor": 1,
            "topic.creation.default.partitions": 1
        }
    })
}

/// A FileStreamSink writing topic `topic` to `file`.
pub fn file_sink(name: &str, file: &Path, topic: &str) -> Value {
    json!({
        "name": name,
        "config": {
            "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "file": file.display().to_string(),
            "topics": topic,
            "tasks.max": "1"
        }
    })
}

pub struct Deploy {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
}

/// connect-deploy against these URLs, with a clean environment and a 60 s deadline.
pub fn deploy(urls: &str) -> Deploy {
    Deploy {
        args: Vec::new(),
        env: vec![
            ("KAFKA_CONNECT_URL".into(), urls.into()),
            ("KAFKA_CONNECT_TIMEOUT".into(), "60s".into()),
        ],
        stdin: None,
    }
}

impl Deploy {
    pub fn arg(mut self, a: impl Into<String>) -> Self {
        self.args.push(a.into());
        self
    }
    pub fn args<const N: usize>(mut self, a: [&str; N]) -> Self {
        self.args.extend(a.iter().map(|s| s.to_string()));
        self
    }
    pub fn timeout(mut self, t: &str) -> Self {
        self.env.retain(|(k, _)| k != "KAFKA_CONNECT_TIMEOUT");
        self.env.push(("KAFKA_CONNECT_TIMEOUT".into(), t.into()));
        self
    }
    /// One more variable in the run's environment.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.into());
        self
    }

    /// Starts the run; `finish` collects it, timing it from this moment.
    pub fn spawn(&self) -> Running {
        let started = Instant::now();
        let mut child = Command::new(bin())
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start connect-deploy");
        if let Some(text) = &self.stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        Running { child, started }
    }

    pub fn run(&self) -> Output {
        finish(self.spawn())
    }
}

/// A run under way, and when it was started.
pub struct Running {
    child: Child,
    started: Instant,
}

impl Running {
    /// Whether the run is still going.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// From the start of the process to its end (not from the call to `finish`).
    pub took: Duration,
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

    /// Fails when any of these strings appears in the output.
    #[track_caller]
    pub fn never_shows(&self, secrets: &[&str]) -> &Output {
        for s in secrets {
            assert!(
                !self.all().contains(s),
                "{s:?} must not be shown:\n{}",
                self.all()
            );
        }
        self
    }

    /// The JSON report (`--log-format json`): the last stdout line.
    pub fn report(&self) -> Value {
        let line = self.stdout.lines().last().unwrap_or_default();
        serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("no JSON report ({e}) in:\n{}", self.all()))
    }
}

/// Waits for a running connect-deploy within the hard limit and collects its output
/// (read as it comes, so a chatty run never blocks on a full pipe).
pub fn finish(run: Running) -> Output {
    let Running { mut child, started } = run;
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = reader(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = reader(child.stderr.take().map(|p| Box::new(p) as _));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HARD_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "connect-deploy still running after {HARD_LIMIT:?}:\n{}{}",
                stdout.join().unwrap(),
                stderr.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status.code().unwrap_or(-1),
        took: started.elapsed(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// An HTTP client for the tests' own look at the worker; statuses are not errors.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// GET `url`: the status and the body as JSON (Null when it is not JSON). Answers a
/// worker gives while its group rebalances (every new connector triggers one, even
/// with one worker) are waited out for up to 30 s, as any client must.
pub fn get(url: &str) -> (u16, Value) {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let mut resp = agent()
            .get(url)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        let status = resp.status().as_u16();
        let rebalancing = status == 409
            || (status == 500
                && (body.contains("rebalance") || body.contains("ensuring membership")));
        if !rebalancing || Instant::now() > end {
            return (status, serde_json::from_str(&body).unwrap_or(Value::Null));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// DELETE `/connectors/{name}` as an operator would, waiting out a rebalance like
/// `get`; the status.
pub fn delete(url: &str, name: &str) -> u16 {
    let url = format!("{url}/connectors/{name}");
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = agent()
            .delete(&url)
            .call()
            .unwrap_or_else(|e| panic!("DELETE {url}: {e}"));
        let status = resp.status().as_u16();
        if status != 409 || Instant::now() > end {
            return status;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// POST `/connectors` as an operator (or an earlier run) would, waiting out a
/// rebalance like `get`; the status.
pub fn create(url: &str, request: &Value) -> u16 {
    let url = format!("{url}/connectors");
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let resp = agent()
            .post(&url)
            .header("Content-Type", "application/json")
            .send(request.to_string())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        let status = resp.status().as_u16();
        if status != 409 || Instant::now() > end {
            return status;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The source offsets the worker holds for connector `name` (`GET .../offsets`):
/// its `offsets` list of `{"partition", "offset"}`.
///
/// The worker reads them from the offsets topic on each request, up to the end
/// offsets the broker reports; tansu under-reports those for a moment after a
/// write, so a read right after a write may not show it yet: callers poll.
pub fn source_offsets(url: &str, name: &str) -> Vec<Value> {
    let (code, body) = get(&format!("{url}/connectors/{name}/offsets"));
    assert_eq!(code, 200, "offsets of {name}: {body}");
    body["offsets"]
        .as_array()
        .unwrap_or_else(|| panic!("offsets of {name}: {body}"))
        .clone()
}

/// The requests `METHOD PATH` (exactly, query included) the worker has answered,
/// as the statuses it answered them with, from the request log Connect's
/// RestServer writes at INFO (`"DELETE /connectors/x/offsets HTTP/1.1" 200 ...`).
/// Jetty writes a line once the answer has gone out, so a list read the moment a
/// client has its answer may lack that request: read it after something slower.
pub fn requests(log: &str, method: &str, path: &str) -> Vec<u16> {
    let needle = format!("\"{method} {path} HTTP/1.1\" ");
    log.lines()
        .filter(|l| l.ends_with("(org.apache.kafka.connect.runtime.rest.RestServer)"))
        .filter_map(|l| l.split_once(&needle))
        .map(|(_, rest)| {
            let status = rest.split(' ').next().unwrap_or_default();
            status
                .parse()
                .unwrap_or_else(|_| panic!("request log line: {rest}"))
        })
        .collect()
}

/// The requests of `requests` the worker carried out (answered 2xx).
pub fn carried_out(log: &str, method: &str, path: &str) -> usize {
    requests(log, method, path)
        .iter()
        .filter(|s| (200..300).contains(*s))
        .count()
}

/// The connector's stored config, or None when the worker does not know it.
pub fn stored_config(url: &str, name: &str) -> Option<Value> {
    match get(&format!("{url}/connectors/{name}/config")) {
        (200, config) => Some(config),
        (404, _) => None,
        (status, body) => panic!("GET config of {name}: {status} {body}"),
    }
}

/// The connector's status document (`connector.state`, `tasks[].state`).
pub fn status(url: &str, name: &str) -> Value {
    let (code, body) = get(&format!("{url}/connectors/{name}/status"));
    assert_eq!(code, 200, "status of {name}: {body}");
    body
}

/// Polls `check` every 100 ms until it gives Some, for at most `limit`.
#[track_caller]
pub fn wait_for<T>(what: &str, limit: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < end, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// How many records the worker has written to its config topic about connector
/// `name`, from its log.
///
/// Every write to the config topic goes through KafkaConfigBackingStore, which logs
/// it at DEBUG before sending it ("Writing connector configuration for connector
/// 'x'", "Writing target state PAUSED for connector x", "Writing configuration for
/// connector 'x' task 0", "Writing commit for connector 'x' ...", "Writing task count
/// record ...", "Writing restart request for {connectorName='x', ...} to Kafka");
/// scripts/real-connect turns that logger on. The REST call that causes a write
/// answers only after the write, so when connect-deploy has exited its writes are in
/// the log. Reading the topic itself would need end offsets, which tansu
/// under-reports. The count is per connector because tests run side by side on one
/// worker; each test checks that a write it makes is counted, so a change of these
/// messages fails the tests rather than making them pass.
pub fn config_writes(log: &str, name: &str) -> usize {
    log.lines()
        .filter(|l| l.contains(" DEBUG Writing "))
        .filter(|l| l.ends_with("(org.apache.kafka.connect.storage.KafkaConfigBackingStore)"))
        .filter(|l| {
            l.split(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
                .any(|word| word == name)
        })
        .count()
}

/// How many times the worker has removed connector `name` from its config topic
/// (a deletion: `Removing connector configuration for connector 'x'`, logged by
/// KafkaConfigBackingStore at DEBUG before it writes the tombstones; not a
/// "Writing" line, so `config_writes` does not count it).
pub fn config_removals(log: &str, name: &str) -> usize {
    let needle = format!(" DEBUG Removing connector configuration for connector '{name}' ");
    log.lines()
        .filter(|l| l.ends_with("(org.apache.kafka.connect.storage.KafkaConfigBackingStore)"))
        .filter(|l| l.contains(&needle))
        .count()
}

/// How many restart requests for connector `name` the worker has written to its
/// config topic (`POST .../restart?includeTasks=...`; `Writing restart request for
/// {connectorName='x', onlyFailed=true, includeTasks=true} to Kafka`).
pub fn restart_requests(log: &str, name: &str) -> usize {
    let needle = format!(" DEBUG Writing restart request for {{connectorName='{name}',");
    log.lines()
        .filter(|l| l.ends_with("(org.apache.kafka.connect.storage.KafkaConfigBackingStore)"))
        .filter(|l| l.contains(&needle))
        .count()
}
