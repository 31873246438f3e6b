//! attack21: the value the worker holds for a key that only `--validate` types
//! PASSWORD (a worker older than 3.2, or one whose plugin look-up failed) is
//! printed in the plan: validation makes the new value a secret of the run, but
//! `Definition::is_secret` and `register_stored` never learn the key, so the old
//! value is shown (`db.blob: Old-Blob-Secret-1 -> ***`) and `secret: false`.

use crate::support::*;

const SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";

#[test]
fn a_stored_value_of_a_key_validation_types_password_is_never_shown() {
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders",
        "db.blob": "New-Blob-Secret-2"}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    for (version, dry_run, format) in [
        ("3.1.0", true, "text"),
        ("3.1.0", false, "text"),
        ("3.1.0", true, "json"),
    ] {
        // 3.1 has validation but no `GET /connector-plugins/{class}/config`.
        let fake = FakeConnect::start(
            Config::default()
                .version(version)
                .declare(SINK, "db.blob", "PASSWORD"),
        );
        fake.put_connector(
            "orders",
            json!({"connector.class": "FileStreamSink", "topics": "orders",
                   "db.blob": "Old-Blob-Secret-1"}),
        );
        let mut run = deploy()
            .url(fake.url())
            .arg("--validate")
            .arg("--log-format")
            .arg(format);
        if dry_run {
            run = run.arg("--dry-run");
        }
        let out = run.arg(dir.arg()).run();
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(
            out.all().contains("db.blob"),
            "the plan names the key:\n{}",
            out.all()
        );
        assert!(
            !out.all().contains("Blob-Secret"),
            "{version} dry_run={dry_run} {format}: a PASSWORD value shown:\n{}",
            out.all()
        );
    }
}
