//! TLS material: `--ca-file`, `--cert-file` and `--key-file` read, parsed and checked
//! before the first request, and TLS failures told in plain words.
//!
//! ureq 3 takes no finished rustls configuration: it builds one at the first
//! connection from the certificates and key it is given, and `expect`s on whatever
//! rustls refuses there (a panic, so exit 134 under `panic = "abort"`). So every
//! file is parsed here, every item checked with the very rustls calls ureq makes
//! (same crypto provider, handed to ureq explicitly), and anything rustls would
//! refuse becomes a usage error naming the file and the reason. The checks of our
//! own (certificate version, key type, encrypted keys) only add better words: rustls
//! keeps the last word, so what passes here cannot fail in ureq.

use crate::base::error::Error;
use crate::connect::access::Tls;

/// Without the `tls` feature, TLS options are usage errors rather than ignored.
#[cfg(not(feature = "tls"))]
pub fn check_no_tls(tls: &Tls) -> Result<(), Error> {
    if tls != &Tls::default() {
        return Err(Error::Usage(
            "TLS options need a build with the tls feature (the default)".into(),
        ));
    }
    Ok(())
}

#[cfg(feature = "tls")]
pub use material::{Material, Pem, config, trust_failure};

#[cfg(feature = "tls")]
mod material {
    use std::path::Path;
    use std::sync::Arc;

    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::pem::{self, PemObject, SectionKind};
    use rustls::pki_types::{
        CertificateDer, PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer,
        UnixTime,
    };
    use rustls::{CertificateError, ClientConfig, InconsistentKeys, RootCertStore};
    use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};

    use super::{Error, Tls};

    /// The key types the TLS library (rustls with ring) can sign with.
    const SUPPORTED_KEYS: &str = "RSA of 2048 to 4096 bits, ECDSA on P-256 or P-384, and Ed25519";

    /// One file's bytes, with the option and path that named it (for messages).
    #[derive(Debug, Clone, Copy)]
    pub struct Pem<'a> {
        pub option: &'static str,
        pub path: &'a Path,
        pub bytes: &'a [u8],
    }

    impl Pem<'_> {
        fn usage(&self, why: impl std::fmt::Display) -> Error {
            Error::Usage(format!("{}: {} {why}", self.option, self.path.display()))
        }
    }

    /// The TLS files as given; `client` is the certificate file and the key file.
    #[derive(Debug, Clone, Copy)]
    pub struct Material<'a> {
        pub ca: Option<Pem<'a>>,
        pub client: Option<(Pem<'a>, Pem<'a>)>,
        pub insecure: bool,
    }

    /// Read the files the options name and check them; see [`Material::check`].
    pub fn config(tls: &Tls) -> Result<TlsConfig, Error> {
        let ca = read(&tls.ca_file, "--ca-file")?;
        let cert = read(&tls.cert_file, "--cert-file")?;
        let key = read(&tls.key_file, "--key-file")?;
        Material {
            ca: pem(&tls.ca_file, &ca, "--ca-file"),
            client: pem(&tls.cert_file, &cert, "--cert-file").zip(pem(
                &tls.key_file,
                &key,
                "--key-file",
            )),
            insecure: tls.insecure,
        }
        .check()
    }

    fn pem<'a>(
        path: &'a Option<std::path::PathBuf>,
        bytes: &'a Option<Vec<u8>>,
        option: &'static str,
    ) -> Option<Pem<'a>> {
        Some(Pem {
            option,
            path: path.as_deref()?,
            bytes: bytes.as_deref()?,
        })
    }

    /// ring's provider with the AES-GCM cipher suites only: every TLS 1.2 and 1.3
    /// server offers them, and leaving out ChaCha20-Poly1305 keeps its 40 KB of
    /// assembly out of a binary that must stay under 2 MB.
    fn provider() -> CryptoProvider {
        use rustls::crypto::ring::{cipher_suite as suite, default_provider};
        CryptoProvider {
            cipher_suites: vec![
                suite::TLS13_AES_256_GCM_SHA384,
                suite::TLS13_AES_128_GCM_SHA256,
                suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ],
            ..default_provider()
        }
    }

    fn read(path: &Option<std::path::PathBuf>, option: &str) -> Result<Option<Vec<u8>>, Error> {
        path.as_ref()
            .map(|p| {
                crate::base::files::read_bytes(p, crate::base::files::MAX_PEM)
                    .map_err(|e| Error::Usage(format!("{option}: {e}")))
            })
            .transpose()
    }

    impl Material<'_> {
        /// The configuration for ureq, or a usage error naming the file and the
        /// reason. Every file given is checked, the CA file even with `--insecure`
        /// (where it has no effect): a file named but unusable is a mistake.
        pub fn check(&self) -> Result<TlsConfig, Error> {
            let provider = Arc::new(provider());
            let mut roots = RootCertStore::empty();
            let mut ca_certs = Vec::new();
            if let Some(ca) = &self.ca {
                ca_certs = certificates(ca)?;
                let count = ca_certs.len();
                for (i, cert) in ca_certs.iter().enumerate() {
                    roots.add(cert.clone()).map_err(|e| {
                        ca.usage(format!(
                            "holds {} that cannot be a trusted CA: {}",
                            nth(i, count),
                            certificate_problem(&e)
                        ))
                    })?;
                }
            }
            let client = match &self.client {
                Some((cert, key)) => Some(client_auth(&provider, &roots, cert, key)?),
                None => None,
            };
            // The same calls once more without client authentication: ureq makes
            // them in either case.
            if client.is_none() {
                rustls_config(&provider, roots, None).map_err(|e| {
                    Error::Usage(format!("TLS: the TLS library refused the settings: {e}"))
                })?;
            }

            let mut builder = TlsConfig::builder()
                .disable_verification(self.insecure)
                .unversioned_rustls_crypto_provider(provider);
            if self.ca.is_some() {
                // The given CAs replace the built-in roots: a private CA is trusted alone.
                let certs: Vec<Certificate<'static>> = ca_certs
                    .iter()
                    .map(|c| Certificate::from_der(c).to_owned())
                    .collect();
                builder = builder.root_certs(RootCerts::new_with_certs(&certs));
            }
            if let Some((chain, key)) = client {
                let certs: Vec<Certificate<'static>> = chain
                    .iter()
                    .map(|c| Certificate::from_der(c).to_owned())
                    .collect();
                builder = builder.client_cert(Some(ClientCert::new_with_certs(&certs, key)));
            }
            Ok(builder.build())
        }
    }

    /// The rustls configuration exactly as ureq builds it (`ureq::tls::rustls`,
    /// `build_config`), with every step a `Result`. The verifier does not change
    /// what the client certificate steps accept, so the CA roots stand for all.
    fn rustls_config(
        provider: &Arc<CryptoProvider>,
        roots: RootCertStore,
        client: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    ) -> Result<ClientConfig, rustls::Error> {
        let builder = ClientConfig::builder_with_provider(Arc::clone(provider))
            .with_protocol_versions(rustls::ALL_VERSIONS)?
            .with_root_certificates(roots);
        match client {
            Some((chain, key)) => builder.with_client_auth_cert(chain, key),
            None => Ok(builder.with_no_client_auth()),
        }
    }

    /// The client certificate chain and key, each checked; then the pair, through
    /// `with_client_auth_cert` as ureq calls it (which checks that they match).
    fn client_auth(
        provider: &Arc<CryptoProvider>,
        roots: &RootCertStore,
        cert: &Pem,
        key: &Pem,
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKey<'static>), Error> {
        let chain = certificates(cert)?;
        let count = chain.len();
        for (i, c) in chain.iter().enumerate() {
            match certificate_version(c) {
                None => {
                    return Err(cert.usage(format!(
                        "holds {} whose DER encoding is corrupt",
                        nth(i, count)
                    )));
                }
                Some(v) if v != 3 => {
                    return Err(cert.usage(format!(
                        "holds {} that is an X.509 v{v} certificate: TLS needs v3 \
                         (a certificate with extensions; `openssl x509 -req` makes v3 \
                         when given -extfile with at least one extension)",
                        nth(i, count)
                    )));
                }
                Some(_) => {}
            }
            rustls::server::ParsedCertificate::try_from(c).map_err(|e| {
                cert.usage(format!(
                    "holds {} that cannot be used: {}",
                    nth(i, count),
                    certificate_problem(&e)
                ))
            })?;
        }

        let der = private_key(key)?;
        // ureq names its key kinds in a type it does not export, so its key is read
        // by its own PEM parser: the same pki-types parser that found exactly one
        // key in this file above, so the same key.
        let ureq_key = PrivateKey::from_pem(key.bytes)
            .ok()
            .filter(|k| k.der() == der.secret_der())
            .ok_or_else(|| key.usage("holds a private key the HTTP client reads differently"))?;
        let algorithm = key_algorithm(&der);
        match &algorithm {
            None => return Err(key.usage("holds a private key whose DER encoding is corrupt")),
            Some(Algorithm {
                name,
                supported: false,
            }) => {
                return Err(key.usage(format!(
                    "holds {name} key, which TLS here cannot use; supported: {SUPPORTED_KEYS}"
                )));
            }
            Some(_) => {}
        }
        provider
            .key_provider
            .load_private_key(der.clone_key())
            .map_err(|e| {
                let name = algorithm.as_ref().map_or("a", |a| a.name.as_str());
                key.usage(format!(
                    "holds {name} key that cannot be used ({}); supported: {SUPPORTED_KEYS}",
                    plain_key_error(&e)
                ))
            })?;
        rustls_config(provider, roots.clone(), Some((chain.clone(), der))).map_err(
            |e| match e {
                rustls::Error::InconsistentKeys(InconsistentKeys::KeyMismatch) => {
                    key.usage(format!(
                        "holds a private key that does not belong to the certificate in {}",
                        cert.path.display()
                    ))
                }
                rustls::Error::InvalidCertificate(c) => cert.usage(format!(
                    "holds a certificate that cannot be used: {}",
                    certificate_problem(&rustls::Error::InvalidCertificate(c))
                )),
                other => Error::Usage(format!(
                    "--cert-file and --key-file: the TLS library refused {} with {}: {other}",
                    cert.path.display(),
                    key.path.display()
                )),
            },
        )?;
        Ok((chain, ureq_key))
    }

    /// "the certificate" when there is one, else "certificate 2 of 3".
    fn nth(i: usize, count: usize) -> String {
        if count == 1 {
            "a certificate".into()
        } else {
            format!("certificate {} of {count}", i + 1)
        }
    }

    /// The PEM sections of a file; malformed PEM is a usage error.
    fn sections(file: &Pem) -> Result<Vec<(SectionKind, Vec<u8>)>, Error> {
        <(SectionKind, Vec<u8>)>::pem_slice_iter(file.bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                let why = match e {
                    pem::Error::MissingSectionEnd { .. } => "a section has no END line",
                    pem::Error::IllegalSectionStart { .. } => "a BEGIN line is malformed",
                    pem::Error::Base64Decode(_) => "a section is not valid base64",
                    pem::Error::SectionTooLarge => "a section is too large",
                    _ => "it cannot be parsed",
                };
                file.usage(format!("is not valid PEM: {why}"))
            })
    }

    fn certificates(file: &Pem) -> Result<Vec<CertificateDer<'static>>, Error> {
        let certs: Vec<CertificateDer<'static>> = sections(file)?
            .into_iter()
            .filter(|(kind, _)| *kind == SectionKind::Certificate)
            .map(|(_, der)| CertificateDer::from(der))
            .collect();
        if certs.is_empty() {
            return Err(file.usage(format!(
                "holds no certificate (no BEGIN CERTIFICATE section){}",
                found_labels(file.bytes)
            )));
        }
        Ok(certs)
    }

    fn private_key(file: &Pem) -> Result<PrivateKeyDer<'static>, Error> {
        let labels = labels(file.bytes);
        if labels.iter().any(|l| l == "ENCRYPTED PRIVATE KEY")
            || contains(file.bytes, b"Proc-Type: 4,ENCRYPTED")
        {
            return Err(file.usage(format!(
                "holds an encrypted private key, which cannot be used: no password is \
                 asked for; store it unencrypted (in a Secret), e.g. with \
                 `openssl pkcs8 -topk8 -nocrypt -in {0} -out key.pem`",
                file.path.display()
            )));
        }
        let mut keys: Vec<PrivateKeyDer<'static>> = sections(file)?
            .into_iter()
            .filter_map(|(kind, der)| match kind {
                SectionKind::RsaPrivateKey => Some(PrivatePkcs1KeyDer::from(der).into()),
                SectionKind::PrivateKey => Some(PrivatePkcs8KeyDer::from(der).into()),
                SectionKind::EcPrivateKey => Some(PrivateSec1KeyDer::from(der).into()),
                _ => None,
            })
            .collect();
        match keys.len() {
            1 => Ok(keys.remove(0)),
            0 if labels.iter().any(|l| l == "DSA PRIVATE KEY") => Err(file.usage(format!(
                "holds a DSA key, which TLS here cannot use; supported: {SUPPORTED_KEYS}"
            ))),
            0 => Err(file.usage(format!(
                "holds no private key (no BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY section){}",
                found_labels(file.bytes)
            ))),
            n => Err(file.usage(format!(
                "holds {n} private keys: give only the one of the client certificate"
            ))),
        }
    }

    /// The label of every `-----BEGIN ...-----` line.
    fn labels(bytes: &[u8]) -> Vec<String> {
        bytes
            .split(|b| *b == b'\n')
            .filter_map(|line| {
                let line = line.trim_ascii();
                let label = line.strip_prefix(b"-----BEGIN ")?.strip_suffix(b"-----")?;
                Some(String::from_utf8_lossy(label).into_owned())
            })
            .collect()
    }

    /// " (it holds: X, Y)" for the sections a file has, to help find a mixed-up file.
    fn found_labels(bytes: &[u8]) -> String {
        let mut labels = labels(bytes);
        labels.dedup();
        labels.truncate(5);
        // Only printable labels: a label is a file's structure, never a secret, but
        // a binary file could hold anything.
        labels.retain(|l| l.len() <= 40 && l.chars().all(|c| c == ' ' || c.is_ascii_graphic()));
        if labels.is_empty() {
            String::new()
        } else {
            format!("; it holds: {}", labels.join(", "))
        }
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    /// One DER element: its tag, its contents and what follows it.
    fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let (bytes, rest) = rest.split_at(n);
            (
                bytes.iter().fold(0usize, |a, &b| (a << 8) | usize::from(b)),
                rest,
            )
        };
        if rest.len() < len {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        Some((tag, contents, rest))
    }

    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    const OID: u8 = 0x06;
    const OCTET_STRING: u8 = 0x04;

    /// The X.509 version (1, 2 or 3) of a certificate; None when its start is not
    /// DER of a certificate.
    fn certificate_version(cert: &[u8]) -> Option<u8> {
        let (SEQUENCE, certificate, _) = der(cert)? else {
            return None;
        };
        let (SEQUENCE, tbs, _) = der(certificate)? else {
            return None;
        };
        // version [0] EXPLICIT INTEGER DEFAULT v1
        match der(tbs)? {
            (0xa0, explicit, _) => match der(explicit)? {
                (INTEGER, [v @ 0..=2], []) => Some(v + 1),
                _ => None,
            },
            (INTEGER, _, _) => Some(1), // the serial number: no version, so v1
            _ => None,
        }
    }

    /// A private key's algorithm in words, and whether rustls with ring signs with it.
    #[derive(Debug, PartialEq, Eq)]
    struct Algorithm {
        name: String,
        supported: bool,
    }

    fn algorithm(name: &str, supported: bool) -> Option<Algorithm> {
        Some(Algorithm {
            name: name.into(),
            supported,
        })
    }

    /// What kind of key this is, from its DER; None when the DER is corrupt.
    fn key_algorithm(key: &PrivateKeyDer) -> Option<Algorithm> {
        match key {
            PrivateKeyDer::Pkcs1(k) => rsa(k.secret_pkcs1_der()),
            PrivateKeyDer::Sec1(k) => {
                // ECPrivateKey ::= SEQUENCE { version, privateKey OCTET STRING,
                //   parameters [0] ECParameters OPTIONAL, publicKey [1] OPTIONAL }
                let (SEQUENCE, body, []) = der(k.secret_sec1_der())? else {
                    return None;
                };
                let (INTEGER, _, rest) = der(body)? else {
                    return None;
                };
                let (OCTET_STRING, _, rest) = der(rest)? else {
                    return None;
                };
                match der(rest) {
                    Some((0xa0, params, _)) => match der(params)? {
                        (OID, curve, _) => ec_curve(curve),
                        _ => None,
                    },
                    // No named curve here: rustls decides.
                    _ => algorithm("an EC", true),
                }
            }
            PrivateKeyDer::Pkcs8(k) => {
                // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING, ... }
                let (SEQUENCE, body, []) = der(k.secret_pkcs8_der())? else {
                    return None;
                };
                let (INTEGER, _, rest) = der(body)? else {
                    return None;
                };
                let (SEQUENCE, alg, rest) = der(rest)? else {
                    return None;
                };
                let (OCTET_STRING, _, _) = der(rest)? else {
                    return None;
                };
                let (OID, oid, params) = der(alg)? else {
                    return None;
                };
                match oid {
                    [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01] => {
                        let (OCTET_STRING, pkcs1, _) = der(rest)? else {
                            return None;
                        };
                        rsa(pkcs1)
                    }
                    [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a] => {
                        algorithm("an RSA-PSS (id-RSASSA-PSS)", false)
                    }
                    [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01] => match der(params) {
                        Some((OID, curve, _)) => ec_curve(curve),
                        _ => algorithm("an EC", true),
                    },
                    [0x2b, 0x65, 0x70] => algorithm("an Ed25519", true),
                    [0x2b, 0x65, 0x71] => algorithm("an Ed448", false),
                    [0x2b, 0x65, 0x6e] => algorithm("an X25519 (key agreement only)", false),
                    [0x2b, 0x65, 0x6f] => algorithm("an X448 (key agreement only)", false),
                    [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01] => algorithm("a DSA", false),
                    [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x03, 0x01]
                    | [0x2a, 0x86, 0x48, 0xce, 0x3e, 0x02, 0x01] => {
                        algorithm("a Diffie-Hellman (key agreement only)", false)
                    }
                    other => algorithm(
                        &format!("an unknown kind of (OID {})", dotted(other)),
                        false,
                    ),
                }
            }
            _ => None,
        }
    }

    /// An RSA key (PKCS #1 `RSAPrivateKey`) by its size: ring signs with 2048 to
    /// 4096 bits.
    fn rsa(pkcs1: &[u8]) -> Option<Algorithm> {
        let (SEQUENCE, body, []) = der(pkcs1)? else {
            return None;
        };
        let (INTEGER, _, rest) = der(body)? else {
            return None;
        };
        let (INTEGER, modulus, _) = der(rest)? else {
            return None;
        };
        let start = modulus
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(modulus.len());
        let modulus = &modulus[start..];
        let bits = match modulus.first() {
            Some(first) => modulus.len() * 8 - first.leading_zeros() as usize,
            None => return None,
        };
        algorithm(&format!("a {bits}-bit RSA"), (2048..=4096).contains(&bits))
    }

    fn ec_curve(oid: &[u8]) -> Option<Algorithm> {
        match oid {
            [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] => algorithm("an ECDSA P-256", true),
            [0x2b, 0x81, 0x04, 0x00, 0x22] => algorithm("an ECDSA P-384", true),
            [0x2b, 0x81, 0x04, 0x00, 0x23] => algorithm("a P-521 (secp521r1)", false),
            [0x2b, 0x81, 0x04, 0x00, 0x0a] => algorithm("a secp256k1", false),
            other => algorithm(&format!("an EC (curve OID {})", dotted(other)), false),
        }
    }

    /// An OID in dotted form, as openssl and RFCs print it.
    fn dotted(oid: &[u8]) -> String {
        let mut parts: Vec<u64> = Vec::new();
        let mut n: u64 = 0;
        for &b in oid {
            n = (n << 7) | u64::from(b & 0x7f);
            if b & 0x80 == 0 {
                if parts.is_empty() {
                    let first = (n / 40).min(2);
                    parts.push(first);
                    parts.push(n - first * 40);
                } else {
                    parts.push(n);
                }
                n = 0;
            }
            if parts.len() > 20 || n > u64::MAX >> 8 {
                return "(malformed)".into();
            }
        }
        let text: Vec<String> = parts.iter().map(u64::to_string).collect();
        text.join(".")
    }

    fn plain_key_error(e: &rustls::Error) -> String {
        match e {
            rustls::Error::General(m) if m.contains("TooSmall") => "it is too small".into(),
            rustls::Error::General(m) if m.contains("TooLarge") => "it is too large".into(),
            rustls::Error::General(m) => m.clone(),
            other => other.to_string(),
        }
    }

    /// What is wrong with a certificate, in words ("the certificate ... <this>").
    fn certificate_problem(e: &rustls::Error) -> String {
        match e {
            rustls::Error::InvalidCertificate(c) => certificate_error(c),
            other => other.to_string(),
        }
    }

    fn certificate_error(e: &CertificateError) -> String {
        #[allow(deprecated)]
        match e {
            CertificateError::BadEncoding => "its DER encoding is corrupt".into(),
            CertificateError::UnknownIssuer => {
                "is signed by a CA that is not trusted here; trust its CA with --ca-file".into()
            }
            CertificateError::NotValidForName => "is not valid for this host name".into(),
            CertificateError::NotValidForNameContext {
                expected,
                presented,
            } => {
                let names: Vec<String> = presented.iter().map(|n| presented_name(n)).collect();
                let names = if names.is_empty() {
                    "it names no host".to_string()
                } else {
                    format!("it is for {}", names.join(", "))
                };
                format!(
                    "is not valid for the host name {}: {names}",
                    expected.to_str()
                )
            }
            CertificateError::Expired => "has expired".into(),
            CertificateError::ExpiredContext { not_after, .. } => {
                format!("has expired (it was valid until {})", date(*not_after))
            }
            CertificateError::NotValidYet => "is not valid yet".into(),
            CertificateError::NotValidYetContext { not_before, .. } => {
                format!(
                    "is not valid yet (it is valid from {}; check the clocks)",
                    date(*not_before)
                )
            }
            CertificateError::Revoked => "has been revoked".into(),
            CertificateError::UnknownRevocationStatus => {
                "has a revocation status that cannot be determined".into()
            }
            CertificateError::ExpiredRevocationList
            | CertificateError::ExpiredRevocationListContext { .. } => {
                "was checked against an expired revocation list".into()
            }
            CertificateError::BadSignature => {
                "has a signature that does not verify: it was not issued by the trusted CA of \
                 that name (another CA of the same name, such as a remade one? trust its CA \
                 with --ca-file), or it is corrupt"
                    .into()
            }
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
                "is signed with an algorithm this client does not support".into()
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                "is not meant for this use (its extended key usage)".into()
            }
            CertificateError::UnhandledCriticalExtension => {
                "has a critical extension this client does not understand".into()
            }
            CertificateError::InvalidOcspResponse => "came with an invalid OCSP response".into(),
            other => format!("failed verification: {other}"),
        }
    }

    /// `DnsName("a.example")` and `IpAddress(10.0.0.1)` (webpki's forms) as names.
    fn presented_name(n: &str) -> String {
        n.strip_prefix("DnsName(\"")
            .and_then(|s| s.strip_suffix("\")"))
            .or_else(|| {
                n.strip_prefix("IpAddress(")
                    .and_then(|s| s.strip_suffix(')'))
            })
            .unwrap_or(n)
            .to_string()
    }

    /// A time as a UTC date, e.g. `2024-03-01 12:00:00 UTC`.
    fn date(t: UnixTime) -> String {
        let (year, month, day, hour, minute, second) = crate::base::time::civil(t.as_secs());
        format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02} UTC")
    }

    /// What this client offers, for a server that shares none of it.
    const OFFERED: &str = "TLS 1.2 and 1.3, ECDHE with AES-GCM cipher suites only";

    /// Why a TLS failure happened, when it is about trust: not worth waiting for.
    pub fn trust_failure(e: &rustls::Error, endpoint: &str) -> Option<String> {
        use rustls::AlertDescription as A;
        match e {
            rustls::Error::InvalidCertificate(reason) => Some(format!(
                "TLS: the certificate of {endpoint} {}",
                certificate_error(reason)
            )),
            rustls::Error::AlertReceived(A::CertificateExpired) => Some(format!(
                "TLS: {endpoint} refused the client certificate: it has expired"
            )),
            rustls::Error::AlertReceived(A::CertificateRevoked) => Some(format!(
                "TLS: {endpoint} refused the client certificate: it has been revoked"
            )),
            // Only TLS 1.3's certificate_required says for sure that a client
            // certificate is missing.
            rustls::Error::AlertReceived(A::CertificateRequired) => Some(format!(
                "TLS: {endpoint} refused the handshake ({e}): it requires a client certificate it trusts; set --cert-file and --key-file"
            )),
            // handshake_failure is first what a server sends when it shares no
            // cipher suite or key exchange with the client; TLS 1.2 servers also
            // send it for a missing client certificate.
            rustls::Error::AlertReceived(A::HandshakeFailure) => Some(format!(
                "TLS: {endpoint} refused the handshake ({e}): it has no cipher suite or key exchange in common with this client ({OFFERED}); or, on TLS 1.2, it wants a client certificate (--cert-file and --key-file)"
            )),
            rustls::Error::AlertReceived(A::ProtocolVersion) => Some(format!(
                "TLS: {endpoint} refused the handshake ({e}): no TLS version in common; this client speaks TLS 1.2 and 1.3"
            )),
            rustls::Error::AlertReceived(A::InsufficientSecurity) => Some(format!(
                "TLS: {endpoint} refused the handshake ({e}): it wants cipher suites this client does not offer ({OFFERED})"
            )),
            rustls::Error::PeerIncompatible(why) => Some(format!(
                "TLS: {endpoint} and this client have nothing in common to talk over ({why:?}); this client offers {OFFERED}"
            )),
            rustls::Error::AlertReceived(
                A::BadCertificate
                | A::UnsupportedCertificate
                | A::CertificateUnknown
                | A::UnknownCA
                | A::AccessDenied,
            ) => Some(format!(
                "TLS: {endpoint} refused the handshake ({e}): it requires a client certificate it trusts; set --cert-file and --key-file"
            )),
            rustls::Error::NoCertificatesPresented => {
                Some(format!("TLS: {endpoint} presented no certificate"))
            }
            _ => None,
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn check(ca: Option<&[u8]>, client: Option<(&[u8], &[u8])>) -> Result<TlsConfig, Error> {
            let pem = |option, bytes| Pem {
                option,
                path: Path::new("f.pem"),
                bytes,
            };
            Material {
                ca: ca.map(|b| pem("--ca-file", b)),
                client: client.map(|(c, k)| (pem("--cert-file", c), pem("--key-file", k))),
                insecure: false,
            }
            .check()
        }

        #[track_caller]
        fn usage(result: Result<TlsConfig, Error>) -> String {
            match result {
                Err(Error::Usage(m)) => m,
                other => panic!("not a usage error: {:?}", other.map(|_| ())),
            }
        }

        #[test]
        fn unreadable_and_junk_files_are_usage_errors() {
            let tls = Tls {
                ca_file: Some("/nonexistent/ca.pem".into()),
                ..Tls::default()
            };
            assert!(usage(config(&tls)).starts_with("--ca-file: cannot read /nonexistent/ca.pem"));
            let m = usage(check(Some(b"not a certificate"), None));
            assert_eq!(
                m,
                "--ca-file: f.pem holds no certificate (no BEGIN CERTIFICATE section)"
            );
            let m = usage(check(Some(b"-----BEGIN CERTIFICATE-----\n!!\n"), None));
            assert_eq!(
                m,
                "--ca-file: f.pem is not valid PEM: a section has no END line"
            );
        }

        #[test]
        fn keys_rustls_cannot_read_are_named() {
            let cert = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
            // The certificate is checked first.
            let m = usage(check(None, Some((cert, b""))));
            assert!(m.contains("DER encoding is corrupt"), "{m}");
            let dsa = b"-----BEGIN DSA PRIVATE KEY-----\nMAA=\n-----END DSA PRIVATE KEY-----\n";
            assert_eq!(
                key_message(dsa),
                format!(
                    "--key-file: f.pem holds a DSA key, which TLS here cannot use; supported: {SUPPORTED_KEYS}"
                )
            );
            let two = b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n\
                        -----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n";
            assert!(key_message(two).contains("holds 2 private keys"));
        }

        #[test]
        fn alerts_are_described_by_what_they_mean() {
            use rustls::AlertDescription as A;
            let say =
                |a| trust_failure(&rustls::Error::AlertReceived(a), "https://c:8083").unwrap();
            // Only certificate_required says a client certificate is missing.
            assert!(say(A::CertificateRequired).contains("requires a client certificate"));
            let m = say(A::HandshakeFailure);
            assert!(
                m.contains("no cipher suite or key exchange in common"),
                "{m}"
            );
            assert!(!m.contains("requires a client certificate"), "{m}");
            assert!(say(A::ProtocolVersion).contains("no TLS version in common"));
            assert!(say(A::UnknownCA).contains("client certificate it trusts"));
            let m = trust_failure(
                &rustls::Error::PeerIncompatible(rustls::PeerIncompatible::NoCipherSuitesInCommon),
                "https://c:8083",
            )
            .unwrap();
            assert!(m.contains("nothing in common"), "{m}");
        }

        /// The message for a key file, past the certificate checks.
        fn key_message(key: &[u8]) -> String {
            let file = Pem {
                option: "--key-file",
                path: Path::new("f.pem"),
                bytes: key,
            };
            match private_key(&file) {
                Err(Error::Usage(m)) => m,
                other => panic!("{:?}", other.map(|_| ())),
            }
        }

        #[test]
        fn dates_are_utc_calendar_dates() {
            assert_eq!(
                date(UnixTime::since_unix_epoch(std::time::Duration::ZERO)),
                "1970-01-01 00:00:00 UTC"
            );
            let t =
                UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_709_294_400 + 3_661));
            assert_eq!(date(t), "2024-03-01 13:01:01 UTC");
            let t = UnixTime::since_unix_epoch(std::time::Duration::from_secs(951_782_400));
            assert_eq!(date(t), "2000-02-29 00:00:00 UTC");
        }

        #[test]
        fn oids_print_dotted() {
            assert_eq!(
                dotted(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
                "1.2.840.10045.2.1"
            );
            assert_eq!(dotted(&[0x2b, 0x81, 0x04, 0x00, 0x23]), "1.3.132.0.35");
            assert_eq!(dotted(&[0xff; 30]), "(malformed)");
        }

        #[test]
        fn webpki_names_lose_their_wrapping() {
            assert_eq!(presented_name("DnsName(\"connectors\")"), "connectors");
            assert_eq!(presented_name("IpAddress(10.0.0.1)"), "10.0.0.1");
            assert_eq!(presented_name("DirectoryName"), "DirectoryName");
        }

        #[test]
        fn der_lengths_never_overrun() {
            assert_eq!(der(&[0x30]), None);
            assert_eq!(der(&[0x30, 0x85, 1, 1, 1, 1, 1]), None);
            assert_eq!(der(&[0x30, 0x82, 0xff, 0xff, 0]), None);
            assert_eq!(der(&[0x30, 0x80]), None);
            assert_eq!(
                der(&[0x02, 0x01, 0x05, 0xaa]),
                Some((0x02, &[0x05][..], &[0xaa][..]))
            );
            assert_eq!(certificate_version(&[0x30, 0x03, 0x30, 0x01, 0x02]), None);
        }
    }
}
