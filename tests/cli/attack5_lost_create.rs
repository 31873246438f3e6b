//! Hostile tests (attack22): the names listing lies. A connector that exists, left
//! out of both the expanded listing and `GET /connectors` (a worker that cannot
//! describe it at that moment, or another client creating it between our read and
//! our POST), is created with one POST; Connect answers 409 "already exists". The
//! create with `offsets` is then no longer this run's: the connector is someone
//! else's, and the run goes on to update it. But the create's rollback guard, entered
//! before the POST, is never left on the 409: a SIGTERM while the update is under way
//! (or a deadline after a lost update answer) deletes the existing connector.

use std::time::Duration;

use crate::support::*;

fn definition() -> String {
    json!({
        "name": "db",
        "config": {"connector.class": "FileStreamSource", "topic": "t", "file": "/data/in.txt"},
        "offsets": [{"partition": {"filename": "/data/in.txt"}, "offset": {"position": 7}}],
    })
    .to_string()
}

fn lying_worker() -> FakeConnect {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "db",
        json!({"connector.class": "FileStreamSource", "topic": "old", "file": "/data/in.txt"}),
    );
    fake.script(Rule::new(
        "GET",
        "/connectors?expand=info&expand=status",
        1,
        Reply::raw(200, Some("application/json"), "{}"),
    ));
    fake.script(Rule::new(
        "GET",
        "/connectors",
        1,
        Reply::raw(200, Some("application/json"), "[]"),
    ));
    fake
}

#[test]
fn attack22_sigterm_after_a_409_create_deletes_a_connector_this_run_did_not_create() {
    let fake = lying_worker();
    // The update hangs: the run is stopped while it is under way.
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1,
        Reply::error(500, "slow").delayed(Duration::from_secs(30)),
    ));
    let dir = TempDir::with(&[("db.json", &definition())]);
    let child = deploy()
        .url(fake.url())
        .timeout("60s")
        .arg(dir.arg())
        .spawn();
    let start = std::time::Instant::now();
    while fake.count("PUT", "/connectors/db/config") == 0
        && start.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let out = finish(child);
    assert_eq!(out.code, 143, "{}", out.all());
    assert_eq!(
        fake.count("DELETE", "/connectors/db"),
        0,
        "an existing connector was deleted:\n{}",
        out.all()
    );
    assert!(
        fake.connector("db").is_some(),
        "an existing connector this run did not create was deleted:\n{}",
        out.all()
    );
}

#[test]
fn attack22_deadline_after_a_409_create_deletes_a_connector_this_run_did_not_create() {
    let fake = lying_worker();
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        100,
        Reply::error(500, "slow").delayed(Duration::from_secs(60)),
    ));
    let dir = TempDir::with(&[("db.json", &definition())]);
    let out = deploy().url(fake.url()).timeout("5s").arg(dir.arg()).run();
    assert_eq!(
        fake.count("DELETE", "/connectors/db"),
        0,
        "an existing connector was deleted:\n{}",
        out.all()
    );
}
