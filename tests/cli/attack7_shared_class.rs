//! attack7 (attack24): issue 22 shares one set of PASSWORD keys per plugin class
//! among the definitions, each under its prefix. One class used by three
//! definitions under three prefixes (two transform aliases and a converter): each
//! value is secret under its own prefix, none under another's.

use crate::support::*;

const SINK: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
const ENCRYPT: &str = "com.example.EncryptField";

#[test]
fn attack7_one_plugin_class_under_three_prefixes_keeps_each_value_secret() {
    let fake = FakeConnect::start(Config::default().plugins(&[SINK, ENCRYPT]).declare(
        ENCRYPT,
        "cipher.material",
        "PASSWORD",
    ));
    for n in ["a", "b", "c"] {
        fake.put_connector(n, json!({"connector.class": "FileStreamSink", "topics": n}));
    }
    let a = json!({"name": "a", "config": {"connector.class": "FileStreamSink", "topics": "a",
        "transforms": "enc", "transforms.enc.type": ENCRYPT,
        "transforms.enc.cipher.material": "Alpha-Cipher-Val"}});
    let b = json!({"name": "b", "config": {"connector.class": "FileStreamSink", "topics": "b",
        "transforms": "x", "transforms.x.type": ENCRYPT,
        "transforms.x.cipher.material": "Bravo-Cipher-Val",
        // The other alias's key here is no PASSWORD key of this config's plugins.
        "transforms.enc.cipher.material": "plain-visible-b"}});
    let c = json!({"name": "c", "config": {"connector.class": "FileStreamSink", "topics": "c",
        "value.converter": ENCRYPT,
        "value.converter.cipher.material": "Charlie-Cipher-Val"}});
    let dir = TempDir::with(&[
        ("a.json", &a.to_string()),
        ("b.json", &b.to_string()),
        ("c.json", &c.to_string()),
    ]);
    let out = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg(dir.arg())
        .run();
    assert_eq!(out.code, 0, "{}", out.all());
    for secret in ["Alpha-Ciph", "Bravo-Ciph", "Charlie-Ciph"] {
        assert!(
            !out.all().contains(secret),
            "{secret} shown:\n{}",
            out.all()
        );
    }
    assert!(
        out.all().contains("transforms.x.cipher.material"),
        "{}",
        out.all()
    );
}
