//! HTTPS, mutual TLS, basic auth and bearer tokens; credentials never printed.

use std::time::Duration;

use fake_connect::TestPki;

use crate::support::*;

const PASSWORD: &str = "Adm1n-Pa55w0rd";
const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.token-one";
const TOKEN_2: &str = "eyJhbGciOiJSUzI1NiJ9.token-two";

/// Certificates made for this test, written as PEM files.
fn make_pki() -> (TestPki, TempDir) {
    let pki = TestPki::generate();
    let dir = TempDir::new();
    pki.write_to(dir.path()).unwrap();
    (pki, dir)
}

fn pem(dir: &TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

fn clicks() -> TempDir {
    TempDir::with(&[("clicks.json", CLICKS)])
}

#[track_caller]
fn assert_no_credentials(out: &Output) {
    for secret in [PASSWORD, TOKEN, TOKEN_2, "QWRtMW4tUGE1NXcwcmQ"] {
        assert!(
            !out.all().contains(secret),
            "a credential was printed:\n{}",
            out.all()
        );
    }
}

#[test]
fn https_trusted_through_the_ca_file() {
    let (pki, certs) = make_pki();
    let fake = FakeConnect::start(Config::default().tls(pki.server(false)));
    deploy()
        .url(fake.url())
        .arg("--ca-file")
        .arg(pem(&certs, "ca.pem"))
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: created");
    // Also by host name, from the variable.
    let url = fake.url().replace("127.0.0.1", "localhost");
    deploy()
        .url(url)
        .env("KAFKA_CONNECT_TLS_ROOT_CA_FILE", pem(&certs, "ca.pem"))
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: unchanged");
}

#[test]
fn an_untrusted_certificate_exits_77_at_once() {
    let (pki, _certs) = make_pki();
    let fake = FakeConnect::start(Config::default().tls(pki.server(false)));
    // The built-in Mozilla roots do not know the test CA.
    let out = deploy().url(fake.url()).arg(clicks().arg()).run();
    out.expect(77, "TLS: the certificate of")
        .expect(77, "failed verification")
        .expect(77, "--ca-file");
    assert!(fake.requests().is_empty());
    // Nor does another CA given as the only root.
    let (_, other) = make_pki();
    deploy()
        .url(fake.url())
        .arg("--ca-file")
        .arg(pem(&other, "ca.pem"))
        .arg(clicks().arg())
        .run()
        .expect(77, "failed verification");
}

#[test]
fn mutual_tls_without_a_client_certificate_exits_77_and_with_one_succeeds() {
    let (pki, certs) = make_pki();
    let fake = FakeConnect::start(Config::default().tls(pki.server(true)));
    let out = deploy()
        .url(fake.url())
        .arg("--ca-file")
        .arg(pem(&certs, "ca.pem"))
        .arg(clicks().arg())
        .run();
    out.expect(77, "requires a client certificate")
        .expect(77, "--cert-file and --key-file");
    deploy()
        .url(fake.url())
        .env("KAFKA_CONNECT_TLS_ROOT_CA_FILE", pem(&certs, "ca.pem"))
        .env("KAFKA_CONNECT_TLS_AUTH_CRT", pem(&certs, "client.pem"))
        .env("KAFKA_CONNECT_TLS_AUTH_KEY", pem(&certs, "client-key.pem"))
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: created");
}

#[test]
fn insecure_mode_connects_and_warns_loudly() {
    let (pki, _certs) = make_pki();
    let fake = FakeConnect::start(Config::default().tls(pki.server(false)));
    deploy()
        .url(fake.url())
        .env("KAFKA_CONNECT_TLS_IS_INSECURE", "true")
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: created")
        .expect(0, "WARNING: TLS verification is OFF");
}

#[test]
fn bad_certificate_files_are_usage_errors() {
    let dir = TempDir::with(&[("junk.pem", "not PEM at all")]);
    deploy()
        .arg("--ca-file")
        .arg(pem(&dir, "junk.pem"))
        .arg(clicks().arg())
        .run()
        .expect(64, "--ca-file");
    deploy()
        .arg("--ca-file")
        .arg(pem(&dir, "none.pem"))
        .arg(clicks().arg())
        .run()
        .expect(64, "cannot read");
    deploy()
        .arg("--cert-file")
        .arg(pem(&dir, "junk.pem"))
        .arg(clicks().arg())
        .run()
        .expect(64, "--key-file");
}

#[test]
fn basic_auth_right_and_wrong() {
    let fake = FakeConnect::start(Config::default().auth("admin", PASSWORD));
    let out = deploy()
        .url(fake.url())
        .env("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "admin")
        .env("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", PASSWORD)
        .arg(clicks().arg())
        .run();
    out.expect(0, "clicks: created");
    assert_no_credentials(&out);
    let out = deploy()
        .url(fake.url())
        .env("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "admin")
        .env("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", "wrong-password")
        .arg(clicks().arg())
        .run();
    out.expect(77, "User cannot access the resource.");
    assert!(!out.all().contains("wrong-password"));
}

#[test]
fn basic_auth_from_mounted_files_and_from_the_url() {
    let fake = FakeConnect::start(Config::default().auth("admin", PASSWORD));
    let secret = TempDir::with(&[
        ("username", "admin\n"),
        ("password", &format!("{PASSWORD}\n")),
    ]);
    let out = deploy()
        .url(fake.url())
        .env(
            "KAFKA_CONNECT_BASIC_AUTH_USERNAME_FILE",
            pem(&secret, "username"),
        )
        .env(
            "KAFKA_CONNECT_BASIC_AUTH_PASSWORD_FILE",
            pem(&secret, "password"),
        )
        .arg(clicks().arg())
        .run();
    out.expect(0, "clicks: created");
    assert_no_credentials(&out);
    let url = fake
        .url()
        .replace("http://", &format!("http://admin:{PASSWORD}@"));
    let out = deploy().url(url).arg(clicks().arg()).run();
    out.expect(0, "clicks: unchanged")
        .expect(0, "at http://127.0.0.1");
    assert_no_credentials(&out);
}

#[test]
fn a_bearer_token_is_read_again_before_each_attempt() {
    let fake = FakeConnect::start(Config::default().bearer(TOKEN_2));
    // The worker is not ready at first; meanwhile the projected token rotates.
    fake.script(Rule::new(
        "GET",
        "/",
        1,
        Reply::raw(503, Some("text/html"), "<html>starting</html>")
            .delayed(Duration::from_millis(300)),
    ));
    let secret = TempDir::with(&[("token", TOKEN)]);
    let definitions = clicks();
    let child = deploy()
        .url(fake.url())
        .env("KAFKA_CONNECT_BEARER_TOKEN_FILE", pem(&secret, "token"))
        .arg(definitions.arg())
        .spawn();
    if fake.wait_for_requests(1, Duration::from_secs(5)) != 1 {
        let out = finish(child);
        panic!("no request: {} {}", out.code, out.all());
    }
    secret.write("token", &format!("{TOKEN_2}\n"));
    let out = finish(child);
    out.expect(0, "clicks: created");
    assert_no_credentials(&out);
    let sent: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or("").to_string())
        .collect();
    assert_eq!(sent[0], format!("Bearer {TOKEN}"));
    assert!(
        sent[1..].iter().all(|h| *h == format!("Bearer {TOKEN_2}")),
        "{sent:?}"
    );
}

#[test]
fn credentials_never_follow_a_redirect() {
    let fake = FakeConnect::start(Config::default().auth("admin", PASSWORD));
    let elsewhere = FakeConnect::start(Config::default());
    let mut redirect = Reply::raw(307, None, "");
    redirect
        .headers
        .push(("Location".into(), format!("{}/", elsewhere.url())));
    fake.script(Rule::new("GET", "/", 1, redirect));
    let out = deploy()
        .url(fake.url())
        .env("KAFKA_CONNECT_BASIC_AUTH_USERNAME", "admin")
        .env("KAFKA_CONNECT_BASIC_AUTH_PASSWORD", PASSWORD)
        .arg(clicks().arg())
        .run();
    // A redirect at readiness ends the run at once, as it would later (issue 11).
    out.expect(1, "a redirect, which is not followed");
    assert!(elsewhere.requests().is_empty());
    assert_no_credentials(&out);
}
