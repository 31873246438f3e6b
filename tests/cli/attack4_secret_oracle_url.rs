//! attack21: Oracle's thin URL carries its credentials as `user/password@`
//! (`jdbc:oracle:thin:scott/tiger@db:1521/orcl`), with no `://` before them:
//! `embedded_secrets` knows only `scheme://user:password@host` and `key=value`, so
//! the password is printed in the plan.

use crate::support::*;

#[test]
fn an_oracle_thin_url_password_is_never_shown() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "orders",
        json!({"connector.class": "FileStreamSink", "topics": "orders"}),
    );
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders",
        "connection.url": "jdbc:oracle:thin:scott/Tiger-Pass-42@db:1521/orcl"}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    let out = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg(dir.arg())
        .run();
    out.expect(0, "connection.url: jdbc:oracle:thin:scott/");
    assert!(
        !out.all().contains("Tiger-Pass"),
        "the password shown:\n{}",
        out.all()
    );
}
