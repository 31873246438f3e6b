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
    let proxy = CountingProxy::start(fake.addr());
    // The built-in Mozilla roots do not know the test CA.
    let out = deploy().url(proxy.url("https")).arg(clicks().arg()).run();
    out.expect(77, "TLS: the certificate of")
        .expect(77, "is signed by a CA that is not trusted")
        .expect(77, "trust its CA with --ca-file");
    // At once: one handshake, not retried.
    assert_eq!(proxy.connections(), 1, "{}", out.all());
    assert!(fake.requests().is_empty());
    // Nor does another CA given as the only root.
    let (_, other) = make_pki();
    let out = deploy()
        .url(proxy.url("https"))
        .arg("--ca-file")
        .arg(pem(&other, "ca.pem"))
        .arg(clicks().arg())
        .run();
    out.expect(77, "was not issued by the trusted CA of that name")
        .expect(77, "trust its CA with --ca-file");
    assert_eq!(proxy.connections(), 2, "{}", out.all());
}

#[test]
fn mutual_tls_without_a_client_certificate_exits_77_and_with_one_succeeds() {
    let (pki, certs) = make_pki();
    let fake = FakeConnect::start(Config::default().tls(pki.server(true)));
    let proxy = CountingProxy::start(fake.addr());
    let out = deploy()
        .url(proxy.url("https"))
        .arg("--ca-file")
        .arg(pem(&certs, "ca.pem"))
        .arg(clicks().arg())
        .run();
    out.expect(77, "requires a client certificate")
        .expect(77, "--cert-file and --key-file");
    assert_eq!(proxy.connections(), 1, "not retried: {}", out.all());
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

/// A file kept in tests/cli/fixtures/ (made by its `make` script with openssl).
fn fixture(name: &str) -> String {
    format!("{}/tests/cli/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A PEM block around bytes that are not DER of anything.
fn corrupt_pem(label: &str) -> String {
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        fake_connect::base64("this is not DER, only text in a PEM block")
    )
}

#[track_caller]
fn assert_plain(out: &Output) {
    for dump in [
        "Context",
        "NotValidFor",
        "Expired {",
        "panicked",
        "DnsName(",
    ] {
        assert!(!out.all().contains(dump), "{dump} in:\n{}", out.all());
    }
}

/// Certificates and keys rustls cannot use: each one a usage error before any
/// request, whether the server asks for a client certificate or not, and with
/// --insecure too (ureq used to panic on them at the first connection).
#[test]
fn unusable_client_certificates_and_keys_are_usage_errors_before_any_request() {
    let (pki, certs) = make_pki();
    let bad = TempDir::with(&[
        ("corrupt-cert.pem", &corrupt_pem("CERTIFICATE")),
        ("corrupt-key.pem", &corrupt_pem("PRIVATE KEY")),
        ("corrupt-ec-key.pem", &corrupt_pem("EC PRIVATE KEY")),
        ("cert-only.pem", &pki.client_cert_pem),
    ]);
    let client = pem(&certs, "client.pem");
    let cases: Vec<(String, String, Vec<&str>)> = vec![
        (
            fixture("v1-cert.pem"),
            fixture("v1-key.pem"),
            vec![
                "--cert-file",
                "v1-cert.pem",
                "X.509 v1 certificate",
                "needs v3",
            ],
        ),
        (
            client.clone(),
            pem(&certs, "server-key.pem"),
            vec!["--key-file", "does not belong to the certificate in"],
        ),
        (
            pem(&bad, "corrupt-cert.pem"),
            pem(&certs, "client-key.pem"),
            vec!["--cert-file", "corrupt-cert.pem", "DER encoding is corrupt"],
        ),
        (
            client.clone(),
            pem(&bad, "corrupt-key.pem"),
            vec!["--key-file", "corrupt-key.pem", "DER encoding is corrupt"],
        ),
        (
            client.clone(),
            pem(&bad, "corrupt-ec-key.pem"),
            vec!["--key-file", "DER encoding is corrupt"],
        ),
        (
            client.clone(),
            pem(&bad, "cert-only.pem"),
            vec![
                "--key-file",
                "holds no private key",
                "it holds: CERTIFICATE",
            ],
        ),
        (
            client.clone(),
            fixture("encrypted-key.pem"),
            vec![
                "encrypted-key.pem holds an encrypted private key",
                "openssl pkcs8 -topk8 -nocrypt",
            ],
        ),
        (
            client.clone(),
            fixture("encrypted-traditional-key.pem"),
            vec!["holds an encrypted private key", "-nocrypt"],
        ),
    ];
    let unsupported = [
        ("p521-key.pem", "P-521"),
        ("secp256k1-key.pem", "secp256k1"),
        ("ed448-key.pem", "Ed448"),
        ("rsa-pss-key.pem", "RSA-PSS"),
        ("dsa-key.pem", "DSA"),
        ("x25519-key.pem", "X25519"),
        (
            "rsa1024-key.pem",
            "a 1024-bit RSA key, which TLS here cannot use",
        ),
    ];
    let cases = cases
        .into_iter()
        .chain(unsupported.iter().map(|(file, name)| {
            (
                client.clone(),
                fixture(file),
                vec![
                    "--key-file",
                    *file,
                    *name,
                    "supported: RSA of 2048 to 4096 bits, ECDSA on P-256 or P-384, and Ed25519",
                ],
            )
        }));

    let mutual = FakeConnect::start(Config::default().tls(pki.server(true)));
    let plain = FakeConnect::start(Config::default().tls(pki.server(false)));
    let (to_mutual, to_plain) = (
        CountingProxy::start(mutual.addr()),
        CountingProxy::start(plain.addr()),
    );
    // The same run against a usable pair: the proxies do count a connection.
    deploy()
        .url(to_plain.url("https"))
        .arg("--ca-file")
        .arg(pem(&certs, "ca.pem"))
        .arg(clicks().arg())
        .run()
        .expect(0, "clicks: created");
    assert!(to_plain.connections() >= 1);
    let before = to_plain.connections();
    for (cert, key, expected) in cases {
        for (proxy, insecure) in [(&to_mutual, false), (&to_plain, false), (&to_plain, true)] {
            let mut run = deploy()
                .url(proxy.url("https"))
                .arg("--cert-file")
                .arg(&cert)
                .arg("--key-file")
                .arg(&key);
            run = if insecure {
                run.arg("--insecure")
            } else {
                run.arg("--ca-file").arg(pem(&certs, "ca.pem"))
            };
            let out = run.arg(clicks().arg()).run();
            for text in &expected {
                out.expect(64, text);
            }
            assert_plain(&out);
        }
    }
    // Usage errors, found before connecting: not one connection was opened.
    assert_eq!(to_mutual.connections(), 0);
    assert_eq!(to_plain.connections(), before);
    assert!(mutual.requests().is_empty());
}

#[test]
fn a_ca_file_without_a_usable_certificate_is_a_usage_error() {
    let (pki, _certs) = make_pki();
    let bad = TempDir::with(&[
        ("corrupt-ca.pem", &corrupt_pem("CERTIFICATE")),
        (
            "half-corrupt-ca.pem",
            &format!("{}{}", pki.ca_pem, corrupt_pem("CERTIFICATE")),
        ),
        ("key-only.pem", &pki.client_key_pem),
    ]);
    let fake = FakeConnect::start(Config::default().tls(pki.server(false)));
    let proxy = CountingProxy::start(fake.addr());
    for (file, expected) in [
        (
            "corrupt-ca.pem",
            "holds a certificate that cannot be a trusted CA: its DER encoding is corrupt",
        ),
        (
            "half-corrupt-ca.pem",
            "holds certificate 2 of 2 that cannot be a trusted CA",
        ),
        (
            "key-only.pem",
            "holds no certificate (no BEGIN CERTIFICATE section); it holds: PRIVATE KEY",
        ),
    ] {
        for insecure in [false, true] {
            let mut run = deploy()
                .url(proxy.url("https"))
                .arg("--ca-file")
                .arg(pem(&bad, file));
            if insecure {
                run = run.arg("--insecure");
            }
            let out = run.arg(clicks().arg()).run();
            out.expect(64, &format!("--ca-file: {}", pem(&bad, file)))
                .expect(64, expected);
        }
    }
    // Usage errors, found before connecting.
    assert_eq!(proxy.connections(), 0);
}

#[test]
fn a_certificate_for_another_host_exits_77_naming_the_names_it_has() {
    let pki = TestPki::generate_with(&["connectors", "connectors.example"], None);
    let certs = TempDir::new();
    pki.write_to(certs.path()).unwrap();
    let fake = FakeConnect::start(Config::default().tls(pki.server(false)));
    let proxy = CountingProxy::start(fake.addr());
    let out = deploy()
        .url(proxy.url("https"))
        .arg("--ca-file")
        .arg(pem(&certs, "ca.pem"))
        .arg(clicks().arg())
        .run();
    out.expect(
        77,
        "is not valid for the host name 127.0.0.1: it is for connectors, connectors.example",
    );
    assert!(!out.all().contains("--ca-file"), "{}", out.all());
    assert_plain(&out);
    assert_eq!(proxy.connections(), 1, "one handshake, not retried");
    assert!(fake.requests().is_empty());
}

#[test]
fn an_expired_or_not_yet_valid_certificate_exits_77_saying_so() {
    for (years, expected) in [
        (
            (2020, 2021),
            "has expired (it was valid until 2021-01-01 00:00:00 UTC)",
        ),
        (
            (2990, 2999),
            "is not valid yet (it is valid from 2990-01-01 00:00:00 UTC",
        ),
    ] {
        let pki = TestPki::generate_with(&["127.0.0.1"], Some(years));
        let certs = TempDir::new();
        pki.write_to(certs.path()).unwrap();
        let fake = FakeConnect::start(Config::default().tls(pki.server(false)));
        let proxy = CountingProxy::start(fake.addr());
        let out = deploy()
            .url(proxy.url("https"))
            .arg("--ca-file")
            .arg(pem(&certs, "ca.pem"))
            .arg(clicks().arg())
            .run();
        out.expect(77, expected);
        assert!(!out.all().contains("--ca-file"), "{}", out.all());
        assert_plain(&out);
        assert_eq!(proxy.connections(), 1, "one handshake, not retried");
        assert!(fake.requests().is_empty());
    }
}

#[test]
fn a_server_with_no_cipher_suite_in_common_is_not_said_to_want_a_client_certificate() {
    let (pki, certs) = make_pki();
    let mut server = pki.server(false);
    server.chacha_only = true;
    let fake = FakeConnect::start(Config::default().tls(server));
    let out = deploy()
        .url(format!("https://{}", fake.addr()))
        .arg("--ca-file")
        .arg(pem(&certs, "ca.pem"))
        .arg(clicks().arg())
        .run();
    out.expect(77, "no cipher suite").expect(77, "AES-GCM");
    assert!(
        !out.all().contains("requires a client certificate"),
        "{}",
        out.all()
    );
}
