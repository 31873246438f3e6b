//! simulate --bin PATH [--runs N] [--seed S] [--jobs J] [--verbose] [--keep DIR]
//!
//! Seeded, randomized whole runs of the real connect-deploy binary against the fake
//! Connect in chaos mode; invariants checked after each run (docs/simulation.md).
//! One line per violation with its seed and the replay command; last line
//! `N runs, V violations`; exit 0 only when V is 0.

mod check;
mod scenario;
mod secrets;

use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use fake_connect::{Config, FakeConnect};

use check::{Run, Violation};
use scenario::{Scenario, Stdin};

struct Options {
    bin: PathBuf,
    runs: u64,
    seed: u64,
    jobs: u64,
    verbose: bool,
    keep: Option<PathBuf>,
}

fn parse() -> Result<Options, String> {
    let mut o = Options {
        bin: PathBuf::from("target/debug/connect-deploy"),
        runs: 100,
        seed: 1,
        jobs: 2,
        verbose: false,
        keep: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        let number = |t: String| {
            t.parse::<u64>()
                .map_err(|_| format!("{a}: not a number: {t}"))
        };
        match a.as_str() {
            "--bin" => o.bin = PathBuf::from(value()?),
            "--runs" => o.runs = number(value()?)?,
            "--seed" => o.seed = number(value()?)?,
            "--jobs" => o.jobs = number(value()?)?.max(1),
            "--verbose" => o.verbose = true,
            "--keep" => o.keep = Some(PathBuf::from(value()?)),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

fn main() {
    let o = match parse() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("simulate: {e}");
            std::process::exit(64);
        }
    };
    let bin = std::fs::canonicalize(&o.bin).unwrap_or_else(|e| {
        eprintln!("simulate: {}: {e}", o.bin.display());
        std::process::exit(66);
    });
    let base = std::env::temp_dir().join(format!("simulate-{}", std::process::id()));
    let next = Arc::new(AtomicU64::new(o.seed));
    let end = o.seed + o.runs;
    let found = Arc::new(Mutex::new(0u64));
    let started = Instant::now();
    let workers: Vec<_> = (0..o.jobs)
        .map(|_| {
            let (next, found, bin, base, keep) = (Arc::clone(&next), Arc::clone(&found), bin.clone(), base.clone(), o.keep.clone());
            let verbose = o.verbose;
            thread::spawn(move || loop {
                let seed = next.fetch_add(1, Ordering::SeqCst);
                if seed >= end {
                    break;
                }
                let scenario = Scenario::generate(seed);
                let dir = keep.clone().unwrap_or_else(|| base.clone()).join(seed.to_string());
                let (run, violations) = simulate(&bin, &scenario, &dir);
                if keep.is_none() {
                    let _ = std::fs::remove_dir_all(&dir);
                }
                let mut out = std::io::stdout().lock();
                if verbose {
                    let _ = writeln!(
                        out,
                        "seed {seed}: exit {:?} in {:.2}s, {} requests, {} applied, rss {} KB; {}",
                        run.code.or(run.killed_by.map(|s| 128 + s)),
                        (run.ended - run.started).as_secs_f64(),
                        run.requests.len(),
                        run.applied.len(),
                        run.max_rss_kb,
                        describe(&scenario)
                    );
                }
                for v in &violations {
                    let _ = writeln!(out, "seed {seed}: {}: {} (replay: scripts/simulate --seed {seed} --runs 1 --verbose)", v.kind, v.detail);
                }
                *found.lock().unwrap() += violations.len() as u64;
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let _ = std::fs::remove_dir_all(&base);
    let v = *found.lock().unwrap();
    eprintln!("simulate: {:.1}s", started.elapsed().as_secs_f64());
    println!("{} runs, {v} violations", o.runs);
    std::process::exit(if v == 0 { 0 } else { 1 });
}

fn describe(s: &Scenario) -> String {
    let mut parts = vec![format!("{} defs", s.defs.len()), s.args.join(" ")];
    if let Some(c) = &s.chaos {
        parts.push(format!(
            "chaos lost={} late={} storm={} slow={} endless={} hang={}({}ms) step={} echo={} 500={} forbidden={:?} stuck={:?}",
            c.lost, c.late, c.storm, c.slow, c.endless, c.hang, c.hang_for.as_millis(), c.offsets_fail, c.echo, c.other500, c.forbidden, c.stuck
        ));
    }
    let unfinished: Vec<&str> = s
        .existing
        .iter()
        .filter(|e| e.unfinished)
        .map(|e| e.name.as_str())
        .collect();
    if !unfinished.is_empty() {
        parts.push(format!("unfinished {unfinished:?}"));
    }
    if let Some((at, sig)) = s.signal {
        parts.push(format!("signal {sig} at {}ms", at.as_millis()));
    }
    if let Some((what, _)) = &s.bad {
        parts.push(format!("bad: {what}"));
    }
    if s.auth.is_some() {
        parts.push("basic auth".into());
    }
    if matches!(s.stdin, Stdin::NeverClosed(_)) {
        parts.push("definitions on a stdin never closed".into());
    }
    if s.big_input {
        parts.push("a huge or endless reference".into());
    }
    parts.join("; ")
}

fn simulate(bin: &Path, s: &Scenario, dir: &Path) -> (Run, Vec<Violation>) {
    let run = execute(bin, s, dir);
    let violations = check::check(s, &run);
    (run, violations)
}

fn execute(bin: &Path, s: &Scenario, dir: &Path) -> Run {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("run directory");
    let defs = dir.join("defs");
    std::fs::create_dir_all(&defs).expect("definitions directory");
    for (name, text) in &s.files {
        std::fs::write(defs.join(name), text).expect("definition file");
    }
    for (name, bytes) in &s.ref_files {
        std::fs::write(defs.join(name), bytes).expect("reference file");
    }
    if let Some((name, size)) = &s.huge_ref {
        write_repeated(&defs.join(name), b'k', *size);
    }
    let mut config = Config::default();
    if let Some((u, p)) = &s.auth {
        config = config.auth(u, p);
    }
    if s.mask_passwords {
        config = config.mask_passwords();
    }
    if let Some(c) = &s.chaos {
        config = config.chaos(c.clone());
    }
    let fake = FakeConnect::start(config);
    for e in &s.existing {
        fake.put_connector(&e.name, e.config.clone());
        if e.unfinished {
            fake.set_target(&e.name, "STOPPED");
        }
        if !e.offsets.is_empty() {
            fake.leave_offsets(&e.name, e.offsets.clone());
        }
    }
    for (name, offsets) in &s.leftovers {
        fake.leave_offsets(name, offsets.clone());
    }
    let url = match &s.url_userinfo {
        Some(ui) => format!("http://{ui}@{}", fake.addr()),
        None => fake.url(),
    };
    let termination = dir.join("termination-log");
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("KAFKA_CONNECT_URL", &url)
        .arg("--termination-log")
        .arg(&termination)
        .args(&s.args);
    for (k, val) in &s.env {
        let val = match val.strip_prefix('@') {
            Some(file) => defs.join(file).display().to_string(),
            None => val.clone(),
        };
        cmd.env(k, val);
    }
    match &s.stdin {
        Stdin::Null => {
            cmd.arg(&defs).stdin(Stdio::null());
        }
        Stdin::NeverClosed(_) => {
            cmd.arg("-").stdin(Stdio::piped());
        }
    }
    cmd.args(&s.extra_paths);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    // Guard the machine: an endless reference must not eat it.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 1 << 30,
                rlim_max: 1 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    // The child's peak RSS starts at this process's own peak (the kernel keeps
    // the larger of the two at the exec): kept to tell the two apart.
    let parent_peak_rss_kb = own_peak_rss_kb();
    let started = Instant::now();
    // Reaped below with wait4, which also gives its peak RSS.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("start connect-deploy");
    let pid = child.id() as libc::pid_t;
    let keep_stdin = child.stdin.take().map(|mut w| {
        if let Stdin::NeverClosed(text) = &s.stdin {
            let _ = w.write_all(text.as_bytes());
        }
        w
    });
    let drain = |r: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|r| Box::new(r) as Box<dyn Read + Send>),
    );
    let hard_stop = s.timeout + Duration::from_secs(10);
    let mut signalled_at = None;
    let mut hung = false;
    let mut status: libc::c_int = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // The run's own peak as the kernel shows it while it runs: its ru_maxrss
    // includes this process's peak, which the in-process fake can push past the
    // limit (a 1 MiB body echoed in a dozen forms).
    let mut sampled_peak_kb = 0;
    let ended = loop {
        sampled_peak_kb = sampled_peak_kb.max(run_peak_rss_kb(pid));
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break Instant::now();
        }
        if r < 0 {
            break Instant::now();
        }
        let now = Instant::now();
        if let Some((at, sig)) = s.signal
            && signalled_at.is_none()
            && now >= started + at
        {
            unsafe { libc::kill(pid, sig) };
            signalled_at = Some(Instant::now());
        }
        if now >= started + hard_stop && !hung {
            hung = true;
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        thread::sleep(Duration::from_millis(5));
    };
    drop(keep_stdin);
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let (code, killed_by) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    let termination = std::fs::read_to_string(&termination).unwrap_or_default();
    let _ = std::fs::write(dir.join("stdout"), &stdout);
    let _ = std::fs::write(dir.join("stderr"), &stderr);
    let _ = std::fs::write(
        dir.join("args"),
        format!("{:?}\n{}\n", cmd.get_args().collect::<Vec<_>>(), url),
    );
    let mut log = String::new();
    for a in fake.answers() {
        log.push_str(&format!(
            "{:>6}ms {} {} -> {} {} {}\n",
            (a.done - started).as_millis(),
            a.request.method,
            a.request.path,
            a.status,
            a.chaos,
            a.body
                .chars()
                .take(160)
                .collect::<String>()
                .replace('\n', " ")
        ));
    }
    for a in fake.applied() {
        log.push_str(&format!(
            "applied {:>6}ms {} {} {} {}\n",
            (a.at - started).as_millis(),
            a.method,
            a.path,
            a.status,
            a.how
        ));
    }
    let _ = std::fs::write(dir.join("fake.log"), log);
    let final_connectors = fake
        .connector_names()
        .into_iter()
        .map(|n| {
            let o = fake.offsets(&n);
            let marked = fake.connector(&n).is_some_and(|c| {
                c.target == "STOPPED" && c.config.contains_key("connect-deploy.unfinished")
            });
            (n, o, marked)
        })
        .collect();
    Run {
        started,
        ended,
        code,
        killed_by,
        hung,
        signalled_at,
        stdout,
        stderr,
        termination,
        // At or below this process's own peak, ru_maxrss says nothing of the run:
        // its peak is then the one sampled while it ran.
        max_rss_kb: if usage.ru_maxrss > parent_peak_rss_kb {
            usage.ru_maxrss
        } else {
            sampled_peak_kb
        },
        requests: fake.requests(),
        answers: fake.answers(),
        applied: fake.applied(),
        final_connectors,
    }
}

/// A file of `size` bytes `byte`, written a piece at a time.
fn write_repeated(path: &Path, byte: u8, size: usize) {
    use std::io::Write;
    let piece = [byte; 64 * 1024];
    let mut file = std::fs::File::create(path).expect("reference file");
    let mut left = size;
    while left > 0 {
        let n = left.min(piece.len());
        file.write_all(&piece[..n]).expect("reference file");
        left -= n;
    }
}

/// This process's own peak RSS (VmHWM) in KB; 0 when it cannot be read.
fn own_peak_rss_kb() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| peak_of(&s))
        .unwrap_or(0)
}

/// The peak RSS of the run `pid` once it runs connect-deploy (before its exec
/// it is a copy of this process); 0 when it cannot be read.
fn run_peak_rss_kb(pid: libc::pid_t) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .filter(|s| {
            s.lines()
                .any(|l| l.starts_with("Name:") && l.contains("connect-deploy"))
        })
        .and_then(|s| peak_of(&s))
        .unwrap_or(0)
}

fn peak_of(status: &str) -> Option<i64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}
