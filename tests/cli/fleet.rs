//! Many connectors (issue 22): how many requests each one costs, where Connect's own
//! answers already tell what a read would.

use std::time::Duration;

use crate::support::*;

/// Requests that name one connector (its path holds `/connectors/NAME`, or a POST
/// whose body names it).
fn requests_about(fake: &FakeConnect, name: &str) -> Vec<String> {
    let own = format!("/connectors/{name}");
    fake.requests()
        .into_iter()
        .filter(|r| {
            r.path == own
                || r.path.starts_with(&format!("{own}/"))
                || (r.method == "POST"
                    && r.path == "/connectors"
                    && r.body.contains(&format!(r#""name":"{name}""#)))
        })
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn definition(name: &str, state: Option<&str>) -> String {
    let state = state.map_or(String::new(), |s| format!(r#", "state": "{s}""#));
    format!(
        r#"{{"name": "{name}", "config": {{"connector.class": "FileStreamSource", "topic": "t", "file": "/tmp/{name}"}}{state}}}"#
    )
}

#[test]
fn a_connector_the_listing_does_not_show_is_created_with_one_request() {
    let fake = FakeConnect::start(Config::default());
    let running = definition("new-running", None);
    let paused = definition("new-paused", Some("PAUSED"));
    let dir = TempDir::with(&[("a.json", &running), ("b.json", &paused)]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "new-running: created")
        .expect(0, "new-paused: created");
    // Absent from the listing and from the names: a read first would only say "not
    // found" again. The PUT's 201 says it created the connector.
    assert_eq!(
        requests_about(&fake, "new-running"),
        ["PUT /connectors/new-running/config"]
    );
    // Created PAUSED in one POST (KIP-980, 3.7+).
    assert_eq!(requests_about(&fake, "new-paused"), ["POST /connectors"]);
    assert_eq!(fake.connector("new-paused").unwrap().target, "PAUSED");
}

#[test]
fn a_connector_missing_from_the_listing_that_exists_is_read_and_updated() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "hidden",
        json!({"connector.class": "FileStreamSource", "topic": "old", "file": "/tmp/hidden"}),
    );
    // Connect leaves out of the listing a connector it cannot describe yet (no
    // status a moment after its creation).
    fake.script(Rule::new(
        "GET",
        "/connectors?expand*",
        1,
        Reply::raw(200, Some("application/json"), "{}"),
    ));
    let dir = TempDir::with(&[("a.json", &definition("hidden", None))]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "hidden: updated (changed: topic: old -> t)");
    assert_eq!(stored(&fake, "hidden")["topic"], "t");
}

#[test]
fn an_unchanged_connector_missing_from_the_listing_is_not_written() {
    let fake = FakeConnect::start(Config::default());
    let config =
        json!({"connector.class": "FileStreamSource", "topic": "t", "file": "/tmp/hidden"});
    fake.put_connector("hidden", config);
    fake.script(Rule::new(
        "GET",
        "/connectors?expand*",
        1,
        Reply::raw(200, Some("application/json"), "{}"),
    ));
    let dir = TempDir::with(&[("a.json", &definition("hidden", None))]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "hidden: unchanged");
    // The names list shows it: it is read and compared, never written again
    // unchanged (which would restart it).
    assert_eq!(fake.count("PUT", "/connectors/hidden/config"), 0);
}

#[test]
fn an_unreadable_names_list_means_each_connector_is_read_on_its_own() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    for body in ["{}", "[1, 2]", "not json", deep.as_str()] {
        let fake = FakeConnect::start(Config::default());
        fake.script(Rule::new(
            "GET",
            "/connectors",
            1,
            Reply::raw(200, Some("application/json"), body),
        ));
        let dir = TempDir::with(&[("a.json", &definition("a", None))]);
        deploy()
            .url(fake.url())
            .arg(dir.arg())
            .run()
            .expect(0, "a: created");
        assert_eq!(
            requests_about(&fake, "a"),
            ["GET /connectors/a/config", "PUT /connectors/a/config"],
            "{body:.20}"
        );
    }
}

/// A worker whose writes take a real worker's time (40 ms side by side, 5 ms one at a
/// time): without `--parallel`, the run works on more connectors at a time once it
/// finds that pays; with it, never on more than asked.
fn slow_worker() -> (FakeConnect, TempDir) {
    let fake = FakeConnect::start(
        Config::default().write_latency(Duration::from_millis(40), Duration::from_millis(5)),
    );
    let defs: Vec<_> = (0..40)
        .map(|i| json!({"name": format!("c-{i:02}"), "config": {"connector.class": "FileStreamSource", "topic": "t"}}))
        .collect();
    let dir = TempDir::with(&[("all.json", &serde_json::Value::from(defs).to_string())]);
    (fake, dir)
}

#[test]
fn without_parallel_a_slow_worker_gets_several_connectors_at_a_time() {
    let (fake, dir) = slow_worker();
    let out = deploy().url(fake.url()).timeout("60s").arg(dir.arg()).run();
    out.expect(0, "summary: 40 created");
    let names: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| l.split(':').next())
        .filter(|n| n.starts_with("c-"))
        .map(str::to_string)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "lines in definition order");
    assert!(
        fake.most_writes_at_once() >= 2,
        "one at a time all along: {}",
        fake.most_writes_at_once()
    );
}

#[test]
fn parallel_given_is_never_exceeded() {
    for n in ["1", "3"] {
        let (fake, dir) = slow_worker();
        deploy()
            .url(fake.url())
            .timeout("60s")
            .arg("--parallel")
            .arg(n)
            .arg(dir.arg())
            .run()
            .expect(0, "summary: 40 created");
        assert!(
            fake.most_writes_at_once() <= n.parse().unwrap(),
            "--parallel {n}: {} at once",
            fake.most_writes_at_once()
        );
    }
}

#[test]
fn connections_are_kept_for_every_connector_worked_on_at_once() {
    let (fake, dir) = slow_worker();
    let relay = CountingProxy::start(fake.addr());
    deploy()
        .url(relay.url("http"))
        .timeout("60s")
        .arg("--parallel")
        .arg("8")
        .arg(dir.arg())
        .run()
        .expect(0, "summary: 40 created");
    // One connection per worker (and the one that waited for readiness): none
    // opened again for each connector.
    assert!(
        relay.connections() <= 10,
        "{} connections for 8 at a time",
        relay.connections()
    );
}
