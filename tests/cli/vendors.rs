//! Vendor builds (issue 20): masked values settle and rotations land, keys a vendor
//! adds or rewrites (`--ignore-keys`), per-connector RBAC, pinned plugin versions
//! (KIP-891) and policy refusals.

use crate::support::*;

const SECRET: &str = "s3cr3t-Pa55w0rd";
const ROTATED: &str = "r0tat3d-Pa55w0rd";
const CERT: &str = "cert-material-0123456789";
const BULLETS: &str = "••••••••••••";
const FINGERPRINT: &str = "connect-deploy.fingerprint";

/// A sink with an inline password and a PASSWORD-typed key whose name says nothing
/// of a secret, read from a file.
fn masked_definition(dir: &TempDir, password: &str, cert: &str) {
    dir.write("cert.txt", cert);
    dir.write(
        "db.json",
        &format!(
            r#"{{"connector.class":"FileStreamSink","topics":"t","connection.password":"{password}","ssl.truststore.certificates":{{"file":"cert.txt"}}}}"#
        ),
    );
}

/// No request ever carried a mask, and no output a secret.
#[track_caller]
fn nothing_leaked(fake: &FakeConnect, outputs: &[&Output]) {
    for r in fake.requests() {
        assert!(
            !r.body.contains(BULLETS) && !r.body.contains('\u{2022}'),
            "a mask was sent: {} {}",
            r.method,
            r.path
        );
    }
    for out in outputs {
        for secret in [SECRET, ROTATED, CERT] {
            assert!(!out.all().contains(secret), "{}", out.all());
        }
    }
}

fn writes(fake: &FakeConnect) -> usize {
    fake.count("PUT", "/connectors/db/config") + fake.count("POST", "/connectors")
}

#[test]
fn a_masking_confluent_worker_settles_and_rotations_land_once() {
    let fake = FakeConnect::start(Config::default().confluent_masking("8.1.0-ccs"));
    let dir = TempDir::new();
    masked_definition(&dir, SECRET, CERT);
    let run = || deploy().url(fake.url()).arg(dir.arg()).run();
    let first = run();
    first.expect(0, "db: created");
    assert!(stored(&fake, "db").contains_key(FINGERPRINT));
    let second = run();
    second.expect(0, "db: unchanged");
    let third = run();
    third.expect(0, "db: unchanged");
    assert_eq!(writes(&fake), 1, "an unchanged definition is written once");
    let dry = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .arg(dir.arg())
        .run();
    dry.expect(0, "db: unchanged");

    // Rotated inline: written once, naming the key.
    masked_definition(&dir, ROTATED, CERT);
    let rotated = run();
    rotated.expect(
        0,
        "db: updated (changed: connection.password (secret changed))",
    );
    assert_eq!(stored(&fake, "db")["connection.password"], ROTATED);
    run().expect(0, "db: unchanged");
    assert_eq!(writes(&fake), 2);

    // Rotated through the file: the same.
    masked_definition(&dir, ROTATED, "new-cert-material-987654");
    let by_file = run();
    by_file.expect(
        0,
        "db: updated (changed: ssl.truststore.certificates (secret changed))",
    );
    run().expect(0, "db: unchanged");
    assert_eq!(writes(&fake), 3);
    nothing_leaked(&fake, &[&first, &second, &third, &dry, &rotated, &by_file]);
}

