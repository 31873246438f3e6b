//! attack7 (attack24): the PASSWORD keys of the plugins a connector's *stored* config
//! names. `steps::plugins` asks about the plugins the definitions name, and
//! `learn_stored_class` about a stored connector class that differs; a stored
//! transform (converter, predicate) that the definition dropped or renamed is
//! asked about by no one, so its PASSWORD value under an innocent name is shown as
//! the removed key's old value in the plan.

use crate::support::*;

const SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const ENCRYPT: &str = "com.example.EncryptField";

#[test]
fn attack7_a_dropped_transforms_stored_password_is_never_shown() {
    let fake = FakeConnect::start(Config::default().plugins(&[SINK, ENCRYPT]).declare(
        ENCRYPT,
        "cipher.material",
        "PASSWORD",
    ));
    fake.put_connector(
        "orders",
        json!({"connector.class": "FileStreamSink", "topics": "orders", "transforms": "enc",
            "transforms.enc.type": ENCRYPT,
            "transforms.enc.cipher.material": "Cipher-Secret-Val"}),
    );
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders"}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    for json_mode in [false, true] {
        let mut d = deploy().url(fake.url()).arg("--dry-run");
        if json_mode {
            d = d.arg("--log-format").arg("json");
        }
        let out = d.arg(dir.arg()).run();
        out.expect(0, "transforms.enc.cipher.material");
        assert!(
            !out.all().contains("Cipher-Secret"),
            "the stored transform's PASSWORD value shown:\n{}",
            out.all()
        );
    }
}
