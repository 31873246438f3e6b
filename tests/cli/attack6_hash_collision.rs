//! attack6 (attack23): issue 22 keeps a secret whose pieces are not looked for (a
//! value holding `password=...`, like a JAAS line) as its length and 64-bit
//! polynomial hash alone, "a chance agreement of another text only masking more".
//! The hash is a polynomial modulo 2^64 with an odd base: moving each byte of a
//! 1024-byte block by +-1 along the Thue-Morse sequence keeps it (a textbook
//! collision, no search). A connector whose name ends in such a twin of a secret's
//! beginning is printed as `orders-***` in the termination message: names are never
//! masked.

use crate::support::*;

/// `block` (1024 bytes) with each byte moved by +-1 along the Thue-Morse sequence:
/// the same hash as the redactor computes it.
fn thue_morse_twin(block: &[u8]) -> String {
    assert_eq!(block.len(), 1024);
    let twin: Vec<u8> = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if i.count_ones() % 2 == 1 {
                b - 1
            } else {
                b + 1
            }
        })
        .collect();
    String::from_utf8(twin).unwrap()
}

#[test]
fn attack6_a_hash_collision_hides_a_connector_name() {
    let fake = FakeConnect::start(Config::default());
    // Connect refuses the config (its explanation names no value).
    for path in ["/connectors/*", "/connectors"] {
        for method in ["PUT", "POST"] {
            fake.script(Rule::new(
                method,
                path,
                100,
                Reply::error(
                    400,
                    "Connector configuration is invalid: topics is required",
                ),
            ));
        }
    }
    let mut block = "q".repeat(400).into_bytes();
    block.extend_from_slice(b";password=hunterhunter;");
    block.resize(1024, b'q');
    let twin = thue_morse_twin(&block);
    // The secret value: the block, then what follows a name in the summary.
    let secret = format!("{}: failed", String::from_utf8(block).unwrap());
    let name = format!("orders-{twin}");
    let definition = json!({"name": name, "config": {
        "connector.class": "FileStreamSink", "topics": "orders",
        "connection.password": secret}})
    .to_string();
    let dir = TempDir::with(&[("orders.json", &definition)]);
    let term = dir.path().join("termination-log");
    let out = deploy()
        .url(fake.url())
        .arg("--termination-log")
        .arg(term.to_str().unwrap())
        .arg(dir.arg())
        .run();
    assert_eq!(out.code, 78, "{}", out.all());
    let message = std::fs::read_to_string(&term).unwrap();
    assert!(
        message.contains(&format!("{name}: failed")),
        "the connector's name is hidden in the termination message:\n{message}"
    );
}
