//! attack21: the password of `scheme://user:password@host` is registered as written,
//! percent-encoded (`%21Abc-Pass-Xy%21`), never decoded: the password the driver
//! and Connect actually use (`!Abc-Pass-Xy!`), echoed in an error, is shown.

use crate::support::*;

#[test]
fn a_percent_encoded_url_password_is_hidden_decoded_too() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/orders/config",
        1000,
        Reply::error(
            400,
            "FATAL: password authentication failed for user app (password !Abc-Pass-Xy!)",
        ),
    ));
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders",
        "connection.url": "postgresql://app:%21Abc-Pass-Xy%21@db:5432/orders"}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(78, "password authentication failed");
    assert!(
        !out.all().contains("Abc-Pass-Xy"),
        "the decoded password shown:\n{}",
        out.all()
    );
}
