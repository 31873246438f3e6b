//! Hostile tests (attack2): what masking costs. A secret over six bytes is also
//! looked for by its first six bytes anywhere: at every place they appear, the text
//! is compared with the secret for as long as they agree (up to 4 KiB). A worker
//! answer (up to 4 MiB) that repeats a secret's beginning nearly whole, again and
//! again, costs length x 4 KiB comparisons for every record that holds it; the run
//! outlives its deadline. Promised: within --timeout + 1 s.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn attack2_answer_repeating_a_secrets_beginning_outlives_the_deadline() {
    let secret = "a".repeat(5000);
    // 4095 bytes of the secret's beginning, then one that is not: never the whole
    // 4 KiB head, so nothing covers it, and every position starts a long compare.
    let mut echo = String::new();
    while echo.len() < 2 * 1024 * 1024 {
        echo.push_str(&"a".repeat(4095));
        echo.push('b');
    }
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        100,
        Reply::error(400, &echo),
    ));
    let def = json!({
        "name": "db",
        "config": {"connector.class": "X", "connection.password": secret},
    });
    let dir = TempDir::with(&[("db.json", &def.to_string())]);
    let start = Instant::now();
    let mut child = deploy()
        .url(fake.url())
        .timeout("5s")
        .arg(dir.arg())
        .spawn();
    let status = wait_within(&mut child, Duration::from_secs(40));
    let took = start.elapsed();
    assert!(
        fake.count("PUT", "/connectors/db/config") > 0,
        "set-up: the write never came"
    );
    assert!(
        status.is_some() && took < Duration::from_secs(8),
        "--timeout 5s: still running after {took:?} (status {status:?})"
    );
    // Ended by the last resort or not, there is exactly one report, naming it.
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("summary:")).count(),
        1,
        "{stdout}"
    );
    assert!(
        stdout.contains("db: "),
        "the connector is not named:\n{stdout}"
    );
    assert!(!stdout.contains(&"a".repeat(50)), "the secret is printed");
}
