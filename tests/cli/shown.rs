//! What is shown and what is hidden (issue 21): connector names and ordinary values
//! are shown; the values of keys the plugin declares PASSWORD, of secret-looking
//! keys and of keys `--secret-keys` names are hidden. Connect's long messages are
//! shortened; a plan shows old and new values.

use serde_json::Value;

use crate::support::*;

const DATAGEN: &str = "io.confluent.kafka.connect.datagen.DatagenConnector";
const SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";

/// A worker of this version without the Datagen plugin, as the seed meets it.
fn without_datagen(version: &str) -> Config {
    Config::default().version(version).plugins(&[
        "org.apache.kafka.connect.file.FileStreamSourceConnector",
        SINK,
        "org.apache.kafka.connect.mirror.MirrorSourceConnector",
    ])
}

/// A run with a termination log: its output and the termination message.
fn run_with_termination(run: Deploy, dir: &TempDir, file: &str) -> (Output, String) {
    let log = dir.path().join("termination-log");
    let out = run
        .arg("--termination-log")
        .arg(log.display().to_string())
        .arg(dir.path().join(file).display().to_string())
        .run();
    let termination = std::fs::read_to_string(&log).unwrap_or_default();
    (out, termination)
}

#[test]
fn the_seeds_missing_plugin_names_the_connector_and_the_class() {
    // 4.1 rejects an unknown class with 400, older workers with 500.
    for version in ["4.1.0", "3.9.0"] {
        let fake = FakeConnect::start(without_datagen(version));
        let dir = TempDir::with(&[("clicks.json", CLICKS)]);
        let (out, termination) =
            run_with_termination(deploy().url(fake.url()).timeout("10s"), &dir, "clicks.json");
        let line = format!(
            "clicks: failed: the worker has no connector plugin {DATAGEN} (installed: FileStreamSink, FileStreamSource, MirrorSource) (exit 78)"
        );
        out.expect(78, &line);
        assert!(
            termination.len() <= 4096,
            "{} bytes:\n{termination}",
            termination.len()
        );
        assert!(
            termination.contains(&line["clicks: ".len()..]) && termination.contains("clicks: "),
            "{version}: the termination message leads with the failure:\n{termination}"
        );
        assert!(
            !out.all().contains("PluginDesc") && !termination.contains("PluginDesc"),
            "Connect's plugin dump:\n{}\n{termination}",
            out.all()
        );
        assert!(
            !out.all().contains("***"),
            "nothing here is secret:\n{}",
            out.all()
        );
    }
}

#[test]
fn many_failures_lead_the_termination_message_within_4_kb() {
    let fake = FakeConnect::start(without_datagen("4.1.0"));
    let definitions: Vec<Value> = (0..60)
        .map(|i| {
            json!({"name": format!("clicks-{i:02}"), "config": {
                "connector.class": DATAGEN, "kafka.topic": format!("clicks-{i:02}")}})
        })
        .collect();
    let dir = TempDir::with(&[("all.json", &Value::from(definitions).to_string())]);
    let (out, termination) =
        run_with_termination(deploy().url(fake.url()).timeout("20s"), &dir, "all.json");
    assert_eq!(out.code, 78, "{}", out.all());
    assert!(termination.len() <= 4096, "{}", termination.len());
    assert!(termination.starts_with("exit 78: "), "{termination}");
    assert!(
        termination.contains("clicks-00: failed: the worker has no connector plugin"),
        "{termination}"
    );
    assert!(
        termination.contains("0 created, 0 updated, 0 unchanged, 60 failed"),
        "the counts survive the cut:\n{termination}"
    );
}

/// A sink whose plugin declares `db.blob` PASSWORD, a name no rule finds.
fn orders(extra: &[(&str, &str)]) -> String {
    let mut config = json!({
        "connector.class": "FileStreamSink",
        "topics": "orders",
        "file": "/data/orders.txt",
        "db.blob": "Blob-Material-77",
    });
    for (k, v) in extra {
        config[*k] = Value::from(*v);
    }
    json!({"name": "orders", "config": config}).to_string()
}

