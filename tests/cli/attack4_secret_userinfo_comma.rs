//! attack21: the password of `scheme://user:password@host` is a secret, but
//! `embedded_secrets` ends the authority at the first `,` (to split a host list),
//! so a password holding a `,` (legal unencoded in RFC 3986 userinfo, and common
//! in MongoDB URIs) is never found, and the plan prints the whole URI.

use crate::support::*;

#[test]
fn a_url_password_holding_a_comma_is_never_shown() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "orders",
        json!({"connector.class": "FileStreamSink", "topics": "orders",
               "connection.uri": "mongodb://app:Pa55,w0rd-Zeta@mongo-old:27017/db"}),
    );
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders",
        "connection.uri": "mongodb://app:Pa55,w0rd-Zeta@mongo1:27017,mongo2:27017/db"}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    let out = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg(dir.arg())
        .run();
    out.expect(0, "connection.uri: mongodb://app:");
    assert!(
        !out.all().contains("w0rd-Zeta"),
        "the URI's password shown:\n{}",
        out.all()
    );
}
