//! Hostile tests (attack19): the mark `connect-deploy.unfinished` is visible to every
//! other run, not only to the next one. The docs run an install Job beside a repair
//! CronJob (docs/scheduled-runs.md, "Both can run side by side"; the CronJob's
//! `concurrencyPolicy: Forbid` only keeps its own runs apart). A second apply that
//! meets a create still being finished takes it for a dead run's, deletes it and
//! makes it anew; the first run then meets a connector that is no longer its own.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn documented_exit_code_when_another_run_makes_anew_a_create_still_being_finished() {
    let fake = FakeConnect::start(Config::default());
    // Run A's offsets write is slow (Connect's "Request timed out" after a while):
    // its create stands, STOPPED and marked, for a few seconds.
    fake.script(Rule::new(
        "PATCH",
        "/connectors/src/offsets",
        1,
        Reply::error(500, "Request timed out").delayed(Duration::from_secs(3)),
    ));
    let dir = TempDir::with(&[("src.json", &with_offsets("src", position(3), "RUNNING"))]);
    let a = deploy()
        .url(fake.url())
        .timeout("30s")
        .arg(dir.arg())
        .spawn();
    // Until A's offsets write is under way.
    let end = Instant::now() + Duration::from_secs(20);
    while fake.count("PATCH", "/connectors/src/offsets") == 0 && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(fake.connector("src").is_some(), "A's create did not land");
    // Run B (the repair CronJob's run, same definitions) meanwhile.
    let b = deploy().url(fake.url()).timeout("30s").arg(dir.arg()).run();
    let a = finish(a);
    let all = format!(
        "A: exit {}\n{}\nB: exit {}\n{}",
        a.code,
        a.all(),
        b.code,
        b.all()
    );
    // Nothing here is a rejected config: neither run may fail the Job for good
    // (78 is FailJob), and a connector one run reports created must exist.
    assert!(a.code != 78 && b.code != 78, "{all}");
    if a.code == 0 || b.code == 0 {
        assert!(
            fake.connector("src").is_some(),
            "reported created, but gone\n{all}"
        );
    }
}