#[test]
fn a_value_the_plugin_declares_password_is_hidden_and_ordinary_values_are_shown() {
    let fake = FakeConnect::start(Config::default().declare(SINK, "db.blob", "PASSWORD"));
    let echo = format!(
        "cannot open /data/orders.txt for topic orders with key Blob-Material-77 ({})",
        fake_connect::base64("Blob-Material-77")
    );
    fake.script(Rule::new(
        "PUT",
        "/connectors/orders/config",
        1000,
        Reply::error(400, &echo),
    ));
    let dir = TempDir::with(&[("orders.json", &orders(&[]))]);
    for format in ["text", "json"] {
        let (out, termination) = run_with_termination(
            deploy().url(fake.url()).arg("--log-format").arg(format),
            &dir,
            "orders.json",
        );
        let all = format!("{}\n{termination}", out.all());
        assert_eq!(out.code, 78, "{all}");
        assert!(
            all.contains("cannot open /data/orders.txt for topic orders with key ***"),
            "{all}"
        );
        assert!(!all.contains("Blob-Material"), "{all}");
        assert!(
            !all.contains(&fake_connect::base64("Blob-Material-77")),
            "{all}"
        );
        assert!(termination.contains("orders: failed: "), "{termination}");
    }
    assert_eq!(
        fake.count("GET", "/connector-plugins/FileStreamSink/config"),
        2,
        "one look at the plugin per run"
    );
}

#[test]
fn secret_keys_names_more_secrets_by_glob() {
    let echo = "refused: Blobby-Secret-1 for topic orders";
    let dir = TempDir::with(&[("orders.json", &orders(&[("db.extra", "Blobby-Secret-1")]))]);
    let start = || {
        let fake = FakeConnect::start(Config::default());
        fake.script(Rule::new(
            "PUT",
            "/connectors/orders/config",
            1000,
            Reply::error(400, echo),
        ));
        fake
    };
    // Without the option the value is an ordinary one, shown.
    let fake = start();
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, echo);
    for run in [
        deploy().arg("--secret-keys").arg("x.y, db.e*"),
        deploy().env("KAFKA_CONNECT_SECRET_KEYS", "db.ex?ra"),
        // Every value a secret: the topic `orders` is the connector's name, shown.
        deploy().arg("--secret-keys").arg("*"),
    ] {
        let fake = start();
        let out = run.url(fake.url()).arg(dir.arg()).run();
        out.expect(78, "refused: *** for topic orders");
        assert!(!out.all().contains("Blobby"), "{}", out.all());
    }
    let out = deploy()
        .arg("--secret-keys")
        .arg("a,,b")
        .arg(dir.arg())
        .run();
    out.expect(64, "--secret-keys");
}

#[test]
fn a_name_inside_a_secret_is_still_shown() {
    let definition = json!({"name": "clicks", "config": {
        "connector.class": "FileStreamSink", "topics": "clicks",
        "connection.password": "clicks-Secret-99"}})
    .to_string();
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/clicks/config",
        1000,
        Reply::error(
            400,
            "Connector clicks: login clicks-Secret-99 refused for clicks",
        ),
    ));
    let dir = TempDir::with(&[("clicks.json", &definition)]);
    let (out, termination) = run_with_termination(deploy().url(fake.url()), &dir, "clicks.json");
    out.expect(78, "clicks: failed: ")
        .expect(78, "Connector clicks: login *** refused for clicks");
    assert!(
        termination.contains("clicks: failed: ")
            && termination.contains("Connector clicks: login *** refused for clicks"),
        "{termination}"
    );
    assert!(!format!("{}{termination}", out.all()).contains("Secret-99"));
}

/// The seed's connector as it stands on the worker, with a password.
fn stored_clicks(fake: &FakeConnect) {
    fake.put_connector(
        "clicks",
        json!({"connector.class": DATAGEN, "kafka.topic": "clicks", "tasks.max": "1",
               "connection.password": "Old-Passw0rd-1", "name": "clicks"}),
    );
}

fn wanted_clicks() -> String {
    json!({"name": "clicks", "config": {"connector.class": DATAGEN, "kafka.topic": "clicks-v2",
        "tasks.max": "1", "connection.password": "New-Passw0rd-2", "max.interval": "500"}})
    .to_string()
}

