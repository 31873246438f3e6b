//! Hostile tests (attack19): a create with `offsets` whose later step (the state
//! move after the offsets and the unmarking PUT) outlasts the connector's slice is
//! taken up in a later round, which starts again from the offsets write.

use std::time::Duration;

use crate::support::*;

#[test]
fn documented_exit_code_when_the_resume_after_the_offsets_outlasts_its_slice() {
    // `src` is created, its offsets written and its mark removed; the resume lands
    // but its answer does not come before the connector's slice runs out. A later
    // round finds `src` RUNNING and writes its offsets again: Connect refuses that
    // (not STOPPED), which is taken as a rejected config (78, FailJob), and the
    // finished, running connector is deleted again.
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/src/resume",
        1,
        Reply::error(200, "late")
            .still_apply()
            .delayed(Duration::from_secs(3600)),
    ));
    let dir = TempDir::with(&[
        ("a.json", &with_offsets("src", position(3), "RUNNING")),
        ("b.json", &file_source("b")),
    ]);
    let out = deploy()
        .url(fake.url())
        .timeout("8s")
        .arg("--parallel")
        .arg("1")
        .arg(dir.arg())
        .run();
    let w = writes(&fake);
    assert!(
        out.code == 0 || out.code == 124,
        "exit {} (a lost answer to a resume is transient; nothing was rejected)\n{}\n{:?}",
        out.code,
        out.all(),
        w
    );
    let src = fake.connector("src");
    assert!(
        src.is_some(),
        "the finished connector was deleted\n{}\n{:?}",
        out.all(),
        w
    );
}
