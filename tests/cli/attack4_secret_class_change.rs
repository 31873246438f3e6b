//! attack21: a connector whose class changes. Its plugin's PASSWORD keys are asked
//! for the class the definition names only; a key the worker holds that the old
//! class's plugin declares PASSWORD (an innocent name, so no rule finds it) is shown
//! with its value in the plan as removed (`removed: db.blob: Old-Blob-Secret-1`),
//! though the worker's plugin for that connector types it PASSWORD.

use crate::support::*;

const SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";

#[test]
fn the_old_classs_password_values_are_never_shown_when_the_class_changes() {
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders", "file": "/data/orders.txt"}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    for (dry_run, format) in [(true, "text"), (false, "text"), (true, "json")] {
        let fake = FakeConnect::start(Config::default().declare(SOURCE, "db.blob", "PASSWORD"));
        fake.put_connector(
            "orders",
            json!({"connector.class": "FileStreamSource", "topic": "orders",
                   "file": "/data/orders.txt", "db.blob": "Old-Blob-Secret-1"}),
        );
        let mut run = deploy().url(fake.url()).arg("--log-format").arg(format);
        if dry_run {
            run = run.arg("--dry-run");
        }
        let out = run.arg(dir.arg()).run();
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(out.all().contains("db.blob"), "{}", out.all());
        assert!(
            !out.all().contains("Blob-Secret"),
            "dry_run={dry_run} {format}: the old class's PASSWORD value shown:\n{}",
            out.all()
        );
    }
}
