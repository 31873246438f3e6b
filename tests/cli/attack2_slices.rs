//! Hostile tests (attack2): "every connector is attempted before the deadline ...
//! when the time left is shorter, it is shared evenly" (README, Limits it keeps).
//! Many stuck connectors ahead of one that Connect rejects at once, on a short
//! --timeout: the rejected one must be attempted and reported 78, not 124.

use std::time::Duration;

use crate::support::*;

/// 200 stuck connectors under 4 s leave about 20 ms each: what each turn costs
/// beyond its slice (noticing the time-out, a new connection) is learnt and kept
/// back for the turns behind it (issue 22), or the last one went unattempted.
#[test]
fn attack2_rejected_connector_behind_many_stuck_ones_is_attempted() {
    let fake = FakeConnect::start(Config::default());
    let never = Reply::error(200, "never").delayed(Duration::from_secs(3600));
    fake.script(Rule::new("PUT", "/connectors/stuck-*", 100_000, never));
    fake.script(Rule::new(
        "PUT",
        "/connectors/zz-rejected/config",
        100,
        Reply::error(400, "Connector configuration is invalid"),
    ));
    let mut defs: Vec<_> = (0..200)
        .map(|i| json!({"name": format!("stuck-{i:03}"), "config": {"connector.class": "FileStreamSource", "topic": "t"}}))
        .collect();
    defs.push(json!({"name": "zz-rejected", "config": {"connector.class": "FileStreamSource", "topic": "t"}}));
    let dir = TempDir::with(&[("all.json", &serde_json::Value::from(defs).to_string())]);
    let out = deploy().url(fake.url()).timeout("4s").arg(dir.arg()).run();
    assert!(
        fake.count("PUT", "/connectors/zz-rejected/config") > 0,
        "the rejected connector was never attempted (exit {}):\n{}",
        out.code,
        out.all()
            .lines()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        out.code,
        78,
        "{}",
        out.all()
            .lines()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    );
}
