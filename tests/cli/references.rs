//! Config values from mounted files and variables: `{"file": PATH}`, `{"env": NAME}`.

use std::os::unix::ffi::OsStrExt;

use crate::support::*;

const PASSWORD: &str = "pg-Rotat3d!";

fn definition(reference: &str) -> String {
    format!(
        r#"{{"name":"pg","config":{{"connector.class":"FileStreamSink","topics":"t","connection.user":"app","connection.password":{reference}}}}}"#
    )
}

#[test]
fn a_file_relative_to_the_definition_and_a_variable_are_read() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("pg.json", &definition(r#"{"file": "secrets/password"}"#))]);
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    dir.write("secrets/password", &format!("{PASSWORD}\n"));
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(0, "pg: created");
    assert_eq!(stored(&fake, "pg")["connection.password"], PASSWORD);
    assert!(!out.all().contains(PASSWORD), "{}", out.all());

    // The same value from a variable: unchanged. A short one, under a key not
    // named like a secret, is a secret all the same.
    let dir2 = TempDir::with(&[("pg.json", &definition(r#"{"env": "PG_PASSWORD"}"#))]);
    deploy()
        .url(fake.url())
        .env("PG_PASSWORD", PASSWORD)
        .arg(dir2.arg())
        .run()
        .expect(0, "pg: unchanged");
}

#[test]
fn a_rotated_secret_is_an_update_naming_the_key_never_the_value() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("pg.json", &definition(r#"{"env": "PG_PASSWORD"}"#))]);
    deploy()
        .url(fake.url())
        .env("PG_PASSWORD", "old-Secret-1")
        .arg(dir.arg())
        .run()
        .expect(0, "pg: created");
    for extra in [&["--dry-run"][..], &["--log-format", "json"][..]] {
        let log = dir.path().join("termination");
        let mut run = deploy()
            .url(fake.url())
            .env("PG_PASSWORD", PASSWORD)
            .arg("--termination-log")
            .arg(log.display().to_string());
        for a in extra {
            run = run.arg(*a);
        }
        let out = run
            .arg(dir.path().join("pg.json").display().to_string())
            .run();
        assert_eq!(out.code, 0, "{}", out.all());
        assert!(out.all().contains("connection.password"), "{}", out.all());
        let message = std::fs::read_to_string(&log).unwrap();
        for text in [out.all(), message] {
            assert!(
                !text.contains(PASSWORD) && !text.contains("old-Secret-1"),
                "{text}"
            );
        }
    }
    assert_eq!(stored(&fake, "pg")["connection.password"], PASSWORD);
    assert_eq!(fake.count("PUT", "/connectors/pg/config"), 2);
}

#[test]
fn a_resolved_secret_echoed_by_connect_is_masked() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/pg/config",
        1,
        Reply::error(400, "login for app with ab failed"),
    ));
    let dir = TempDir::with(&[("pg.json", &definition(r#"{"env": "PG_PASSWORD"}"#))]);
    let out = deploy()
        .url(fake.url())
        .env("PG_PASSWORD", "ab")
        .arg(dir.arg())
        .run();
    out.expect(78, "login for app with *** failed");
}

#[test]
fn unresolvable_references_are_invalid_definitions_before_any_request() {
    let dir = TempDir::new();
    std::fs::create_dir(dir.path().join("a-dir")).unwrap();
    std::fs::write(dir.path().join("latin1"), [b'p', 0xe9, b'\n']).unwrap();
    for (reference, named) in [
        (
            r#"{"file": "missing"}"#.to_string(),
            "missing: no such file".to_string(),
        ),
        (r#"{"file": "a-dir"}"#.into(), "a-dir, a directory".into()),
        (r#"{"file": "latin1"}"#.into(), "latin1 is not UTF-8".into()),
        (
            r#"{"env": "UNSET_VARIABLE"}"#.into(),
            "UNSET_VARIABLE is not set".into(),
        ),
        (
            r#"{"env": "NOT_UTF8"}"#.into(),
            "NOT_UTF8 is not UTF-8".into(),
        ),
        (
            r#"{"file": "a", "env": "B"}"#.into(),
            "must be {\"file\": PATH} or {\"env\": NAME}".into(),
        ),
        (
            r#"{"vault": "x"}"#.into(),
            "must be {\"file\": PATH} or {\"env\": NAME}".into(),
        ),
        (r#"{"env": 3}"#.into(), "'env' must name a variable".into()),
    ] {
        dir.write("pg.json", &definition(&reference));
        let fake = FakeConnect::start(Config::default());
        let out = bin_command()
            .arg(dir.path().join("pg.json"))
            .env_clear()
            .env("KAFKA_CONNECT_URL", fake.url())
            .env("NOT_UTF8", std::ffi::OsStr::from_bytes(b"\xff"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(65), "{reference}: {err}");
        assert!(err.contains("pg.json"), "names the file: {err}");
        assert!(err.contains("connection.password"), "names the key: {err}");
        assert!(
            err.contains(&named),
            "{reference}: expected {named:?} in {err}"
        );
        assert!(
            fake.requests().is_empty(),
            "{reference}: a request was sent"
        );
    }
}

#[test]
fn config_provider_references_pass_through_and_compare_equal() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[(
        "pg.json",
        &definition(r#""${file:/opt/connect/secrets.properties:pg-password}""#),
    )]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "pg: created");
    assert_eq!(
        stored(&fake, "pg")["connection.password"],
        "${file:/opt/connect/secrets.properties:pg-password}"
    );
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "pg: unchanged");
}

/// A `{"file"}` reference is read up to 1 MiB and only from a regular file: larger
/// files, FIFOs, devices (`/dev/zero`, which never ends) are invalid definitions (65)
/// at once, named by definition file and key, their content never shown.
#[test]
fn a_file_reference_is_limited_to_one_mib_of_a_regular_file() {
    let dir = TempDir::new();
    let content = "Zq7".repeat(1024 * 1024 / 3 + 1);
    std::fs::write(dir.path().join("big"), &content).unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    for (reference, named) in [
        (r#"{"file": "big"}"#, "big is larger than 1 MiB"),
        (
            r#"{"file": "/dev/zero"}"#,
            "/dev/zero, which is not a regular file",
        ),
        (r#"{"file": "fifo"}"#, "fifo, which is not a regular file"),
    ] {
        dir.write("pg.json", &definition(reference));
        let fake = FakeConnect::start(Config::default());
        let mut child = deploy()
            .url(fake.url())
            .timeout("60s")
            .arg(dir.path().join("pg.json").display().to_string())
            .spawn();
        let status = wait_within(&mut child, std::time::Duration::from_secs(20));
        assert!(status.is_some(), "{reference}: still reading after 20 s");
        let out = finish(child);
        out.expect(65, "pg.json")
            .expect(65, "connection.password")
            .expect(65, named);
        assert!(!out.all().contains("Zq7Zq7"), "the content is never shown");
        assert!(
            fake.requests().is_empty(),
            "{reference}: a request was sent"
        );
    }
    // Exactly the limit is accepted.
    std::fs::write(dir.path().join("big"), "x".repeat(1024 * 1024)).unwrap();
    dir.write("pg.json", &definition(r#"{"file": "big"}"#));
    let fake = FakeConnect::start(Config::default());
    deploy()
        .url(fake.url())
        .arg(dir.path().join("pg.json").display().to_string())
        .run()
        .expect(0, "pg: created");
}
