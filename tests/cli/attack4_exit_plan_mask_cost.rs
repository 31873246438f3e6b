//! attack21: a plan with values (issue 21) is one record per connector holding every
//! changed key's old and new value, and the whole record is masked before it is cut
//! to 4 KB. Masking costs the text's length times the number of distinct lengths of
//! the run's secrets (every form of each), so a large but ordinary config (1,000
//! changed keys of 300 bytes beside 1,000 passwords of different lengths) makes a dry
//! run against a healthy worker outlive its deadline: exit 124 ("Connect was not
//! ready or available") instead of 0, and the last resort's own lines are withheld
//! ("text withheld: the list of secrets could not be read"). In JSON it is a cliff:
//! 40 changed keys beside 40 passwords take 0.2 s, 80 never end before the deadline.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use crate::support::*;

/// A dry run changing `n` keys beside `n` passwords, in `formats`: exit 0 within
/// the 20 s deadline, nothing withheld, no password shown.
fn plan_within_the_deadline(n: usize, formats: &[&str]) {
    let mut stored = Map::new();
    let mut wanted = Map::new();
    for config in [&mut stored, &mut wanted] {
        config.insert("connector.class".into(), "FileStreamSink".into());
        config.insert("topics".into(), "orders".into());
    }
    for i in 0..n {
        stored.insert(
            format!("k{i}"),
            format!("old-{i}-{}", "x".repeat(300)).into(),
        );
        wanted.insert(
            format!("k{i}"),
            format!("new-{i}-{}", "y".repeat(300)).into(),
        );
        wanted.insert(
            format!("db{i}.password"),
            format!("Secret-{i}-{}", "z".repeat(i % 90)).into(),
        );
    }
    let fake = FakeConnect::start(Config::default());
    fake.put_connector("orders", Value::Object(stored));
    let definition = json!({"name": "orders", "config": wanted}).to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    for &format in formats {
        let start = Instant::now();
        let out = deploy()
            .url(fake.url())
            .timeout("20s")
            .arg("--dry-run")
            .arg("--log-format")
            .arg(format)
            .arg(dir.arg())
            .run();
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(21),
            "{format}: {took:?}\n{}",
            out.all()
        );
        assert_eq!(
            out.code,
            0,
            "{format}: a dry run against a healthy worker, in {took:?}:\n{}",
            out.all()
        );
        assert!(!out.all().contains("withheld"), "{}", out.all());
        assert!(!out.all().contains("Secret-"), "{}", out.all());
    }
}

#[test]
fn a_large_plan_is_reported_within_the_deadline_with_its_code() {
    // Release build: 1,000 keys take 8 s in text; debug: over 48 s.
    plan_within_the_deadline(1000, &["text"]);
}

#[test]
fn a_json_plan_of_80_keys_is_reported_within_the_deadline() {
    // Reported as a cliff (40 keys 0.2 s, 80 keys 124 at any deadline): the
    // events passed 64 KB on stderr, and the test's reader drained no pipe until
    // the child ended, so the child blocked writing. `support::finish` now reads
    // both pipes while it waits; the run takes about a second.
    plan_within_the_deadline(80, &["json"]);
}
