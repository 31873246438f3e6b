//! Hostile tests (found by an attack, fixed since): secrets longer than 4 KiB are
//! indexed by their first and last 4 KiB. A worker or gateway that echoed such a
//! secret cut (a beginning longer than 4 KiB, then other text) got everything past
//! the first 4 KiB printed: the promise is "any beginning or end of 6 bytes or more".

use crate::support::*;

/// 10,000 bytes, deterministic, mixed case, no two windows alike.
fn long_secret() -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..10_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

/// Any 24-byte window of the secret, in any case, in the output.
fn leaked_window(out: &str, secret: &str) -> Option<String> {
    let out = out.to_ascii_lowercase();
    let s = secret.to_ascii_lowercase();
    (0..s.len() - 24)
        .step_by(8)
        .map(|i| &s[i..i + 24])
        .find(|w| out.contains(w))
        .map(|w| format!("bytes at {} ({w})", s.find(w).unwrap()))
}

/// The worker rejects the PUT with `echo` as its message; what the run printed
/// (stdout, stderr, termination message), in text and JSON mode.
fn run_with_echo(secret: &str, echo: &str) -> String {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        100,
        Reply::error(400, echo),
    ));
    let dir = TempDir::new();
    dir.write("db-password", secret);
    dir.write(
        "db.json",
        &json!({"name": "db", "config": {
            "connector.class": "FileStreamSink", "topics": "t",
            "db.password": {"file": "db-password"}}})
        .to_string(),
    );
    let mut all = String::new();
    for format in ["text", "json"] {
        let term = dir.path().join(format!("termination-{format}"));
        let out = deploy()
            .url(fake.url())
            .arg("--log-format")
            .arg(format)
            .arg("--termination-log")
            .arg(term.display().to_string())
            .arg(dir.arg())
            .run();
        assert_eq!(out.code, 78, "{}", out.all());
        all.push_str(&out.all());
        all.push_str(&std::fs::read_to_string(&term).unwrap_or_default());
    }
    all
}

#[test]
fn attack_long_secret_cut_after_its_first_4_kib_is_masked() {
    let secret = long_secret();
    let echo = format!(
        "upstream rejected body: {} [truncated by gateway] {}",
        &secret[..6000],
        "z".repeat(8000)
    );
    let out = run_with_echo(&secret, &echo);
    assert_eq!(
        leaked_window(&out, &secret),
        None,
        "{}",
        &out[..out.len().min(3000)]
    );
}

#[test]
fn attack_long_secret_cut_before_its_last_4_kib_is_masked() {
    let secret = long_secret();
    let echo = format!(
        "{} ... {} was rejected",
        "z".repeat(8000),
        &secret[secret.len() - 6000..]
    );
    let out = run_with_echo(&secret, &echo);
    assert_eq!(
        leaked_window(&out, &secret),
        None,
        "{}",
        &out[..out.len().min(3000)]
    );
}

/// The same value, with one character the echoing side escaped differently
/// (`/` as `\/`, as Jackson may) past the first 4 KiB.
#[test]
fn attack_long_secret_escaped_in_the_middle_is_masked() {
    let mut secret = long_secret();
    secret.replace_range(5000..5001, "/");
    let echo = format!(
        "gateway trace: {{\"db.password\":\"{}\"}} (request logged)",
        secret.replace('/', "\\/")
    );
    let out = run_with_echo(&secret, &echo);
    assert_eq!(
        leaked_window(&out, &secret),
        None,
        "{}",
        &out[..out.len().min(3000)]
    );
}
