//! Hostile tests (attack2): a secret matches "in any case", non-ASCII letters
//! included. A secret with non-ASCII letters echoed by a worker in another case
//! (Java's `toUpperCase()`/`toLowerCase()` in an error message, a case-insensitive
//! database reporting the value it compared) is masked whole. Promised: never a
//! secret, in any form (any case).

use crate::support::*;

const SECRET: &str = "Kennwort-Äpfelsaft-und-Öl-Über-2024";

#[track_caller]
fn echoed_as(echo: &str) {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        100,
        Reply::error(400, &format!("login failed for password [{echo}]")),
    ));
    let def = json!({
        "name": "db",
        "config": {"connector.class": "X", "connection.password": SECRET},
    });
    let dir = TempDir::with(&[("db.json", &def.to_string())]);
    let out = deploy().url(fake.url()).timeout("5s").arg(dir.arg()).run();
    assert!(
        out.all().contains("login failed"),
        "the worker's message was not shown (set-up):\n{}",
        out.all()
    );
    // The piece between its first and its last non-ASCII letters, `pfelsaft-und-`
    // in the echo's case: neither end of the secret, so found by nothing.
    let piece: String = echo.chars().skip(10).take(14).collect();
    assert!(
        !out.all().contains(&piece),
        "the secret echoed as {echo:?} printed ({piece:?}):\n{}",
        out.all()
    );
}

#[test]
fn attack2_non_ascii_secret_echoed_in_lower_case_is_masked() {
    echoed_as(&SECRET.to_lowercase());
}

#[test]
fn attack2_non_ascii_secret_echoed_in_upper_case_is_masked() {
    echoed_as(&SECRET.to_uppercase());
}

/// Guard: the secret as written is masked (the set-up reaches the redaction).
#[test]
fn attack2_non_ascii_secret_as_written_is_masked() {
    echoed_as(SECRET);
}
