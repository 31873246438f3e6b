//! Many connectors (issue 22): how many requests each one costs, where Connect's own
//! answers already tell what a read would.

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
        .expect(0, "hidden: updated (changed: topic)");
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
