//! Credentials, turned into what each request needs: a bearer token is read again
//! before every request, because projected tokens rotate. (TLS material is in `tls`.)

use std::path::{Path, PathBuf};

use crate::base::files;
use crate::base::text::base64;
use crate::connect::access::{Credentials, Secret};

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
                    base64(format!("{}:{}", user.0, password.0).as_bytes())
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
    let text = files::read_text(path, files::MAX_CREDENTIAL)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_known_values() {
        assert_eq!(base64(b"user:pass"), "dXNlcjpwYXNz");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn url_credentials_win_over_nothing_and_headers_hide_in_debug() {
        let basic = (Secret("u".into()), Secret("p".into()));
        let auth = Auth::new(Some(&basic), &Credentials::None);
        assert_eq!(auth.header(), Ok(Some("Basic dTpw".into())));
        assert!(!format!("{auth:?}").contains("dTpw"));
        assert!(matches!(Auth::new(None, &Credentials::None), Auth::None));
    }
}
