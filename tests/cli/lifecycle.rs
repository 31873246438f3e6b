//! The connector lifecycle, declared: offsets at creation, and scoped pruning.

use serde_json::{Value, json};

use crate::support::*;

fn with_offsets(name: &str, offsets: Value, state: &str) -> String {
    json!({
        "name": name,
        "config": {"connector.class": "FileStreamSource", "topic": "t", "file": "/data/in.txt"},
        "state": state,
        "offsets": offsets,
    })
    .to_string()
}

fn position(n: i64) -> Value {
    json!([{"partition": {"filename": "/data/in.txt"}, "offset": {"position": n}}])
}

fn writes(fake: &FakeConnect) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[test]
fn reset_clears_what_an_earlier_connector_of_that_name_left() {
    let fake = FakeConnect::start(Config::default());
    fake.leave_offsets("src", position(9).as_array().unwrap().clone());
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "src: created (offsets: reset)");
    assert!(fake.offsets("src").is_empty(), "{:?}", fake.offsets("src"));
    assert_eq!(
        writes(&fake),
        [
            "POST /connectors",
            "DELETE /connectors/src/offsets",
            "PUT /connectors/src/resume"
        ]
    );
    let post = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(
        post.body.contains(r#""initial_state":"STOPPED""#),
        "{}",
        post.body
    );
    assert_eq!(fake.connector("src").unwrap().target, "RUNNING");
}

#[test]
fn offsets_set_before_the_first_run_and_the_state_after() {
    let fake = FakeConnect::start(Config::default());
    let two = json!([
        {"partition": {"filename": "/data/in.txt"}, "offset": {"position": 42}},
        {"partition": {"filename": "/data/other.txt"}, "offset": {"position": 7}},
    ]);
    let dir = TempDir::with(&[("src.json", &with_offsets("src", two.clone(), "PAUSED"))]);
    deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .arg(dir.arg())
        .run()
        .expect(2, "src: would create (offsets: 2 partitions set)");
    assert!(writes(&fake).is_empty(), "a dry run writes nothing");
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "src: created (offsets: 2 partitions set)");
    assert_eq!(Value::from(fake.offsets("src")), two);
    assert_eq!(fake.connector("src").unwrap().target, "PAUSED");
}

#[test]
fn an_existing_connectors_offsets_are_never_touched() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "src: created");
    fake.leave_offsets("src", position(5).as_array().unwrap().clone());
    let before = writes(&fake).len();
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "src: unchanged; offsets kept (connector exists)");
    assert_eq!(writes(&fake).len(), before, "{:?}", writes(&fake));
    assert_eq!(fake.offsets("src").len(), 1);
}

#[test]
fn a_refused_offset_rolls_the_create_back() {
    let fake = FakeConnect::start(Config::default());
    let bad = json!([{"partition": {"filename": "/data/in.txt"}, "offset": {"position": "nine"}}]);
    let dir = TempDir::with(&[("src.json", &with_offsets("src", bad, "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "expected to be a Long value")
        .expect(78, "deleted again, so the next run creates it anew");
    assert!(
        fake.connector("src").is_none(),
        "the connector was left behind"
    );
    assert_eq!(
        fake.count("PATCH", "/connectors/src/offsets"),
        1,
        "a 500 here is not retried"
    );
}

#[test]
fn workers_before_3_7_cannot_take_offsets() {
    let fake = FakeConnect::start(Config::default().version("3.6.2"));
    let dir = TempDir::with(&[("src.json", &with_offsets("src", json!("reset"), "RUNNING"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "'offsets' needs Kafka Connect 3.7 or newer")
        .expect(78, "this worker runs 3.6");
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
}

#[test]
fn bad_offsets_are_invalid_definitions() {
    for bad in [
        json!("clear"),
        json!([]),
        json!([{"partition": 1, "offset": {}}]),
    ] {
        let dir = TempDir::with(&[("src.json", &with_offsets("src", bad.clone(), "RUNNING"))]);
        deploy()
            .url("http://127.0.0.1:9")
            .arg(dir.arg())
            .run()
            .expect(65, "'offsets'");
    }
}