#[test]
fn a_plan_shows_old_and_new_values_and_only_that_a_secret_changed() {
    let dir = TempDir::with(&[("clicks.json", &wanted_clicks())]);
    for dry_run in [true, false] {
        let fake = FakeConnect::start(Config::default());
        stored_clicks(&fake);
        let mut run = deploy().url(fake.url());
        if dry_run {
            run = run.arg("--dry-run");
        }
        let out = run.arg(dir.arg()).run();
        let verb = if dry_run { "would update" } else { "updated" };
        out.expect(
            0,
            &format!(
                "clicks: {verb} (changed: connection.password (secret changed), kafka.topic: clicks -> clicks-v2; added: max.interval: 500)"
            ),
        );
        assert!(!out.all().contains("Passw0rd"), "{}", out.all());
    }
}

#[test]
fn the_json_report_carries_old_and_new_values_secrets_as_null() {
    let dir = TempDir::with(&[("clicks.json", &wanted_clicks())]);
    let fake = FakeConnect::start(Config::default());
    stored_clicks(&fake);
    let out = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg("--log-format")
        .arg("json")
        .arg(dir.arg())
        .run();
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(!out.all().contains("Passw0rd"), "{}", out.all());
    let report: Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let changes = &report["connectors"][0]["changes"];
    assert_eq!(
        changes,
        &json!([
            {"key": "connection.password", "old": null, "new": null, "secret": true},
            {"key": "kafka.topic", "old": "clicks", "new": "clicks-v2", "secret": false},
            {"key": "max.interval", "old": null, "new": "500", "secret": false},
        ]),
        "{report}"
    );
    // The log line of the connector carries them too.
    let line: Value = out
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["event"] == "would_update")
        .unwrap_or_else(|| panic!("no would_update line:\n{}", out.stderr));
    assert_eq!(&line["changes"], changes, "{line}");
}

#[test]
fn a_password_typed_change_is_planned_as_a_secret_change() {
    let fake = FakeConnect::start(Config::default().declare(SINK, "db.blob", "PASSWORD"));
    fake.put_connector(
        "orders",
        json!({"connector.class": "FileStreamSink", "topics": "orders", "file": "/data/orders.txt",
               "db.blob": "Old-Blob-Material-1", "name": "orders"}),
    );
    let dir = TempDir::with(&[("orders.json", &orders(&[("topics", "orders-v2")]))]);
    for format in ["text", "json"] {
        let out = deploy()
            .url(fake.url())
            .arg("--dry-run")
            .arg("--log-format")
            .arg(format)
            .arg(dir.arg())
            .run();
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(!out.all().contains("Blob-Material"), "{}", out.all());
        if format == "text" {
            out.expect(
                0,
                "orders: would update (changed: db.blob (secret changed), topics: orders -> orders-v2)",
            );
        } else {
            let report: Value = serde_json::from_str(out.stdout.trim()).unwrap();
            assert_eq!(
                report["connectors"][0]["changes"][0],
                json!({"key": "db.blob", "old": null, "new": null, "secret": true}),
                "{report}"
            );
        }
    }
}

#[test]
fn where_the_worker_cannot_list_key_types_the_names_decide() {
    // Before 3.2 there is no list of key types: not asked; a worker that fails to
    // answer is named in a warning.
    for (version, broken) in [("3.1.0", false), ("4.1.0", true)] {
        let fake = FakeConnect::start(
            Config::default()
                .version(version)
                .declare(SINK, "db.blob", "PASSWORD"),
        );
        if broken {
            fake.script(Rule::new(
                "GET",
                "/connector-plugins/FileStreamSink/config",
                1000,
                Reply::error(503, "unavailable"),
            ));
        }
        fake.script(Rule::new(
            "PUT",
            "/connectors/orders/config",
            1000,
            Reply::error(400, "bad blob Blob-Material-77 and password pw-Secret-12"),
        ));
        let definition = orders(&[("connection.password", "pw-Secret-12")]);
        let dir = TempDir::with(&[("orders.json", &definition)]);
        let out = deploy().url(fake.url()).timeout("6s").arg(dir.arg()).run();
        // The secret-named value stays hidden; the PASSWORD-typed one with an
        // innocent name cannot be known (name it with --secret-keys).
        out.expect(78, "bad blob Blob-Material-77 and password ***");
        assert!(!out.all().contains("pw-Secret"), "{}", out.all());
        assert_eq!(
            out.stderr
                .contains("the key types of plugin FileStreamSink could not be read"),
            broken,
            "{version}: {}",
            out.stderr
        );
        if !broken {
            assert_eq!(
                fake.count("GET", "/connector-plugins/FileStreamSink/config"),
                0
            );
        }
    }
}
