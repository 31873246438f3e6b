//! attack7 (attack24): a secret that begins with its connector's name and a dash
//! (`clicks-pw-2024`) is masked by its first bytes wherever they stand. Connect
//! names a sink's consumer `connector-consumer-clicks-0` and its tasks `clicks-0`:
//! `clicks-` agrees with the secret's beginning one byte past the name, so the
//! span is not inside the name and the connector's name is masked in Connect's
//! explanation (the line, the JSON report, the termination message).

use std::time::Duration;

use fake_connect::Status;

use crate::support::*;

const TRACE: &str = "org.apache.kafka.common.errors.TopicAuthorizationException: [Consumer clientId=connector-consumer-clicks-0, groupId=connect-clicks] Not authorized to access topics: [clicks]\n\tat org.apache.kafka.clients.consumer.internals.Fetcher.x(Fetcher.java:1)";

#[test]
fn attack7_a_password_beginning_with_the_name_masks_it_in_connects_explanation() {
    let fake = FakeConnect::start(Config::default());
    fake.timeline(
        "clicks",
        vec![(
            Duration::from_secs(3600),
            Status::failed_task("RUNNING", TRACE),
        )],
    );
    let def = json!({"name": "clicks", "config": {
        "connector.class": "FileStreamSink", "topics": "clicks",
        "consumer.override.sasl.password": "clicks-pw-2024"}})
    .to_string();
    let dir = TempDir::with(&[("clicks.json", &def)]);
    let log = TempDir::new();
    let termination = log.path().join("termination-log");
    let out = deploy()
        .url(fake.url())
        .timeout("20s")
        .arg("--wait-running")
        .arg("--stable")
        .arg("1s")
        .arg("--termination-log")
        .arg(termination.to_str().unwrap())
        .arg(dir.arg())
        .run();
    assert_eq!(out.code, 69, "{}", out.all());
    assert!(!out.all().contains("clicks-pw"), "{}", out.all());
    let message = std::fs::read_to_string(&termination).unwrap_or_default();
    for (channel, text) in [("output", out.all()), ("termination message", message)] {
        assert!(
            text.contains("clientId=connector-consumer-clicks-0"),
            "the connector's name masked in Connect's explanation ({channel}):\n{text}"
        );
    }
}
