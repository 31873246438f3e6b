//! TLS settings and credentials, turned into what each request needs. Certificates
//! are read and checked before the first request; a bearer token is read again
//! before every request, because projected tokens rotate.

use std::path::{Path, PathBuf};

#[cfg(feature = "tls")]
use ureq::tls::{Certificate, ClientCert, PemItem, PrivateKey, RootCerts, TlsConfig};

use crate::error::Error;
use crate::options::{Credentials, Secret, Tls};

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

/// Build the TLS configuration; a bad or unreadable PEM file is a usage error.
#[cfg(feature = "tls")]
pub fn tls_config(tls: &Tls) -> Result<TlsConfig, Error> {
    let mut builder = TlsConfig::builder().disable_verification(tls.insecure);
    if let Some(path) = &tls.ca_file {
        let (certs, _) = read_pem(path, "--ca-file")?;
        if certs.is_empty() {
            return Err(Error::Usage(format!(
                "--ca-file: {} holds no certificate",
                path.display()
            )));
        }
        // The given CAs replace the built-in roots: a private CA is trusted alone.
        builder = builder.root_certs(RootCerts::new_with_certs(&certs));
    }
    if let (Some(cert), Some(key)) = (&tls.cert_file, &tls.key_file) {
        let (chain, _) = read_pem(cert, "--cert-file")?;
        let (_, keys) = read_pem(key, "--key-file")?;
        if chain.is_empty() {
            return Err(Error::Usage(format!(
                "--cert-file: {} holds no certificate",
                cert.display()
            )));
        }
        let Some(key) = keys.into_iter().next() else {
            return Err(Error::Usage(format!(
                "--key-file: {} holds no private key",
                key.display()
            )));
        };
        builder = builder.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
    }
    Ok(builder.build())
}

#[cfg(feature = "tls")]
fn read_pem(
    path: &Path,
    option: &str,
) -> Result<(Vec<Certificate<'static>>, Vec<PrivateKey<'static>>), Error> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Usage(format!("{option}: cannot read {}: {e}", path.display())))?;
    let mut certs = Vec::new();
    let mut keys = Vec::new();
    for item in ureq::tls::parse_pem(&bytes) {
        match item {
            Ok(PemItem::Certificate(c)) => certs.push(c),
            Ok(PemItem::PrivateKey(k)) => keys.push(k),
            Ok(_) => {}
            Err(_) => {
                return Err(Error::Usage(format!(
                    "{option}: {} is not valid PEM",
                    path.display()
                )));
            }
        }
    }
    Ok((certs, keys))
}

/// The `Authorization` header for one endpoint, if any.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Header(Secret),
    BearerFile(PathBuf),
}

impl Auth {
    pub fn new(endpoint_basic: Option<&(Secret, Secret)>, credentials: &Credentials) -> Auth {
        match (endpoint_basic, credentials) {
            (Some((user, password)), _) | (None, Credentials::Basic(user, password)) => {
                Auth::Header(Secret(format!(
                    "Basic {}",
                    base64(&format!("{}:{}", user.0, password.0))
                )))
            }
            (None, Credentials::BearerFile(path)) => Auth::BearerFile(path.clone()),
            (None, Credentials::None) => Auth::None,
        }
    }

    /// The header value now; a token file that cannot be read right now (mid-rotation)
    /// is worth another attempt, so the reason is returned.
    pub fn header(&self) -> Result<Option<String>, String> {
        match self {
            Auth::None => Ok(None),
            Auth::Header(value) => Ok(Some(value.0.clone())),
            Auth::BearerFile(path) => read_token(path).map(|t| Some(format!("Bearer {t}"))),
        }
    }
}

/// A bearer token from its file: trailing line breaks dropped; empty, or holding a
/// blank, a line break or another control character inside, it cannot be sent.
pub fn read_token(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{shown} is not UTF-8 text"))?;
    let token = text.trim_end_matches(['\n', '\r']);
    if token.is_empty() {
        return Err(format!("{shown} is empty"));
    }
    if token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!(
            "{shown} holds a blank, a line break or a control character inside the token"
        ));
    }
    Ok(token.to_string())
}

pub fn base64(input: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.as_bytes().chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Why a TLS failure happened, when it is about trust: not worth waiting for.
#[cfg(feature = "tls")]
pub fn trust_failure(e: &rustls::Error, endpoint: &str) -> Option<String> {
    use rustls::AlertDescription as A;
    match e {
        rustls::Error::InvalidCertificate(reason) => Some(format!(
            "TLS: the certificate of {endpoint} failed verification ({reason:?}); trust its CA with --ca-file"
        )),
        rustls::Error::AlertReceived(
            A::CertificateRequired
            | A::HandshakeFailure
            | A::BadCertificate
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

    #[test]
    fn base64_known_values() {
        assert_eq!(base64("user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64("a"), "YQ==");
        assert_eq!(base64("ab"), "YWI=");
        assert_eq!(base64(""), "");
    }

    #[test]
    fn url_credentials_win_over_nothing_and_headers_hide_in_debug() {
        let basic = (Secret("u".into()), Secret("p".into()));
        let auth = Auth::new(Some(&basic), &Credentials::None);
        assert_eq!(auth.header(), Ok(Some("Basic dTpw".into())));
        assert!(!format!("{auth:?}").contains("dTpw"));
        assert!(matches!(Auth::new(None, &Credentials::None), Auth::None));
    }

    #[test]
    #[cfg(feature = "tls")]
    fn bad_pem_files_are_usage_errors() {
        let dir = std::env::temp_dir().join(format!("cd-pem-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        let tls = Tls {
            ca_file: Some(junk),
            ..Tls::default()
        };
        assert!(matches!(tls_config(&tls), Err(Error::Usage(m)) if m.contains("--ca-file")));
        let tls = Tls {
            ca_file: Some(dir.join("missing.pem")),
            ..Tls::default()
        };
        assert!(matches!(tls_config(&tls), Err(Error::Usage(m)) if m.contains("cannot read")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
