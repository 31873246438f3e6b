//! attack21: only the connector's own plugin is asked which keys are PASSWORD.
//! A transform (or converter, predicate) plugin's PASSWORD key under an innocent
//! name (`transforms.enc.cipher.material`) is shown in the plan, though Connect
//! 3.2+ describes any plugin at `GET /connector-plugins/{class}/config` and masks
//! that value itself.

use crate::support::*;

const SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const ENCRYPT: &str = "com.example.EncryptField";

#[test]
fn a_transforms_password_value_is_never_shown() {
    let fake = FakeConnect::start(Config::default().plugins(&[SINK, ENCRYPT]).declare(
        ENCRYPT,
        "cipher.material",
        "PASSWORD",
    ));
    fake.put_connector(
        "orders",
        json!({"connector.class": "FileStreamSink", "topics": "orders"}),
    );
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders", "transforms": "enc",
        "transforms.enc.type": ENCRYPT,
        "transforms.enc.cipher.material": "Cipher-Secret-Val"}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    let out = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg(dir.arg())
        .run();
    out.expect(0, "transforms.enc.cipher.material");
    assert!(
        !out.all().contains("Cipher-Secret"),
        "the transform's PASSWORD value shown:\n{}",
        out.all()
    );
}
