//! One worker (`single`), what happens around a connector's life: offsets declared
//! at creation, pruning beside connectors of other owners, secret references, and
//! many connectors applied in parallel. Every test owns its connector names.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The input every source here reads: 14 bytes, so a source that has read it all
/// stands at position 14.
const INPUT: &str = "one\ntwo\nthree\n";
const END: u64 = INPUT.len() as u64;

fn input(dir: &TempDir) -> PathBuf {
    dir.write("input.txt", INPUT)
}

/// The FileStreamSource's one partition, as Connect keys its offsets.
fn partition(file: &Path) -> Value {
    json!({"filename": file.display().to_string()})
}

/// Polls the connector's offsets until its file's partition has the offset `want`
/// (`{"position": N}`). A read may lag a write (see `source_offsets`); the last
/// read is in the failure.
#[track_caller]
fn wait_offset(url: &str, name: &str, file: &Path, want: &Value) {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let last = source_offsets(url, name);
        if last
            .iter()
            .any(|o| o["partition"] == partition(file) && &o["offset"] == want)
        {
            return;
        }
        assert!(
            Instant::now() < end,
            "{name}: offset {want} not shown within 30 s; the last read: {last:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Polls until the connector holds no position for its file: the reset's tombstone
/// has been read. Connect lists the partitions of the records it read first, then
/// reads their offsets again: the partition is gone (`[]`), or, when the second
/// read saw the tombstone and the first did not, listed with offset `null`. A read
/// that lags shows the older position instead, never fewer partitions than that
/// position's, because the position was shown (so read) well before.
#[track_caller]
fn wait_reset(url: &str, name: &str, file: &Path) {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let last = source_offsets(url, name);
        if last
            .iter()
            .all(|o| o["partition"] == partition(file) && o["offset"].is_null())
        {
            return;
        }
        assert!(
            Instant::now() < end,
            "{name}: a position is still shown after 30 s; the last read: {last:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn gone(url: &str, name: &str) {
    assert_eq!(delete(url, name), 204, "DELETE {name}");
    wait_for(&format!("{name} deleted"), Duration::from_secs(30), || {
        stored_config(url, name).is_none().then_some(())
    });
}

#[test]
#[ignore = "needs a real Kafka Connect 4.1.0: scripts/real-connect test"]
fn offsets_reset_forgets_the_position_a_deleted_source_left() {
    let rc = setup();
    let dir = TempDir::new();
    let file = input(&dir);
    let name = "rc-off-reset";
    let mut def = file_source(name, &file, name);
    let apply = |def: &Value| {
        dir.definition(def);
        deploy(&rc.single).arg(dir.arg()).run()
    };
    dir.definition(&def);
    deploy(&rc.single)
        .args(["--wait-running", "--stable", "1s"])
        .arg(dir.arg())
        .run()
        .expect(0, "rc-off-reset: created");
    wait_offset(&rc.single, name, &file, &json!({"position": END}));

    // Deleting a connector leaves its offsets: a connector made again under the
    // same name goes on from there. This is why `"offsets"` exists.
    gone(&rc.single, name);
    def["state"] = json!("STOPPED");
    apply(&def).expect(0, "rc-off-reset: created; stopped");
    wait_offset(&rc.single, name, &file, &json!({"position": END}));

    // The connector exists: declared offsets are not touched.
    def["offsets"] = json!("reset");
    apply(&def).expect(
        0,
        "rc-off-reset: unchanged; offsets kept (connector exists)",
    );

    gone(&rc.single, name);
    apply(&def).expect(0, "rc-off-reset: created (offsets: reset); stopped");
    // Left in its declared state (its status is written after the answer).
    wait_for("rc-off-reset STOPPED", Duration::from_secs(30), || {
        let (code, s) = get(&format!("{}/connectors/{name}/status", rc.single));
        (code == 200 && s["connector"]["state"] == "STOPPED").then_some(())
    });
    wait_reset(&rc.single, name, &file);
    // Only the run that created it asked for the reset (the one that found it
    // existing finished long before this line).
    let path = format!("/connectors/{name}/offsets");
    let log = rc.log("single");
    assert_eq!(
        carried_out(&log, "DELETE", &path),
        1,
        "answers: {:?}",
        requests(&log, "DELETE", &path)
    );
}

#[test]
#[ignore = "needs a real Kafka Connect 4.1.0: scripts/real-connect test"]
fn offsets_declared_at_creation_are_where_the_source_starts() {
    let rc = setup();
    let dir = TempDir::new();
    let file = input(&dir);
    let name = "rc-off-set";
    let mut def = file_source(name, &file, name);
    def["state"] = json!("STOPPED");
    def["offsets"] = json!([{"partition": partition(&file), "offset": {"position": 9}}]);
    dir.definition(&def);
    deploy(&rc.single)
        .arg(dir.arg())
        .run()
        .expect(0, "rc-off-set: created (offsets: 1 partition set); stopped");
    wait_offset(&rc.single, name, &file, &json!({"position": 9}));
    assert_eq!(
        source_offsets(&rc.single, name),
        vec![json!({"partition": partition(&file), "offset": {"position": 9}})],
        "exactly the declared offsets"
    );
}

#[test]
#[ignore = "needs a real Kafka Connect 4.1.0: scripts/real-connect test"]
fn offsets_the_worker_refuses_roll_the_create_back() {
    let rc = setup();
    let dir = TempDir::new();
    let file = input(&dir);
    let name = "rc-off-bad";
    let mut def = file_source(name, &file, name);
    def["state"] = json!("STOPPED");
    def["offsets"] = json!([{"partition": partition(&file), "offset": {"position": "nine"}}]);
    dir.definition(&def);
    let secret = file.display().to_string();
    // FileStreamSourceConnector.alterOffsets refuses it: a 500 naming the key.
    deploy(&rc.single)
        .arg(dir.arg())
        .run()
        .expect(78, "rc-off-bad: failed: the offsets were refused")
        .expect(78, "expected to be a Long value")
        .expect(78, "the connector was deleted again")
        .never_shows(&[&secret]);
    assert_eq!(stored_config(&rc.single, name), None, "rolled back");
    let log = rc.log("single");
    assert!(
        config_writes(&log, name) > 0,
        "the create is counted as a config-topic write"
    );
    assert_eq!(
        config_removals(&log, name),
        1,
        "the roll-back removed the connector from the config topic, once"
    );

    // So the next run starts over, and with good offsets it is created.
    def["offsets"] = json!([{"partition": partition(&file), "offset": {"position": 4}}]);
    dir.definition(&def);
    deploy(&rc.single)
        .arg(dir.arg())
        .run()
        .expect(0, "rc-off-bad: created (offsets: 1 partition set); stopped");
    wait_offset(&rc.single, name, &file, &json!({"position": 4}));
}

#[test]
#[ignore = "needs a real Kafka Connect 4.1.0: scripts/real-connect test"]
fn an_unfinished_create_an_earlier_run_left_is_made_anew_with_its_offsets() {
    let rc = setup();
    let dir = TempDir::new();
    let file = input(&dir);
    let name = "rc-off-unfinished";
    let mut def = file_source(name, &file, name);
    // What an earlier run leaves when it can neither write the offsets nor delete
    // the connector again: STOPPED, with connect-deploy's mark.
    let mut config = def["config"].clone();
    config["connect-deploy.unfinished"] = json!("offsets not written yet");
    let earlier = json!({"name": name, "config": config, "initial_state": "STOPPED"});
    assert_eq!(create(&rc.single, &earlier), 201);
    def["state"] = json!("STOPPED");
    def["offsets"] = json!([{"partition": partition(&file), "offset": {"position": 4}}]);
    dir.definition(&def);
    deploy(&rc.single).arg(dir.arg()).run().expect(
        0,
        "rc-off-unfinished: created (offsets: 1 partition set); stopped",
    );
    wait_offset(&rc.single, name, &file, &json!({"position": 4}));
    let stored = stored_config(&rc.single, name).expect("it exists");
    assert!(
        stored.get("connect-deploy.unfinished").is_none(),
        "the mark is gone: {stored}"
    );
    assert_eq!(
        config_removals(&rc.log("single"), name),
        1,
        "the earlier run's create was deleted, once"
    );
}

#[test]
#[ignore = "needs a real Kafka Connect 4.1.0: scripts/real-connect test"]
fn prune_deletes_only_the_stale_connectors_of_its_scope() {
    let rc = setup();
    let all = TempDir::new();
    let file = input(&all);
    let names = ["rc-team-x-a", "rc-team-x-b", "rc-other-c"];
    for n in names {
        all.definition(&file_source(n, &file, n));
    }
    deploy(&rc.single)
        .args(["--wait-running", "--stable", "1s"])
        .arg(all.arg())
        .run()
        .expect(0, "3 created");
    wait_offset(&rc.single, "rc-team-x-b", &file, &json!({"position": END}));
    let writes_a = config_writes(&rc.log("single"), "rc-team-x-a");

    // The next version of the team's definitions names only team-x-a.
    let team = TempDir::new();
    team.definition(&file_source("rc-team-x-a", &file, "rc-team-x-a"));
    let prune = ["--prune", "--prune-scope", "rc-team-x-*"];
    deploy(&rc.single)
        .args(prune)
        .args(["--dry-run", "--detailed-exitcode"])
        .arg(team.arg())
        .run()
        .expect(2, "rc-team-x-a: unchanged")
        .expect(2, "rc-team-x-b: would delete")
        .never_shows(&["rc-other-c"]);
    for n in names {
        assert!(
            stored_config(&rc.single, n).is_some(),
            "{n}: a dry run deletes nothing"
        );
    }

    deploy(&rc.single)
        .args(prune)
        .arg("--prune-reset-offsets")
        .arg(team.arg())
        .run()
        .expect(0, "rc-team-x-a: unchanged")
        .expect(0, "rc-team-x-b: deleted")
        .expect(0, "1 unchanged, 0 failed, 1 deleted")
        .never_shows(&["rc-other-c"]);
    assert_eq!(stored_config(&rc.single, "rc-team-x-b"), None);
    assert_eq!(
        status(&rc.single, "rc-other-c")["connector"]["state"],
        "RUNNING",
        "outside the scope: untouched"
    );
    assert_eq!(
        config_writes(&rc.log("single"), "rc-team-x-a"),
        writes_a,
        "the kept connector is not written"
    );

    // Its offsets went with it: made again, it would start from the beginning.
    let mut again = file_source("rc-team-x-b", &file, "rc-team-x-b");
    again["state"] = json!("STOPPED");
    let one = TempDir::new();
    one.definition(&again);
    deploy(&rc.single)
        .arg(one.arg())
        .run()
        .expect(0, "rc-team-x-b: created; stopped");
    wait_reset(&rc.single, "rc-team-x-b", &file);
    let log = rc.log("single");
    let path = "/connectors/rc-team-x-b/offsets";
    assert_eq!(
        carried_out(&log, "DELETE", path),
        1,
        "only the pruning run reset offsets; answers: {:?}",
        requests(&log, "DELETE", path)
    );
    assert_eq!(carried_out(&log, "DELETE", "/connectors/rc-team-x-b"), 1);
    assert_eq!(
        requests(&log, "DELETE", "/connectors/rc-other-c"),
        Vec::<u16>::new()
    );
}

#[test]
#[ignore = "needs a real Kafka Connect 4.1.0: scripts/real-connect test"]
fn a_value_from_the_environment_reaches_the_worker_and_no_output() {
    let rc = setup();
    let dir = TempDir::new();
    let file = input(&dir);
    let name = "rc-env-ref";
    let mut def = file_source(name, Path::new("unused"), name);
    def["config"]["file"] = json!({"env": "SRC_FILE"});
    let defs = TempDir::new();
    defs.definition(&def);
    let secret = file.display().to_string();
    let run = || {
        deploy(&rc.single)
            .env("SRC_FILE", &secret)
            .args(["--wait-running", "--stable", "1s"])
            .arg(defs.arg())
            .run()
    };
    run()
        .expect(0, "rc-env-ref: created; now RUNNING, 1 task")
        .never_shows(&[&secret, "input.txt"]);
    assert_eq!(stored_config(&rc.single, name).unwrap()["file"], secret);
    // The task read the file the variable names.
    wait_offset(&rc.single, name, &file, &json!({"position": END}));
    // Compared as the value it stands for.
    run()
        .expect(0, "rc-env-ref: unchanged")
        .never_shows(&[&secret, "input.txt"]);
}

#[test]
#[ignore = "needs a real Kafka Connect 4.1.0: scripts/real-connect test"]
fn twenty_connectors_in_parallel_and_an_unchanged_rerun_writes_nothing() {
    let rc = setup();
    let dir = TempDir::new();
    let file = input(&dir);
    let defs = TempDir::new();
    let names: Vec<String> = (0..20).map(|i| format!("rc-par-{i:02}")).collect();
    for n in &names {
        // One topic for all: Connect creates it once.
        defs.definition(&file_source(n, &file, "rc-par"));
    }
    let run = || {
        let out = deploy(&rc.single)
            .args(["--parallel", "8", "--wait-running", "--stable", "1s"])
            .args(["--log-format", "json"])
            .arg(defs.arg())
            .run();
        assert_eq!(out.code, 0, "{}", out.all());
        out.report()
    };
    let outcomes = |report: &Value| -> Vec<(String, String)> {
        report["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["outcome"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let expect = |outcome: &str| -> Vec<(String, String)> {
        names.iter().map(|n| (n.clone(), outcome.into())).collect()
    };

    let report = run();
    assert_eq!(outcomes(&report), expect("created"), "{report}");
    for n in &names {
        assert_eq!(status(&rc.single, n)["tasks"][0]["state"], "RUNNING", "{n}");
    }
    let writes =
        |log: &str| -> Vec<usize> { names.iter().map(|n| config_writes(log, n)).collect() };
    let after_create = writes(&rc.log("single"));
    assert!(after_create.iter().all(|&w| w > 0), "{after_create:?}");
    let per_connector = |log: &str| {
        log.lines()
            .filter(|l| l.ends_with("(org.apache.kafka.connect.runtime.rest.RestServer)"))
            .filter(|l| l.contains(" /connectors/rc-par-"))
            .count()
    };
    let before = per_connector(&rc.log("single"));

    let report = run();
    assert_eq!(outcomes(&report), expect("unchanged"), "{report}");
    assert_eq!(report["totals"]["unchanged"], 20, "{report}");
    let log = rc.log("single");
    assert_eq!(writes(&log), after_create, "no config-topic write");
    // Reads and waits went through the listing of all connectors, not one
    // connector at a time (the --stable second let the request log catch up).
    assert_eq!(
        per_connector(&log),
        before,
        "no request about one connector"
    );
}
