//! No config value reaches any output, Connect's own echoes included.

use crate::support::*;

const SECRET: &str = "s3cr3t-Pa55w0rd";

fn definition() -> String {
    format!(
        r#"{{"name":"db","config":{{"connector.class":"FileStreamSink","topics":"t","connection.password":"{SECRET}"}}}}"#
    )
}

#[track_caller]
fn assert_hidden(out: &Output) {
    assert!(
        !out.all().contains(SECRET),
        "a secret was printed:\n{}",
        out.all()
    );
}

#[test]
fn a_whole_config_echo_shows_only_keys() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1,
        Reply::error(400, &format!("Connector config {{name=db, topics=t, connection.password={SECRET}}} contains no connector type")),
    ));
    let dir = TempDir::with(&[("db.json", &definition())]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "connection.password=***");
    assert_hidden(&out);
}

#[test]
fn an_invalid_value_echo_and_a_stray_echo_are_masked() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1,
        Reply::error(
            400,
            &format!("Connector configuration is invalid and contains the following 1 error(s):\nInvalid value {SECRET} for configuration connection.password: bad\nlogin {SECRET} refused"),
        ),
    ));
    let dir = TempDir::with(&[("db.json", &definition())]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(
        78,
        "Invalid value *** for configuration connection.password",
    )
    .expect(78, "login *** refused");
    assert_hidden(&out);
}

#[test]
fn diffs_and_retries_never_show_values() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector("db", json!({"connector.class": "FileStreamSink", "topics": "t", "connection.password": "old-password"}));
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1,
        Reply::error(500, &format!("Failed to write to config topic: {SECRET}")),
    ));
    let dir = TempDir::with(&[("db.json", &definition())]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(
        0,
        "db: updated (changed: connection.password (secret changed))",
    );
    assert_hidden(&out);
    assert!(!out.all().contains("old-password"), "{}", out.all());
}

#[test]
fn definition_errors_never_show_values() {
    let dir = TempDir::with(&[(
        "db.json",
        &format!(
            r#"{{"connector.class":"X","password":"{SECRET}","bad":{{"nested":"{SECRET}"}}}}"#
        ),
    )]);
    let out = deploy().arg(dir.arg()).run();
    out.expect(65, "'bad'");
    assert_hidden(&out);
}
