//! The redaction layer, black-box: a hostile worker or gateway echoes secrets in
//! every form software uses, on every path, and nothing of them reaches stdout,
//! stderr, the JSON report or the termination message; server text cannot forge
//! lines.

use std::time::Duration;

use crate::support::*;

/// A value Connect would trim, with characters every encoder treats differently.
const VALUE: &str = "  tok@en&pa\\\"ss/wd+é 1%x \n";
/// What must never be readable, in any form.
const CORE: &str = "tok@en&pa\\\"ss/wd+é 1%x";

fn percent(text: &str, plus: bool) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b if b.is_ascii_alphanumeric() || b"-._~".contains(&b) => out.push(b as char),
            b' ' if plus => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn json_escaped(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// Every form the core is looked for in the output.
fn forms(core: &str) -> Vec<String> {
    vec![
        core.to_string(),
        percent(core, false),
        percent(core, false).to_lowercase(),
        percent(core, true),
        json_escaped(core),
        json_escaped(&json_escaped(core)),
        html(core),
        fake_connect::base64(core),
    ]
}

fn definition(value: &str) -> String {
    serde_json::json!({
        "name": "db",
        "config": {"connector.class": "FileStreamSink", "topics": "t", "connection.url": value}
    })
    .to_string()
}

/// What one run printed, and where.
#[derive(Debug)]
struct Seen {
    json: bool,
    code: i32,
    stdout: String,
    stderr: String,
    termination: String,
}

impl Seen {
    fn all(&self) -> String {
        format!("{}{}\n{}", self.stdout, self.stderr, self.termination)
    }
}

/// Run against `fake` in text and in JSON mode, with a termination log; what each
/// run printed on stdout and stderr and wrote as its termination message.
fn outputs(fake: &FakeConnect, dir: &TempDir, extra: &[&str]) -> Vec<Seen> {
    let mut seen = Vec::new();
    for format in ["text", "json"] {
        let log = dir.path().join(format!("termination-{format}"));
        // The value stands for any secret: here one `--secret-keys` names.
        let mut run = deploy()
            .url(fake.url())
            .env("KAFKA_CONNECT_SECRET_KEYS", "connection.url")
            .timeout("5s")
            .arg("--log-format")
            .arg(format)
            .arg("--termination-log")
            .arg(log.display().to_string());
        for a in extra {
            run = run.arg(*a);
        }
        let out = run
            .arg(dir.path().join("db.json").display().to_string())
            .run();
        let termination = std::fs::read_to_string(&log).unwrap_or_default();
        seen.push(Seen {
            json: format == "json",
            code: out.code,
            stdout: out.stdout,
            stderr: out.stderr,
            termination,
        });
    }
    seen
}

#[track_caller]
fn assert_no_form(seen: &[Seen], core: &str) {
    for run in seen {
        let text = run.all();
        for form in forms(core) {
            assert!(!text.contains(&form), "{form:?} was printed:\n{text}");
        }
        // Nor a readable beginning of it.
        assert!(!text.contains(&core[..8]), "a prefix was printed:\n{text}");
    }
}

/// Both runs ended with `code`, and the server's message, masked (`masked`, as the
/// text around the secret and `***`), reached the report on stdout (in JSON, as a
/// JSON string) and the termination message: the secret was there to be masked.
#[track_caller]
fn assert_reached(seen: &[Seen], code: i32, masked: &str) {
    for run in seen {
        assert_eq!(run.code, code, "exit code:\n{}", run.all());
        let report = if run.json {
            json_escaped(masked)
        } else {
            masked.to_string()
        };
        assert!(
            run.stdout.contains(&report),
            "{report:?} not in the report:\n{}",
            run.all()
        );
        assert!(
            run.termination.contains(masked),
            "{masked:?} not in the termination message:\n{}",
            run.all()
        );
    }
}

#[test]
fn echoes_of_a_rejected_config_in_every_form() {
    // Connect trims the value, then a gateway or Connect echoes it, encoded.
    for form in forms(CORE) {
        let fake = FakeConnect::start(Config::default());
        let message = format!("Invalid connection URL jdbc://{form}/db: refused");
        fake.script(Rule::new(
            "PUT",
            "/connectors/db/config",
            1000,
            Reply::error(400, &message),
        ));
        let dir = TempDir::with(&[("db.json", &definition(VALUE))]);
        let seen = outputs(&fake, &dir, &[]);
        assert_reached(&seen, 78, "Invalid connection URL jdbc://***/db: refused");
        assert_no_form(&seen, CORE);
    }
}

#[test]
fn a_long_plain_text_body_cut_inside_the_secret() {
    let fake = FakeConnect::start(Config::default());
    let core = "Zq9-very-long-secret-value-0123456789";
    // The secret straddles position 300, where bodies used to be cut.
    let body = format!("{}{core} and more", "x".repeat(290));
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1000,
        Reply::raw(400, Some("text/plain"), &body),
    ));
    let dir = TempDir::with(&[("db.json", &definition(core))]);
    let seen = outputs(&fake, &dir, &[]);
    assert_reached(&seen, 78, "xxxxxxxx***");
    assert_no_form(&seen, core);
    // A gateway that cuts the echo itself, mid-secret.
    // A refusal, so that the run ends at once, not at a deadline it might meet
    // before the first echo on a slow machine.
    let fake = FakeConnect::start(Config::default());
    let body = format!("upstream said: {}...", &core[..20]);
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1000,
        Reply::raw(403, Some("text/plain"), &body),
    ));
    let seen = outputs(&fake, &dir, &[]);
    assert_reached(&seen, 77, "upstream said: ***");
    assert_no_form(&seen, &core[..20]);
}

