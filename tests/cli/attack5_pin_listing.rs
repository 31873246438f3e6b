//! Hostile tests (attack22): the plugin listing that pinned versions are checked
//! against (`GET /connector-plugins?connectorsOnly=false`) is read once, before any
//! connector, with the run's retries: a listing that keeps answering 503 (or never
//! answers) spends the whole deadline there, so no connector is attempted and a
//! config Connect would reject at once (78) is hidden behind 124. Promised: every
//! connector attempted before the deadline; permanent codes win.

use std::time::{Duration, Instant};

use crate::support::*;

fn run(reply: Reply) -> (Output, Duration, FakeConnect) {
    let fake = FakeConnect::start(Config::default().version("4.1.0"));
    fake.script(Rule::new(
        "GET",
        "/connector-plugins?connectorsOnly=false",
        10_000,
        reply,
    ));
    fake.script(Rule::new(
        "PUT",
        "/connectors/bad/config",
        100,
        Reply::error(400, "Connector configuration is invalid: topic is required"),
    ));
    let pinned = json!({
        "name": "pinned",
        "config": {"connector.class": "FileStreamSource", "topic": "t", "connector.plugin.version": "4.1.0"},
    });
    let bad =
        json!({"name": "bad", "config": {"connector.class": "FileStreamSink", "topics": "t"}});
    let dir = TempDir::with(&[
        ("bad.json", &bad.to_string()),
        ("pinned.json", &pinned.to_string()),
    ]);
    let start = Instant::now();
    let out = deploy().url(fake.url()).timeout("8s").arg(dir.arg()).run();
    (out, start.elapsed(), fake)
}

#[test]
fn attack22_an_unavailable_plugin_listing_hides_a_rejection_behind_124() {
    let (out, took, fake) = run(Reply::error(503, "rebalancing"));
    assert!(took < Duration::from_secs(9), "took {took:?}");
    assert!(
        fake.count("PUT", "/connectors/bad/config") > 0,
        "no connector attempted:\n{}",
        out.all()
    );
    assert_eq!(out.code, 78, "{}", out.all());
}

#[test]
fn attack22_a_hanging_plugin_listing_hides_a_rejection_behind_124() {
    let (out, took, fake) = run(Reply::error(200, "x").delayed(Duration::from_secs(60)));
    assert!(took < Duration::from_secs(9), "took {took:?}");
    assert!(
        fake.count("PUT", "/connectors/bad/config") > 0,
        "no connector attempted:\n{}",
        out.all()
    );
    assert_eq!(out.code, 78, "{}", out.all());
}