/// Where the worker cannot say which keys are PASSWORD (before 3.2), a key it masks
/// is secret whatever its name: its rotation is planned as `(secret changed)`, and
/// neither value is shown.
#[test]
fn a_key_the_worker_masks_is_secret_whatever_its_name() {
    let fake = FakeConnect::start(
        Config::default()
            .version("3.1.0")
            .mask_text("********")
            .password_keys(&["db.blob"]),
    );
    fake.put_connector(
        "db",
        json!({"connector.class":"FileStreamSink","topics":"t","db.blob":"old"}),
    );
    let dir = TempDir::new();
    let define = |blob: &str| {
        dir.write(
            "db.json",
            &format!(r#"{{"connector.class":"FileStreamSink","topics":"t","db.blob":"{blob}"}}"#),
        )
    };
    define(SECRET);
    let recorded = deploy().url(fake.url()).arg(dir.arg()).run();
    recorded.expect(
        0,
        "db: updated (masked by the worker, not yet fingerprinted: db.blob)",
    );
    assert!(stored(&fake, "db").contains_key(FINGERPRINT));
    define(ROTATED);
    let plan = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .arg(dir.arg())
        .run();
    plan.expect(2, "db: would update (changed: db.blob (secret changed))");
    let json = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--log-format")
        .arg("json")
        .arg(dir.arg())
        .run();
    json.expect(0, r#""secret":true"#);
    nothing_leaked(&fake, &[&recorded, &plan, &json]);
}

/// A create with offsets carries `connect-deploy.unfinished` until its offsets are
/// written, then is written once more without it: that write keeps the fingerprint,
/// so the next run settles (issue 19 meets issue 20).
#[test]
fn a_create_with_offsets_on_a_masking_worker_keeps_its_fingerprint() {
    let fake = FakeConnect::start(Config::default().confluent_masking("8.1.0-ccs"));
    let dir = TempDir::with(&[(
        "src.json",
        &json!({
            "name": "src",
            "config": {"connector.class": "FileStreamSource", "topic": "t", "file": "/data/in.txt",
                       "connection.password": SECRET},
            "offsets": [{"partition": {"filename": "/data/in.txt"}, "offset": {"position": 7}}],
        })
        .to_string(),
    )]);
    let created = deploy().url(fake.url()).arg(dir.arg()).run();
    created.expect(0, "src: created");
    let config = stored(&fake, "src");
    assert!(config.contains_key(FINGERPRINT), "{config:?}");
    assert!(
        !config.contains_key("connect-deploy.unfinished"),
        "{config:?}"
    );
    let again = deploy().url(fake.url()).arg(dir.arg()).run();
    again.expect(0, "src: unchanged");
    nothing_leaked(&fake, &[&created, &again]);
}

/// A connector that exists without a fingerprint (an earlier tool, an earlier
/// version) is written once to record it, then settles; `*` and `[hidden]` are
/// masks too.
#[test]
fn an_existing_masked_connector_is_written_once_then_settles() {
    for mask in ["********", "[hidden]", BULLETS] {
        let fake = FakeConnect::start(Config::default().mask_text(mask));
        let dir = TempDir::new();
        masked_definition(&dir, SECRET, CERT);
        fake.put_connector(
            "db",
            json!({"connector.class":"FileStreamSink","topics":"t","connection.password":"old","ssl.truststore.certificates":"old"}),
        );
        let once = deploy().url(fake.url()).arg(dir.arg()).run();
        once.expect(0, "db: updated (masked by the worker, not yet fingerprinted: connection.password, ssl.truststore.certificates)");
        assert_eq!(stored(&fake, "db")["connection.password"], SECRET);
        let again = deploy().url(fake.url()).arg(dir.arg()).run();
        again.expect(0, "db: unchanged");
        assert_eq!(writes(&fake), 1, "{mask}");
        nothing_leaked(&fake, &[&once, &again]);
    }
}

/// Where nothing is masked, nothing changes: no fingerprint is stored.
#[test]
fn a_worker_that_does_not_mask_gets_no_fingerprint() {
    for version in ["4.1.0", "8.1.0-ccs", "7.9.2-ce"] {
        let fake = FakeConnect::start(Config::default().version(version));
        let dir = TempDir::new();
        masked_definition(&dir, SECRET, CERT);
        deploy()
            .url(fake.url())
            .arg(dir.arg())
            .run()
            .expect(0, "db: created");
        deploy()
            .url(fake.url())
            .arg(dir.arg())
            .run()
            .expect(0, "db: unchanged");
        assert!(
            !version.starts_with('4') || !stored(&fake, "db").contains_key(FINGERPRINT),
            "{version}"
        );
        assert_eq!(writes(&fake), 1, "{version}");
    }
}

#[test]
fn a_definition_may_not_declare_the_fingerprint_or_a_mask() {
    for (config, why) in [
        (
            format!(r#""{FINGERPRINT}":"x""#),
            "connect-deploy.fingerprint",
        ),
        (
            format!(r#""connection.password":"{BULLETS}""#),
            "holds a mask",
        ),
        (
            r#""connection.password":"[hidden]""#.to_string(),
            "holds a mask",
        ),
    ] {
        let dir = TempDir::with(&[(
            "db.json",
            &format!(r#"{{"connector.class":"FileStreamSink","topics":"t",{config}}}"#),
        )]);
        deploy()
            .url("http://127.0.0.1:9")
            .arg(dir.arg())
            .run()
            .expect(65, why);
    }
}

/// Cloudera's Secrets Storage adds `secret.bundle.id` and rewrites protected values
/// to `${secret:...}`: with `--ignore-keys` neither is drift.
#[test]
fn ignored_keys_are_never_drift() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "db",
        json!({"connector.class":"FileStreamSink","topics":"t","connection.password":"${secret:db:password}","secret.bundle.id":"b-17"}),
    );
    let dir = TempDir::with(&[(
        "db.json",
        &format!(
            r#"{{"connector.class":"FileStreamSink","topics":"t","connection.password":"{SECRET}"}}"#
        ),
    )]);
    deploy()
        .url(fake.url())
        .arg("--ignore-keys")
        .arg("secret.bundle.id,connection.*")
        .arg(dir.arg())
        .run()
        .expect(0, "db: unchanged");
    deploy()
        .url(fake.url())
        .env(
            "KAFKA_CONNECT_IGNORE_KEYS",
            "secret.bundle.?d, connection.password",
        )
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .arg(dir.arg())
        .run()
        .expect(0, "db: unchanged");
    assert_eq!(writes(&fake), 0);
    let out = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .arg(dir.arg())
        .run();
    out.expect(
        2,
        "db: would update (changed: connection.password (secret changed); removed: secret.bundle.id (secret))",
    );
    deploy()
        .url(fake.url())
        .arg("--ignore-keys")
        .arg("*")
        .arg(dir.arg())
        .run()
        .expect(64, "--ignore-keys");
}

/// Confluent RBAC per connector name: a token that owns `team-a-*` and `team-c-*`
/// but not `team-b-*` fails the one it may not touch (77) and applies the others.
#[test]
fn a_403_on_one_connector_fails_that_connector_alone() {
    for (parallel, validate) in [("1", false), ("3", false), ("1", true)] {
        let fake = FakeConnect::start(Config::default().forbid("team-b-"));
        let dir = TempDir::with(&[
            (
                "team-a-1.json",
                r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
            ),
            (
                "team-b-1.json",
                r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
            ),
            (
                "team-c-1.json",
                r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
            ),
        ]);
        let mut run = deploy().url(fake.url()).arg("--parallel").arg(parallel);
        if validate {
            // A 403 is no verdict on a config: the others are still written.
            run = run.arg("--validate");
        }
        let out = run.arg(dir.arg()).run();
        out.expect(77, "team-a-1: created")
            .expect(77, "team-c-1: created")
            .expect(
                77,
                "team-b-1: failed: Kafka Connect refused access: HTTP 403",
            )
            .expect(77, "summary: 2 created, 0 updated, 0 unchanged, 1 failed");
        assert!(fake.connector("team-a-1").is_some() && fake.connector("team-c-1").is_some());
        assert!(!out.all().contains("not attempted"), "{}", out.all());
    }
}

/// A 403 on the cluster-wide reads (the listing of every connector), and any 401,
/// still stop the run: nothing is written.
#[test]
fn a_403_on_the_listing_or_a_401_stops_the_run() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "GET",
        "/connectors?expand*",
        1,
        Reply::error(403, "User:alice is not permitted to list connectors"),
    ));
    let dir = TempDir::with(&[
        (
            "a.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
        (
            "b.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
    ]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(77, "refused access");
    assert_eq!(fake.count("PUT", "/connectors/"), 0);
    assert_eq!(
        fake.count("GET", "/connectors/"),
        0,
        "no connector was read"
    );

    let fake = FakeConnect::start(Config::default());
    per_connector_reads(&fake);
    fake.script(Rule::new(
        "GET",
        "/connectors/a/config",
        1,
        Reply::raw(
            401,
            Some("application/json"),
            "User cannot access the resource.",
        ),
    ));
    let out = deploy()
        .url(fake.url())
        .arg("--parallel")
        .arg("1")
        .arg(dir.arg())
        .run();
    out.expect(77, "a: failed: Kafka Connect refused access: HTTP 401")
        .expect(77, "b: failed: not attempted");
    assert_eq!(fake.count("PUT", "/connectors/"), 0);
}

const FULL_SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";

fn pinned(class: &str, pin: &str) -> TempDir {
    TempDir::with(&[(
        "src.json",
        &format!(
            r#"{{"connector.class":"{class}","topic":"t","connector.plugin.version":"{pin}"}}"#
        ),
    )])
}

/// Before 4.1 a worker accepts a pin and ignores it: refused before anything is
/// written, naming the key and the release needed.
#[test]
fn a_pin_on_a_worker_before_4_1_is_refused() {
    for version in ["3.9.1", "4.0.0", "7.9.3-ccs"] {
        let fake = FakeConnect::start(Config::default().version(version));
        let out = deploy()
            .url(fake.url())
            .arg(pinned("FileStreamSource", "4.1.0").arg())
            .run();
        out.expect(78, "connector.plugin.version").expect(78, "4.1");
        assert_eq!(fake.count("PUT", "/connectors/"), 0, "{version}");
        assert_eq!(fake.count("POST", "/connectors"), 0, "{version}");
    }
}

/// On 4.1+ a pin no installed version matches is 78 before anything is written,
/// naming the class, the pin and what is installed, by full name and by alias
/// (where Connect itself answers a 500).
#[test]
fn a_missing_pinned_version_is_refused_naming_what_is_installed() {
    for class in [FULL_SOURCE, "FileStreamSource"] {
        let fake = FakeConnect::start(Config::default());
        let out = deploy()
            .url(fake.url())
            .arg(pinned(class, "9.9.9").arg())
            .run();
        out.expect(78, "src: failed")
            .expect(78, "9.9.9")
            .expect(78, "4.1.0")
            .expect(78, class);
        assert_eq!(fake.count("PUT", "/connectors/"), 0, "{class}");
    }
}

/// Where the listing cannot be read, Connect's own refusals are 78 all the same,
/// its 500 for an alias included (never exit 1, never retried for ever).
#[test]
fn connects_refusals_of_a_pin_are_78() {
    for class in [FULL_SOURCE, "FileStreamSource"] {
        let fake = FakeConnect::start(Config::default());
        fake.script(Rule::new(
            "GET",
            "/connector-plugins*",
            1000,
            Reply::error(500, "java.lang.NullPointerException"),
        ));
        let out = deploy()
            .url(fake.url())
            .timeout("20s")
            .arg(pinned(class, "9.9.9").arg())
            .run();
        out.expect(78, "src: failed").expect(78, "9.9.9");
        assert!(fake.connector("src").is_none());
    }
}

/// A pin that exists creates and runs; the result line names the running version,
/// and so does the JSON report.
#[test]
fn a_pinned_version_runs_and_is_named() {
    let fake = FakeConnect::start(Config::default());
    let dir = pinned("FileStreamSource", "4.1.0");
    deploy()
        .url(fake.url())
        .arg("--wait-running")
        .arg("--stable")
        .arg("0s")
        .arg(dir.arg())
        .run()
        .expect(0, "src: created; now RUNNING (4.1.0), 1 task");
    let out = deploy()
        .url(fake.url())
        .arg("--wait-running")
        .arg("--stable")
        .arg("0s")
        .arg("--log-format")
        .arg("json")
        .arg(dir.arg())
        .run();
    out.expect(0, r#""plugin_version":"4.1.0""#);
    // Without a pin, lines stay as they were.
    let plain = TempDir::with(&[(
        "p.json",
        r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
    )]);
    deploy()
        .url(fake.url())
        .arg("--wait-running")
        .arg("--stable")
        .arg("0s")
        .arg(plain.arg())
        .run()
        .expect(0, "p: created; now RUNNING, 1 task");
}

/// A dry run shows a version change as a change of its own, with both versions.
#[test]
fn a_dry_run_shows_a_version_change() {
    let fake = FakeConnect::start(Config::default().plugin_version("4.1.0"));
    fake.put_connector(
        "src",
        json!({"connector.class":"FileStreamSource","topic":"t","connector.plugin.version":"4.0.0"}),
    );
    deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--detailed-exitcode")
        .arg(pinned("FileStreamSource", "4.1.0").arg())
        .run()
        .expect(
            2,
            "src: would update (plugin version: connector.plugin.version 4.0.0 -> 4.1.0)",
        );
}

/// A worker policy (KIP-1188's client-override allowlist, the login-module
/// allowlist) refuses a key an older worker accepted: 78, the key named, the value
/// never shown (Connect's message echoes it).
#[test]
fn a_policy_refusal_names_the_key_and_never_the_value() {
    let value = "client-id-zz-77";
    let module = "org.example.UnlistedLoginModule";
    for (key, written) in [
        ("producer.override.client.id", value.to_string()),
        (
            "sasl.jaas.config",
            format!(r#"{module} required username=\"u\";"#),
        ),
    ] {
        let fake = FakeConnect::start(
            Config::default()
                .override_allowlist(&["org.apache.kafka.common.security.plain.PlainLoginModule"]),
        );
        let dir = TempDir::with(&[(
            "s.json",
            &format!(r#"{{"connector.class":"FileStreamSink","topics":"t","{key}":"{written}"}}"#),
        )]);
        for json in [false, true] {
            let mut run = deploy().url(fake.url());
            if json {
                run = run.arg("--log-format").arg("json");
            }
            let out = run.arg(dir.arg()).run();
            out.expect(78, &format!("Kafka Connect refused '{key}'"));
            for shown in [value, module, "UnlistedLoginModule", "client-id"] {
                assert!(!out.all().contains(shown), "{}", out.all());
            }
        }
        assert!(fake.connector("s").is_none());
    }
}

/// A worker whose version does not say it masks, seen masking in the listing: a
/// connector created in that run gets its fingerprint at once, and settles.
#[test]
fn masks_seen_in_the_listing_fingerprint_a_create_at_once() {
    let fake = FakeConnect::start(Config::default().mask_passwords());
    fake.put_connector(
        "old",
        json!({"connector.class":"FileStreamSink","topics":"t","connection.password":"x"}),
    );
    let dir = TempDir::new();
    for name in ["old", "new"] {
        dir.write(
            &format!("{name}.json"),
            &format!(
                r#"{{"connector.class":"FileStreamSink","topics":"t","connection.password":"{SECRET}"}}"#
            ),
        );
    }
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "new: created")
        .expect(
            0,
            "old: updated (masked by the worker, not yet fingerprinted: connection.password)",
        );
    assert!(stored(&fake, "new").contains_key(FINGERPRINT));
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "new: unchanged")
        .expect(0, "old: unchanged");
    assert_eq!(fake.count("PUT", "/connectors/new/config"), 1);
    assert_eq!(fake.count("PUT", "/connectors/old/config"), 1);
}

/// The types of a plugin's keys are read once per class and run, however many
/// connectors of it are created.
#[test]
fn plugin_key_types_are_read_once_per_class() {
    let fake = FakeConnect::start(Config::default().confluent_masking("8.0.0-ce"));
    let dir = TempDir::new();
    for name in ["a", "b", "c"] {
        dir.write(
            &format!("{name}.json"),
            &format!(
                r#"{{"connector.class":"FileStreamSink","topics":"t","ssl.truststore.certificates":"{CERT}"}}"#
            ),
        );
    }
    deploy()
        .url(fake.url())
        .arg("--parallel")
        .arg("1")
        .arg(dir.arg())
        .run()
        .expect(0, "summary: 3 created");
    assert_eq!(fake.count("GET", "/connector-plugins/"), 1);
    // Typed PASSWORD, not named like a secret: fingerprinted at once all the same.
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "summary: 0 created, 0 updated, 3 unchanged");
}

/// Waiting: a 403 on one connector's status fails that connector alone; the others
/// are still watched until they run.
#[test]
fn a_403_on_one_connectors_status_fails_it_alone_while_waiting() {
    let fake = FakeConnect::start(Config::default());
    per_connector_reads(&fake);
    fake.script(Rule::new(
        "GET",
        "/connectors/b/status",
        1000,
        Reply::error(403, "User:alice is not permitted to describe Connector:b"),
    ));
    let dir = TempDir::with(&[
        (
            "a.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
        (
            "b.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
        (
            "c.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
    ]);
    let out = deploy()
        .url(fake.url())
        .arg("--wait-running")
        .arg("--stable")
        .arg("0s")
        .arg(dir.arg())
        .run();
    out.expect(77, "a: created; now RUNNING, 1 task")
        .expect(77, "c: created; now RUNNING, 1 task")
        .expect(77, "b: failed: Kafka Connect refused access: HTTP 403");
    assert!(!out.all().contains("not checked"), "{}", out.all());
}
