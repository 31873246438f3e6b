//! What a config key says about its value: secret by its name, or managed by the
//! worker itself.

use crate::base::text::Globs;

/// Key names that mark a secret by convention: judged by the words of the key
/// (`conn.pw`, `api_key`, `sasl.jaas.config`, `azure.accountKey`), not by every
/// "key" in it. Words are split at every non-alphanumeric and at camelCase
/// (`accountKey`, `SharedAccessKey`, `SASKey`).
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
    let words = words(key);
    let before = |i: usize, any: &[&str]| i > 0 && any.contains(&words[i - 1].as_str());
    words.iter().enumerate().any(|(i, w)| {
        matches!(
            w.as_str(),
            "pw" | "pwd" | "pass" | "apikey" | "privatekey" | "accesskey" | "secretkey" | "sig"
        ) || (w == "key"
            && before(
                i,
                &[
                    "api", "access", "private", "secret", "auth", "account", "sas", "signing",
                    "keystore",
                ],
            )
            // `SharedAccessKeyName`, `sas.key.name`: the key's name, not the key.
            && words.get(i + 1).is_none_or(|next| next != "name"))
            // Azure's `SharedAccessSignature` (a SAS token).
            || (w == "signature" && before(i, &["access", "sas"]))
            // Schema Registry's `basic.auth.user.info` (`user:password`), which a
            // converter declares PASSWORD where the connector's plugin cannot say.
            || (w == "info" && before(i, &["user"]))
            || w == "userinfo"
    })
}

/// The lower-case words of a key name: split at every non-alphanumeric, between a
/// lower-case letter or digit and an upper-case one (`accountKey`), and before the
/// last capital of a run followed by a lower-case letter (`SASKey`).
fn words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            words.push(std::mem::take(&mut word));
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                words.push(std::mem::take(&mut word));
            }
        }
        word.push(c.to_ascii_lowercase());
    }
    words.push(word);
    words
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
    fn camel_case_words() {
        for key in [
            "azure.accountKey",
            "azure.sasKey",
            "authKey",
            "signingKey",
            "AccountKey",
            "SharedAccessKey",
            "SASKey",
            "SharedAccessSignature",
            "sig",
            "dbPwd",
        ] {
            assert!(looks_secret(key), "{key}");
        }
        for key in [
            "SharedAccessKeyName",
            "AccountName",
            "keyConverter",
            "signature.algorithm",
            "EndpointSuffix",
            "bypassMode",
            "topicKey",
        ] {
            assert!(!looks_secret(key), "{key}");
        }
        assert_eq!(
            words("SASKey.x_accountKey2"),
            ["sas", "key", "x", "account", "key2"]
        );
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