#[test]
fn one_line_of_a_multi_line_secret() {
    let jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required\n  username=\"svc\"\n  password=\"jaas-Secret-42\";";
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1000,
        Reply::error(
            400,
            "Could not parse line: password=\"jaas-Secret-42\"; (near column 3)",
        ),
    ));
    let def = serde_json::json!({"name": "db", "config": {"connector.class": "X", "sasl.jaas.config": jaas}});
    let dir = TempDir::with(&[("db.json", &def.to_string())]);
    let seen = outputs(&fake, &dir, &[]);
    // The secret's whole line is masked.
    assert_reached(&seen, 78, "Could not parse line: *** (near column 3)");
    assert_no_form(&seen, "jaas-Secret-42");
}

#[test]
fn task_traces_and_validation_errors() {
    let fake = FakeConnect::start(Config::default());
    let trace = format!(
        "org.apache.kafka.connect.errors.ConnectException: cannot open {{\"url\":\"{}\"}}\n\tat x.y",
        json_escaped(CORE)
    );
    fake.timeline(
        "db",
        vec![(
            Duration::ZERO,
            fake_connect::Status::failed_task("RUNNING", &trace),
        )],
    );
    let dir = TempDir::with(&[("db.json", &definition(VALUE))]);
    let seen = outputs(&fake, &dir, &["--wait-running", "--stable", "1s"]);
    assert_reached(&seen, 69, "ConnectException: cannot open {\"url\":\"***\"}");
    assert_no_form(&seen, CORE);

    let fake = FakeConnect::start(Config::default());
    let validation = serde_json::json!({
        "name": "FileStreamSink", "error_count": 1, "groups": [],
        "configs": [{"definition": {"name": "connection.url", "type": "STRING"},
                     "value": {"name": "connection.url", "value": CORE,
                               "errors": [format!("bad URL {}", percent(CORE, true))]}}]
    });
    fake.script(Rule::new(
        "PUT",
        "/connector-plugins/FileStreamSink/config/validate",
        1000,
        Reply::raw(200, Some("application/json"), &validation.to_string()),
    ));
    let seen = outputs(&fake, &dir, &["--validate"]);
    // A secret's blanks are its own too: those around the echo may go with it.
    assert_reached(&seen, 78, "connection.url: bad URL");
    assert!(
        seen.iter()
            .all(|run| run.termination.contains("bad URL***"))
    );
    assert_no_form(&seen, CORE);
}

