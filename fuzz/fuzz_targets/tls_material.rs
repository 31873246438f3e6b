//! Fuzz the loading of TLS material, `connect_deploy::connect::tls::Material::check`: the
//! bytes of a CA file, a client certificate file and a key file.
//!
//! Input: a flags byte, then the files.
//! - bit 0: a CA file is given; bit 1: a certificate and key are given; bit 2:
//!   --insecure.
//! - bit 3 clear: the rest is the three files' text, separated by NUL bytes (PEM
//!   holds none): CA, certificate, key.
//! - bit 3 set: the rest is three DER items, each after a 2-byte big-endian length,
//!   that the target wraps in PEM blocks (so mutations reach the DER parsers
//!   directly): CERTIFICATE, CERTIFICATE, and for the key the label chosen by bits
//!   4-5 (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY, ENCRYPTED PRIVATE KEY).
//!
//! Properties: never a panic; the outcome is Ok or a usage error whose message
//! starts with the option it is about (or "TLS:"); and on Ok, the configuration
//! handed to ureq goes through the rustls calls ureq makes at the first connection
//! (`ureq::tls::rustls::build_config`, which `expect`s) without an error.
#![no_main]

use std::path::Path;
use std::sync::Arc;

use connect_deploy::base::error::Error;
use connect_deploy::connect::tls::{Material, Pem};
use libfuzzer_sys::fuzz_target;
use rustls::pki_types::{
    CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
};
use ureq::tls::{RootCerts, TlsConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let files: [Vec<u8>; 3] = if flags & 8 == 0 {
        let mut parts = rest.splitn(3, |b| *b == 0);
        std::array::from_fn(|_| parts.next().unwrap_or_default().to_vec())
    } else {
        let key_label = [
            "PRIVATE KEY",
            "RSA PRIVATE KEY",
            "EC PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY",
        ][usize::from(flags >> 4 & 3)];
        let mut rest = rest;
        std::array::from_fn(|i| {
            let len = match rest {
                [a, b, tail @ ..] => {
                    rest = tail;
                    usize::from(u16::from_be_bytes([*a, *b]))
                }
                _ => 0,
            };
            let (der, tail) = rest.split_at(len.min(rest.len()));
            rest = tail;
            let label = if i == 2 { key_label } else { "CERTIFICATE" };
            pem(label, der).into_bytes()
        })
    };
    let file = |option, bytes| Pem {
        option,
        path: Path::new("fuzz.pem"),
        bytes,
    };
    let material = Material {
        ca: (flags & 1 != 0).then(|| file("--ca-file", &files[0])),
        client: (flags & 2 != 0).then(|| {
            (
                file("--cert-file", &files[1]),
                file("--key-file", &files[2]),
            )
        }),
        insecure: flags & 4 != 0,
    };
    match material.check() {
        Ok(config) => as_ureq_builds_it(&config),
        Err(Error::Usage(m)) => assert!(
            [
                "--ca-file: ",
                "--cert-file: ",
                "--key-file: ",
                "--cert-file and --key-file: ",
                "TLS: "
            ]
            .iter()
            .any(|p| m.starts_with(p)),
            "a message that does not name its option: {m}"
        ),
        Err(other) => panic!("not a usage error: {other:?}"),
    }
});

/// ureq 3.5's `build_config`, step by step, from what the TlsConfig exposes; each
/// `expect` here is one there.
fn as_ureq_builds_it(config: &TlsConfig) {
    let provider = config
        .unversioned_rustls_crypto_provider()
        .clone()
        .expect("the crypto provider is handed to ureq");
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .expect("all TLS versions");
    let mut roots = rustls::RootCertStore::empty();
    if let RootCerts::Specific(certs) = config.root_certs() {
        let (_added, ignored) =
            roots.add_parsable_certificates(certs.iter().map(|c| CertificateDer::from(c.der())));
        assert_eq!(ignored, 0, "a CA certificate rustls ignores");
    }
    let builder = builder.with_root_certificates(roots);
    if let Some(client) = config.client_cert() {
        let chain = client
            .certs()
            .iter()
            .map(|c| CertificateDer::from(c.der()).into_owned())
            .collect();
        let key = client.private_key();
        let der = key.der().to_vec();
        // ureq's KeyKind is not exported: its Debug form names the variant.
        let key: PrivateKeyDer<'static> = match format!("{:?}", key.kind()).as_str() {
            "Pkcs1" => PrivatePkcs1KeyDer::from(der).into(),
            "Pkcs8" => PrivatePkcs8KeyDer::from(der).into(),
            "Sec1" => PrivateSec1KeyDer::from(der).into(),
            other => panic!("a key kind this target does not know: {other}"),
        };
        builder
            .with_client_auth_cert(chain, key)
            .expect("valid client auth certificate");
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = format!("-----BEGIN {label}-----\n");
    for (i, chunk) in der.chunks(3).enumerate() {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for j in 0..4 {
            text.push(if j <= chunk.len() {
                TABLE[(n >> (18 - 6 * j) & 63) as usize] as char
            } else {
                '='
            });
        }
        if i % 16 == 15 {
            text.push('\n');
        }
    }
    text.push_str(&format!("\n-----END {label}-----\n"));
    text
}
