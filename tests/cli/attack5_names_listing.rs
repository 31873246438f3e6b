//! Hostile tests (attack22): issue 22's names check. When the expanded listing leaves
//! a definition's connector out, one `GET /connectors` tells which of those exist,
//! read once before any connector is worked on. That read, when it never answers,
//! is held until the run's deadline: no connector is attempted, and a config Connect
//! rejects at once (78) is hidden behind 124 "not attempted". (When it answers 503
//! the run falls back to per-connector reads, as it should.) Promised: every
//! connector attempted before the deadline; permanent codes win.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn attack22_a_hanging_names_listing_hides_a_rejection_behind_124() {
    let fake = FakeConnect::start(Config::default().version("4.1.0"));
    // The expanded listing leaves both out; the names listing never answers.
    fake.script(Rule::new(
        "GET",
        "/connectors?expand=info&expand=status",
        1,
        Reply::raw(200, Some("application/json"), "{}"),
    ));
    fake.script(Rule::new(
        "GET",
        "/connectors",
        100,
        Reply::raw(200, Some("application/json"), "[]").delayed(Duration::from_secs(60)),
    ));
    fake.script(Rule::new(
        "PUT",
        "/connectors/bad/config",
        100,
        Reply::error(400, "Connector configuration is invalid: topic is required"),
    ));
    fake.script(Rule::new(
        "POST",
        "/connectors",
        100,
        Reply::error(400, "Connector configuration is invalid: topic is required"),
    ));
    let bad =
        json!({"name": "bad", "config": {"connector.class": "FileStreamSink", "topics": "t"}});
    let good =
        json!({"name": "good", "config": {"connector.class": "FileStreamSource", "topic": "t"}});
    let dir = TempDir::with(&[
        ("bad.json", &bad.to_string()),
        ("good.json", &good.to_string()),
    ]);
    let start = Instant::now();
    let out = deploy().url(fake.url()).timeout("8s").arg(dir.arg()).run();
    let took = start.elapsed();
    assert!(took < Duration::from_secs(9), "took {took:?}");
    assert!(
        fake.count("PUT", "/connectors/bad") + fake.count("POST", "/connectors") > 0,
        "bad never attempted:\n{}",
        out.all()
    );
    assert_eq!(out.code, 78, "{}", out.all());
}