#[test]
fn a_gateway_quoting_the_tools_own_credentials() {
    let password = "gw-Pa55/w:rd";
    let header = format!(
        "Basic {}",
        fake_connect::base64(&format!("deployer:{password}"))
    );
    for (body, masked) in [
        (
            format!("401: credentials deployer:{password} rejected"),
            "401: credentials *** rejected",
        ),
        (
            format!("401: Authorization: {header} rejected"),
            "401: Authorization: *** rejected",
        ),
        (
            format!("denied for {}", percent(password, false)),
            "denied for ***",
        ),
    ] {
        let fake = FakeConnect::start(Config::default());
        fake.script(Rule::new(
            "GET",
            "/",
            1000,
            Reply::raw(401, Some("text/plain"), &body),
        ));
        let dir = TempDir::with(&[("db.json", &definition("jdbc:x"))]);
        let out = deploy()
            .url(fake.url())
            .env("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "deployer")
            .env("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", password)
            .arg("--log-format")
            .arg("json")
            .arg(dir.arg())
            .run();
        // The echo reached the output, masked.
        out.expect(77, &json_escaped(masked));
        for form in forms(password).into_iter().chain([header.clone()]) {
            assert!(
                !out.all().contains(&form),
                "{form:?} printed:\n{}",
                out.all()
            );
        }
    }
    // A bearer token, echoed by a 403.
    let token = "eyJhbGciOi.bearer-token.sig";
    let dir = TempDir::with(&[("db.json", &definition("jdbc:x")), ("token", token)]);
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "GET",
        "/",
        1000,
        Reply::error(403, &format!("token {token} has no access")),
    ));
    let out = deploy()
        .url(fake.url())
        .env(
            "KAFKA_CONNECT_BEARER_TOKEN_FILE",
            dir.path().join("token").display().to_string(),
        )
        .arg(dir.path().join("db.json").display().to_string())
        .run();
    out.expect(77, "token *** has no access");
    assert!(!out.all().contains("bearer-token"), "{}", out.all());
}

#[test]
fn server_text_cannot_forge_lines() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1000,
        Reply::error(
            400,
            "bad\nother-connector: created\n\u{1b}[2Ksummary: 9 created\u{2028}x",
        ),
    ));
    let dir = TempDir::with(&[("db.json", &definition("jdbc:x"))]);
    let out = deploy().url(fake.url()).arg(dir.arg()).run();
    assert_eq!(out.code, 78, "{}", out.all());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one line for the connector and the summary: {lines:?}"
    );
    assert!(lines[0].starts_with("db: failed: "), "{lines:?}");
    assert!(
        lines[0].contains("bad\\nother-connector: created\\n\\u{1b}[2K"),
        "{lines:?}"
    );
    assert!(lines[1].starts_with("summary: 0 created"), "{lines:?}");
    assert!(!out.stderr.contains('\u{1b}'), "{}", out.stderr);
    for line in out.stderr.lines() {
        assert!(
            line.starts_with("connect-deploy: "),
            "forged stderr line {line:?}"
        );
    }
}

#[test]
fn urls_are_shown_without_their_userinfo() {
    for (url, password) in [
        ("http://admin:Pa/ss@connect:8083x", "Pa/ss"),
        ("http://admin:pa#ss@connect:0", "pa#ss"),
        ("http://admin:pa?ss@connect:99999", "pa?ss"),
        ("http://admin:p@ss@connect:bad", "p@ss"),
        ("http://admin:p%ZZss@connect:8083", "p%ZZss"),
        ("admin:pw-noscheme@connect:8083", "pw-noscheme"),
        ("ftp://admin:ftp-pass@connect:8083", "ftp-pass"),
    ] {
        for format in ["text", "json"] {
            let out = deploy()
                .url(url)
                .arg("--log-format")
                .arg(format)
                .arg("/nonexistent")
                .run();
            assert_eq!(out.code, 64, "{url}: {}", out.all());
            assert!(out.all().contains("***@"), "{url}: {}", out.all());
            assert!(!out.all().contains(password), "{url}: {}", out.all());
        }
    }
}

#[test]
fn a_url_password_echoed_by_the_worker() {
    let fake = FakeConnect::start(Config::default());
    fake.script(Rule::new(
        "GET",
        "/",
        1000,
        Reply::raw(401, Some("text/plain"), "bad login admin:url-Secret-9"),
    ));
    let url = fake.url().replace("http://", "http://admin:url-Secret-9@");
    let dir = TempDir::with(&[("db.json", &definition("jdbc:x"))]);
    let out = deploy().url(url).arg(dir.arg()).run();
    out.expect(77, "bad login ***");
    assert!(!out.all().contains("url-Secret-9"), "{}", out.all());
}

