//! attack21: security.md says `key` after `account`, `sas`, `auth`, `signing` marks a
//! secret (`sas_key`), but `looks_secret` splits words at non-alphanumerics only:
//! `accountKey`, `sasKey`, `authKey` are one word each and not secret (while
//! `apiKey`, `accessKey`, `secretKey` are listed whole). The same rule reads
//! connection strings: Azure's `AccountKey=...` and `SharedAccessKey=...` are shown.

use crate::support::*;

#[test]
fn camel_case_key_names_and_azure_connection_strings_are_secret() {
    let fake = FakeConnect::start(Config::default());
    fake.put_connector(
        "orders",
        json!({"connector.class": "FileStreamSink", "topics": "orders"}),
    );
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders",
        "azure.accountKey": "AcctKey-Secret-77",
        "azure.sasKey": "SasKey-Secret-88",
        "azure.storage.connection.string": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9vYmFyQmF6UXV4OTk5;EndpointSuffix=core.windows.net",
        "eventhub.connection.string": "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=SharedKey-Secret-99"}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    let out = deploy()
        .url(fake.url())
        .arg("--dry-run")
        .arg(dir.arg())
        .run();
    out.expect(0, "would update");
    for secret in [
        "AcctKey-Secret",
        "SasKey-Secret",
        "Zm9vYmFyQmF6UXV4OTk5",
        "SharedKey-Secret",
    ] {
        assert!(
            !out.all().contains(secret),
            "{secret} shown:\n{}",
            out.all()
        );
    }
}
