//! attack21: a plan cuts each shown value to 200 bytes (`Diff::describe_key`,
//! `cut(v, MAX_SHOWN)`) before the line is masked, against "the whole text is masked
//! before anything is cut". A value holding a credential (`password=` in a JDBC URL)
//! cut 5 bytes into it leaves those bytes: below the 6-byte prefix the redaction
//! layer looks for, so `password=Q7vau...` is printed.

use crate::support::*;

#[test]
fn a_plan_never_shows_the_beginning_of_an_embedded_password() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "orders",
        json!({"connector.class": "FileStreamSink", "topics": "orders"}),
    );
    // The plan keeps 197 bytes and adds `...`: the password starts at byte 192.
    let head = "jdbc:postgresql://db:5432/orders?ssl=true&application_name=";
    let tail = "&password=";
    let pad = "a".repeat(192 - head.len() - tail.len());
    let url = format!("{head}{pad}{tail}Q7vau-Zeta-Secret");
    assert_eq!(url.find("Q7vau"), Some(192));
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders", "connection.url": url}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    let out = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg(dir.arg())
        .run();
    out.expect(0, "connection.url: jdbc:postgresql://db:5432/orders");
    assert!(
        !out.all().contains("password=Q7v"),
        "the password's first bytes shown:\n{}",
        out.all()
    );
}