/// The characters of base64(`prefix` + `secret` + ...) that hold the secret's bits
/// alone: what a reader could decode the secret from.
fn base64_inner(prefix: &str, secret: &str, encoded: &str) -> String {
    let start = (8 * prefix.len()).div_ceil(6);
    let end = 8 * (prefix.len() + secret.len()) / 6;
    encoded[start..end].to_string()
}

#[test]
fn a_secret_inside_a_longer_base64_text_at_every_alignment() {
    let secret = "Zq8vL3mPx2RkT9wY";
    for prefix in ["", "u", "us", "svc:", "deployer:"] {
        for url_safe in [false, true] {
            let mut encoded = fake_connect::base64(&format!("{prefix}{secret}:x"));
            if url_safe {
                encoded = encoded.replace('+', "-").replace('/', "_");
                encoded = encoded.trim_end_matches('=').to_string();
            }
            let inner = base64_inner(prefix, secret, &encoded);
            let fake = FakeConnect::start(Config::default());
            fake.script(Rule::new(
                "PUT",
                "/connectors/db/config",
                1000,
                Reply::error(
                    400,
                    &format!("proxy sent Authorization: Basic {encoded} rejected"),
                ),
            ));
            let def = serde_json::json!({"name": "db", "config": {
                "connector.class": "FileStreamSink", "topics": "t", "connection.password": secret}});
            let dir = TempDir::with(&[("db.json", &def.to_string())]);
            let seen = outputs(&fake, &dir, &[]);
            for run in &seen {
                assert_eq!(run.code, 78, "{}", run.all());
                // The echo reached every channel, masked.
                for channel in [&run.stdout, &run.termination] {
                    assert!(
                        channel.contains("Authorization: Basic ") && channel.contains("***"),
                        "{prefix:?}: the echo did not reach a channel:\n{}",
                        run.all()
                    );
                }
                assert!(
                    !run.all().contains(&inner),
                    "{prefix:?} url_safe={url_safe}: {inner:?} printed:\n{}",
                    run.all()
                );
            }
        }
    }
}

#[test]
fn a_url_with_credentials_given_as_a_path() {
    // `--url` forgotten: the URL is read as a definition path, and every message
    // about it (the path that cannot be read) shows it without its password.
    let password = "Pa55-w0rd@x/y";
    let encoded = percent(password, false);
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("db.json", &definition("jdbc:x"))]);
    for path in [
        format!("http://admin:{encoded}@127.0.0.1:8083"),
        format!("https://admin:{encoded}@connect.example:8083/x,y"),
        format!("admin:{encoded}@connect.example:8083"),
    ] {
        for format in ["text", "json"] {
            let log = dir.path().join(format!("termination-{format}"));
            let out = deploy()
                .url(fake.url())
                .timeout("5s")
                .arg("--log-format")
                .arg(format)
                .arg("--termination-log")
                .arg(log.display().to_string())
                .arg(dir.path().join("db.json").display().to_string())
                .arg(&path)
                .run();
            let termination = std::fs::read_to_string(&log).unwrap_or_default();
            let all = format!("{}\n{termination}", out.all());
            assert_eq!(out.code, 66, "{path}: {all}");
            // The message names the argument, without its password.
            assert!(
                all.contains("connect.example:8083") || all.contains("127.0.0.1:8083"),
                "{all}"
            );
            assert!(termination.contains("***"), "{termination}");
            for form in forms(password).into_iter().chain([encoded.clone()]) {
                assert!(!all.contains(&form), "{path}: {form:?} printed:\n{all}");
            }
        }
    }
}

