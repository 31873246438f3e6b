//! Definitions and options: everything checked before the first request.

use std::os::unix::fs::symlink;

use crate::support::*;

/// A fake that must never be asked anything.
fn untouched() -> FakeConnect {
    FakeConnect::start(Config::default())
}

#[test]
fn a_mounted_configmap_directory_is_read_through_its_links() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::new();
    let data = dir.path().join("..2026_11_24_04_00_00.123456789");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("clicks-datagen-connector.json"), CLICKS).unwrap();
    std::fs::write(data.join("notes.txt"), "not a definition").unwrap();
    symlink("..2026_11_24_04_00_00.123456789", dir.path().join("..data")).unwrap();
    for name in ["clicks-datagen-connector.json", "notes.txt"] {
        symlink(format!("..data/{name}"), dir.path().join(name)).unwrap();
    }
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(0, "clicks: created")
        .expect(0, "summary: 1 created");
    assert_eq!(fake.connector_names(), ["clicks"]);
}

#[test]
fn files_arrays_and_stdin_together_in_order() {
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[(
        "list.json",
        r#"[{"name":"b","connector.class":"FileStreamSink","topics":"t"},{"name":"c","config":{"connector.class":"FileStreamSink","topics":"t"}}]"#,
    )]);
    let out = deploy()
        .url(fake.url())
        .arg(dir.path().join("list.json").display().to_string())
        .arg("-")
        .stdin(r#"{"name":"a","connector.class":"FileStreamSink","topics":"t"}"#)
        .run();
    out.expect(0, "summary: 3 created");
    let order: Vec<usize> = ["b: created", "c: created", "a: created"]
        .iter()
        .map(|l| out.stdout.find(l).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", out.stdout);
}

#[test]
fn one_bad_file_means_nothing_is_applied() {
    let fake = untouched();
    let dir = TempDir::with(&[
        (
            "a-good.json",
            r#"{"connector.class":"FileStreamSource","topic":"t"}"#,
        ),
        (
            "b-bad.json",
            r#"{"connector.class":"FileStreamSource","topic":null}"#,
        ),
    ]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    out.expect(65, "b-bad.json: config key 'topic' is null")
        .expect(65, "nothing was applied");
    assert!(
        fake.requests().is_empty(),
        "no request before every definition is checked"
    );
}

#[test]
fn invalid_definitions_exit_65_naming_file_and_key() {
    for (text, message) in [
        ("{\"connector.class\": \"X\",}", "invalid JSON"),
        (
            r#"{"connector.class":"X","nested":{"a":1}}"#,
            "config key 'nested': a config value that is an object must be {\"file\": PATH} or {\"env\": NAME}",
        ),
        (r#"{"topic":"t"}"#, "'connector.class' is required"),
        (r#"{"name":"a/b","connector.class":"X"}"#, "contains '/'"),
        (
            r#"{"name":"a","config":{"connector.class":"X","name":"b"}}"#,
            "differ",
        ),
        (
            r#"{"connector.class":"X","k":"1","k":"2"}"#,
            "key 'k' appears twice",
        ),
        (r#""just a string""#, "expected a JSON object"),
    ] {
        let fake = untouched();
        let dir = TempDir::with(&[("def.json", text)]);
        let out = deploy().url(fake.url()).arg(dir.arg()).run();
        out.expect(65, "def.json").expect(65, message);
        assert!(fake.requests().is_empty());
    }
}

#[test]
fn two_definitions_with_one_name_exit_65() {
    let fake = untouched();
    let dir = TempDir::with(&[
        ("a.json", r#"{"name":"same","connector.class":"X"}"#),
        ("b.json", r#"{"name":"same","connector.class":"Y"}"#),
    ]);
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(65, "connector 'same' is defined twice");
}

#[test]
fn missing_inputs_exit_66() {
    let fake = untouched();
    let dir = TempDir::new();
    deploy()
        .url(fake.url())
        .arg(dir.path().join("nope").display().to_string())
        .run()
        .expect(66, "no such file or directory");
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(66, "no connector definition found");
    dir.write(".hidden.json", r#"{"connector.class":"X"}"#);
    dir.write("readme.txt", "x");
    deploy()
        .url(fake.url())
        .arg(dir.arg())
        .run()
        .expect(66, "no connector definition found");
    // The default path, absent on a test machine.
    deploy()
        .url(fake.url())
        .run()
        .expect(66, "/etc/config/connector");
    assert!(fake.requests().is_empty());
}

#[test]
fn bad_options_and_variables_exit_64() {
    let fake = untouched();
    let valid = || deploy().url(fake.url());
    for (run, message) in [
        (valid().arg("--bogus"), "--bogus"),
        (valid().arg("--timeout").arg("soon"), "--timeout"),
        (valid().timeout("5 minutes"), "KAFKA_CONNECT_TIMEOUT"),
        (valid().url("connectors:8083"), "KAFKA_CONNECT_URL"),
        (valid().arg("--url").arg("http://a:99999"), "invalid port"),
    ] {
        run.run().expect(64, message);
    }
    deploy()
        .arg("--bogus")
        .run()
        .expect(64, "Try 'connect-deploy --help'");
    assert!(fake.requests().is_empty());
}

#[test]
fn help_and_version() {
    deploy().arg("--help").run().expect(0, "KAFKA_CONNECT_URL");
    deploy()
        .arg("--version")
        .run()
        .expect(0, "connect-deploy 0.");
}

/// A duplicate key is refused at any depth, not only in the definition and its
/// config: inside `offsets` (its items, partitions and offsets) and inside a
/// `{"file"}`/`{"env"}` reference, which JSON parsers would collapse to the last one.
#[test]
fn duplicate_keys_in_offsets_and_references_exit_65_naming_file_and_key() {
    for (text, message) in [
        (
            r#"{"name":"a","config":{"connector.class":"X"},"offsets":[{"partition":{"p":1},"partition":{"p":2},"offset":{"o":1}}]}"#,
            "key 'partition' appears twice",
        ),
        (
            r#"{"name":"a","config":{"connector.class":"X"},"offsets":[{"partition":{"p":1,"p":2},"offset":{"o":1}}]}"#,
            "key 'p' appears twice",
        ),
        (
            r#"{"name":"a","config":{"connector.class":"X"},"offsets":[{"partition":{"p":1},"offset":{"o":{"x":1,"x":2}}}]}"#,
            "key 'x' appears twice",
        ),
        (
            r#"{"connector.class":"X","password":{"env":"A","env":"B"}}"#,
            "key 'env' appears twice",
        ),
        (
            r#"{"connector.class":"X","password":{"file":"a","file":"b"}}"#,
            "key 'file' appears twice",
        ),
    ] {
        let fake = untouched();
        let dir = TempDir::with(&[("def.json", text), ("a", "s"), ("b", "t")]);
        let out = deploy()
            .url(fake.url())
            .env("A", "x")
            .env("B", "y")
            .arg(dir.path().join("def.json").display().to_string())
            .run();
        out.expect(65, "def.json").expect(65, message);
        assert!(fake.requests().is_empty(), "{text}: nothing is applied");
    }
}

/// Objects and arrays nested `n` deep, as JSON text.
fn nested(n: usize) -> String {
    format!("{}{}", r#"{"a":["#.repeat(n / 2), "]}".repeat(n / 2))
}

#[test]
fn deeply_nested_definitions_exit_65_naming_the_file() {
    let fake = untouched();
    let deep = nested(4000);
    let texts = [
        format!(r#"{{"name":"a","config":{{"connector.class":"X","k":{deep}}}}}"#),
        format!(
            r#"{{"name":"a","config":{{"connector.class":"X"}},"offsets":[{{"partition":{deep},"offset":{{}}}}]}}"#
        ),
        format!(r#"{{"name":"a","config":{{"connector.class":"X","k":{{"file":{deep}}}}}}}"#),
        format!(r#"[{{"name":"a","config":{{"connector.class":"X"}}}},{deep}]"#),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        // Unclosed: still refused for its depth, before it is parsed.
        "[".repeat(100_000),
    ];
    for text in &texts {
        let dir = TempDir::with(&[("deep.json", text)]);
        deploy().url(fake.url()).arg(dir.arg()).run().expect(
            65,
            "deep.json: objects and arrays nested deeper than 64 levels",
        );
        deploy()
            .url(fake.url())
            .arg("-")
            .stdin(text)
            .run()
            .expect(65, "nested deeper than 64 levels");
    }
    assert!(fake.requests().is_empty());
}
