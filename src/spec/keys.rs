//! What a config key says about its value: secret by its name, or managed by the
//! worker itself.

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
                "api" | "access" | "private" | "secret" | "auth" | "account" | "sas" | "signing"
            ))
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
