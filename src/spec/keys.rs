//! What a config key says about its value: secret by its name, or managed by the
//! worker itself.

use crate::base::text::Globs;

/// Key names that mark a secret by convention: judged by the words of the key
/// (`conn.pw`, `api_key`, `sasl.jaas.config`), not by every "key" in it.
pub fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if [
        "password",
        "secret",
        "token",
        "credential",
        "passphrase",
        "jaas",
        "passwd",
    ]
    .iter()
    .any(|w| k.contains(w))
    {
        return true;
    }
    let words: Vec<&str> = k.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    words.iter().enumerate().any(|(i, w)| {
        matches!(
            *w,
            "pw" | "pwd" | "pass" | "apikey" | "privatekey" | "accesskey" | "secretkey"
        ) || (*w == "key"
            && i > 0
            && matches!(
                words[i - 1],
                "api"
                    | "access"
                    | "private"
                    | "secret"
                    | "auth"
                    | "account"
                    | "sas"
                    | "signing"
                    | "keystore"
            ))
            // Schema Registry's `basic.auth.user.info` (`user:password`), which a
            // converter declares PASSWORD where the connector's plugin cannot say.
            || (*w == "info" && i > 0 && words[i - 1] == "user")
            || *w == "userinfo"
    })
}

/// Keys a vendor's worker adds to every stored config and manages itself
/// (Confluent Platform 8.x: `__internal.config.version`): never drift, never sent.
pub fn is_server_managed(key: &str) -> bool {
    key.starts_with("__internal.")
}

/// The key a connector created with `offsets` carries until they are written:
/// one that still has it was left by a run that could neither finish nor undo its
/// create, and the next run deletes it and creates it anew.
pub const UNFINISHED: &str = "connect-deploy.unfinished";

/// Keys connect-deploy itself sets on a connector (`connect-deploy.*`): never drift,
/// never declared by a definition.
pub fn is_tools_own(key: &str) -> bool {
    key.starts_with("connect-deploy.")
}

/// `--secret-keys`: more keys whose values are secrets, as `*`/`?` patterns
/// matched character by character, as `--prune-scope` matches names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretKeys(Globs);

impl SecretKeys {
    /// `db.*,*.blob` -> the patterns; empty patterns are errors.
    pub fn parse(text: &str) -> Result<SecretKeys, String> {
        Globs::parse(text).map(SecretKeys)
    }

    pub fn matches(&self, key: &str) -> bool {
        self.0.matches(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_under_converter_and_keystore_names() {
        for key in [
            "value.converter.basic.auth.user.info",
            "schema.registry.basic.auth.userinfo",
            "ssl.keystore.key",
        ] {
            assert!(looks_secret(key), "{key}");
        }
        for key in ["user.name", "info", "keystore.type", "key.converter"] {
            assert!(!looks_secret(key), "{key}");
        }
    }

    #[test]
    fn secret_keys_by_glob() {
        let keys = SecretKeys::parse("db.*, *.blob,x?").unwrap();
        assert!(keys.matches("db.url"));
        assert!(keys.matches("a.blob"));
        assert!(keys.matches("xy"));
        assert!(!keys.matches("xyz"));
        assert!(!keys.matches("topic"));
        assert!(!SecretKeys::default().matches("db.url"));
        assert!(SecretKeys::parse("a,,b").is_err());
        assert!(SecretKeys::parse("").is_err());
    }
}
