//! Hostile tests (attack2): a secret of one to three characters is masked only where
//! no letter, digit *or any byte of a multi-byte UTF-8 character* touches it
//! (`stands_alone` counts every byte >= 0x80 as a letter). So a short secret that a
//! worker or gateway quotes with typographic quotes (`«zq7»`, `“zq7”`, `‘zq7’`), or
//! cuts with an ellipsis (`zq7…`), or follows with a no-break space, is printed as
//! written. Promised: never a secret in any output, in any form.

use crate::support::*;

const SECRET: &str = "zq7";

fn contexts() -> String {
    format!(
        "bad credentials «{SECRET}» / “{SECRET}” / ‘{SECRET}’ / {SECRET}… / \u{a0}{SECRET}\u{a0} / •{SECRET}•"
    )
}

fn definition() -> String {
    format!(r#"{{"name":"db","config":{{"connector.class":"X","database.password":"{SECRET}"}}}}"#)
}

#[track_caller]
fn no_short_secret(text: &str, channel: &str) {
    // Every quoted occurrence must be masked; the test's own markers surround them.
    for (open, close) in [
        ("«", "»"),
        ("“", "”"),
        ("‘", "’"),
        (" / ", "…"),
        ("\u{a0}", "\u{a0}"),
        ("•", "•"),
    ] {
        let shown = format!("{open}{SECRET}{close}");
        assert!(
            !text.contains(&shown),
            "{channel}: the secret {SECRET:?} printed as {shown:?}:\n{text}"
        );
    }
}

/// A worker rejects the config quoting the password with typographic quotes.
#[test]
fn attack2_short_secret_beside_non_ascii_punctuation_is_printed() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        100,
        Reply::error(400, &contexts()),
    ));
    let dir = TempDir::with(&[("db.json", &definition())]);
    let log = dir.path().join("termination-log");
    let out = deploy()
        .url(fake.url())
        .timeout("5s")
        .arg("--termination-log")
        .arg(log.display().to_string())
        .arg(dir.arg())
        .run();
    assert!(
        out.all().contains("bad credentials"),
        "the worker's message was not shown (set-up):\n{}",
        out.all()
    );
    no_short_secret(&out.all(), "stdout/stderr");
    let message = std::fs::read_to_string(&log).unwrap_or_default();
    no_short_secret(&message, "termination message");
}

/// The same in JSON mode (the report on stdout, JSON lines on stderr).
#[test]
fn attack2_short_secret_beside_non_ascii_punctuation_in_json_mode() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        100,
        Reply::error(400, &contexts()),
    ));
    let dir = TempDir::with(&[("db.json", &definition())]);
    let out = deploy()
        .url(fake.url())
        .timeout("5s")
        .arg("--log-format")
        .arg("json")
        .arg(dir.arg())
        .run();
    assert!(
        out.all().contains("bad credentials"),
        "the worker's message was not shown (set-up):\n{}",
        out.all()
    );
    no_short_secret(&out.all(), "JSON output");
}