#[test]
fn urls_that_parsers_read_differently_are_refused() {
    // `http://host-a:1\@host-b:2`: one parser connects to host-b, another sees
    // host-a; raw blanks and control characters split or end URLs differently.
    let fake = FakeConnect::start(Config::default());
    let target = fake.url().trim_start_matches("http://").to_string();
    let password = "Secret-pw9";
    let dir = TempDir::with(&[("db.json", &definition("jdbc:x"))]);
    for url in [
        format!("http://host-a:1\\@{target}"),
        format!("http://admin:{password}\\@{target}"),
        format!("http://admin:{password}@{target}\\x"),
        format!("http://admin:{password}@{target}/a b"),
        format!("http://admin:pa{password} x@{target}"),
        format!("http://admin:{password}@{target}\t/x"),
        format!("http://admin:{password}@{target}/\u{7f}"),
        format!("http://admin:{password}@host\u{1}-b:1"),
        // The authority ends at the first '/', '?' or '#', and holds one '@'.
        format!("http://admin:{password}#@{target}"),
        format!("http://admin:{password}?@{target}"),
        format!("http://admin:pa/{password}@{target}"),
        format!("http://{target}/x@{target}"),
        format!("http://admin:pa@{password}@{target}"),
    ] {
        for (option, run) in [
            ("--url", deploy().arg("--url").arg(&url)),
            ("KAFKA_CONNECT_URL", deploy().url(&url)),
        ] {
            let out = run.arg(dir.arg()).run();
            out.expect(64, option);
            assert!(
                !out.all().contains(password),
                "{url:?}: credentials printed:\n{}",
                out.all()
            );
        }
    }
    assert_eq!(fake.requests().len(), 0, "a refused URL was used");
}

#[test]
fn a_jaas_secret_does_not_mask_the_class_names_it_shares_a_prefix_with() {
    let jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\"jaas-Secret-42\";";
    let fake = FakeConnect::start(Config::default());
    let message = "Connector configuration is invalid: org.apache.kafka.connect.file.FileStreamSourceConnector \
                   rejects password=\"jaas-Secret-42\"";
    fake.script(Rule::new(
        "PUT",
        "/connectors/db/config",
        1000,
        Reply::error(400, message),
    ));
    let def = serde_json::json!({"name": "db", "config": {
        "connector.class": "FileStreamSource",
        "sasl.jaas.config": jaas}});
    let dir = TempDir::with(&[("db.json", &def.to_string())]);
    let seen = outputs(&fake, &dir, &[]);
    assert_reached(
        &seen,
        78,
        "invalid: org.apache.kafka.connect.file.FileStreamSourceConnector rejects password=\"***\"",
    );
    assert_no_form(&seen, "jaas-Secret-42");
}

#[test]
fn a_url_with_credentials_is_masked_whatever_its_slashes_and_wherever_it_is_given() {
    let password = "Url-Secret-77";
    let fake = FakeConnect::start(Config::default());
    let dir = TempDir::with(&[("db.json", &definition("jdbc:x"))]);
    for url in [
        format!("http:/admin:{password}@connect:8083"),
        format!("http:admin:{password}@connect:8083"),
        format!("HTTP:\\\\admin:{password}@connect:8083"),
        format!("http:///admin:{password}@connect:8083"),
        format!("https:/{password}@connect:8083"),
    ] {
        let places: [(&str, &dyn Fn() -> Deploy); 7] = [
            ("--url", &|| deploy().arg("--url").arg(&url)),
            ("path", &|| deploy().url(fake.url()).arg(&url)),
            ("--ca-file", &|| {
                deploy().url(fake.url()).arg("--ca-file").arg(&url)
            }),
            ("--timeout", &|| {
                deploy().url(fake.url()).arg("--timeout").arg(&url)
            }),
            ("KAFKA_CONNECT_URL", &|| deploy().url(&url)),
            ("KAFKA_CONNECT_TIMEOUT", &|| {
                deploy().url(fake.url()).env("KAFKA_CONNECT_TIMEOUT", &url)
            }),
            ("KAFKA_CONNECT_TLS_ROOT_CA_FILE", &|| {
                deploy()
                    .url(fake.url())
                    .env("KAFKA_CONNECT_TLS_ROOT_CA_FILE", &url)
            }),
        ];
        for (place, run) in places {
            for format in ["text", "json"] {
                let out = run().arg("--log-format").arg(format).arg(dir.arg()).run();
                let all = out.all();
                assert!([64, 66].contains(&out.code), "{url} as {place}: {all}");
                assert!(all.contains("connect:8083"), "{url} as {place}: {all}");
                for form in forms(password) {
                    assert!(
                        !all.contains(&form),
                        "{url} as {place}: {form:?} printed:\n{all}"
                    );
                }
            }
        }
    }
    assert_eq!(
        fake.requests().len(),
        0,
        "a run went on with a bad argument"
    );
}
