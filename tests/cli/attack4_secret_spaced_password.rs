//! attack21: `password=...` inside a connection string is a secret, but
//! `embedded_secrets` splits the value at every blank (and `;`), so a passphrase
//! with blanks, or SQL Server's brace-quoted `password={a;b}`, is found only up to
//! its first blank: `password=*** horse battery staple;` in the plan.

use crate::support::*;

#[test]
fn a_connection_string_passphrase_is_hidden_whole() {
    for (url, rest) in [
        (
            "jdbc:sqlserver://db:1433;databaseName=orders;user=sa;password=correct horse battery staple;",
            "horse battery staple",
        ),
        (
            "jdbc:sqlserver://db:1433;databaseName=orders;user=sa;password={Brace;Quoted-Secret};",
            "Quoted-Secret",
        ),
    ] {
        let fake = FakeConnect::start(Config::default());
        fake.put_connector(
            "orders",
            json!({"connector.class": "FileStreamSink", "topics": "orders"}),
        );
        let definition = json!({"name": "orders", "config": {
            "connector.class": "FileStreamSink", "topics": "orders", "connection.url": url}})
        .to_string();
        let dir = TempDir::with(&[("orders.json", &definition)]);
        let out = deploy()
            .url(fake.url())
            .arg("--dry-run")
            .arg(dir.arg())
            .run();
        out.expect(0, "connection.url: jdbc:sqlserver://db:1433");
        assert!(
            !out.all().contains(rest),
            "part of the password shown:\n{}",
            out.all()
        );
    }
}
