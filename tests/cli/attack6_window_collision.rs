//! attack6 (attack23): issue 22's index keys a secret's middle windows by 32 bits
//! (e54843e) and keeps "one offset per middle and window" by looking at the head of
//! the key's chain: a window whose 32-bit key a window of the same secret holds
//! already is not indexed. Two 16-byte windows with one key are found by a birthday
//! search in a fraction of a second; a password holding both (at offsets 0 and 24)
//! has a 30-byte middle piece that no window finds. A worker that echoes that piece
//! in its explanation has it printed on stdout, in the termination message and in
//! the JSON report.

use crate::support::*;

#[test]
fn attack6_a_window_key_collision_leaks_a_piece_of_a_password() {
    // key(16, hash(w0)) == key(16, hash(w24)) in the index's terms.
    let (w0, w24) = ("a7lpk5ypez2znudx", "6uiuekqyysh9721p");
    let password = format!("{w0}Rt5yUi8o{w24}Mn3bVc6xZl9kJh2g");
    let piece = password[17..47].to_string();
    let fake = FakeConnect::start(Config::default());
    let message = format!("Connector configuration is invalid: login failed near '{piece}'");
    for path in ["/connectors/*", "/connectors"] {
        for method in ["PUT", "POST"] {
            fake.script(Rule::new(method, path, 100, Reply::error(400, &message)));
        }
    }
    let definition = json!({"name": "orders", "config": {
        "connector.class": "FileStreamSink", "topics": "orders",
        "connection.password": password}})
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
    let json = deploy()
        .url(fake.url())
        .arg("--log-format")
        .arg("json")
        .arg(dir.arg())
        .run();
    let shown: Vec<&str> = [
        ("stdout", &out.stdout),
        ("stderr", &out.stderr),
        ("termination message", &message),
        ("JSON report", &json.stdout),
        ("JSON log", &json.stderr),
    ]
    .into_iter()
    .filter(|(_, text)| text.contains(&piece))
    .map(|(channel, _)| channel)
    .collect();
    assert!(
        shown.is_empty(),
        "{piece:?} in {shown:?}:\n{}\n{message}\n{}",
        out.all(),
        json.all()
    );
}
