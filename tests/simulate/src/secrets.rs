//! The forms a secret can be echoed in (docs/security.md), and a search for them.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The base64 characters that depend on the secret's bytes alone, when it starts
/// `align` bytes after a 3-byte boundary inside a longer text.
pub fn base64_inner(secret: &[u8], align: usize) -> String {
    let mut padded = vec![0u8; align];
    padded.extend_from_slice(secret);
    let text = base64(&padded);
    // Characters holding any bit of the prefix: the first (8 * align + 5) / 6.
    let skip = (8 * align).div_ceil(6);
    // Characters wholly inside the secret: up to floor(8 * (align + len) / 6).
    let end = 8 * (align + secret.len()) / 6;
    text.get(skip..end).unwrap_or("").to_string()
}

fn percent(secret: &str, upper: bool) -> String {
    secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else if upper {
                format!("%{b:02X}")
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

fn json_escaped(secret: &str, ascii: bool) -> String {
    let s = serde_json::to_string(secret).unwrap();
    let s = &s[1..s.len() - 1];
    if !ascii {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                c.encode_utf16(&mut [0; 2])
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect()
}

/// Every form, named: (name, text). Forms shorter than 8 characters are left out.
pub fn forms(secret: &str) -> Vec<(String, String)> {
    let mut out = vec![("plain".to_string(), secret.to_string())];
    out.push(("trimmed".into(), secret.trim().to_string()));
    out.push(("json".into(), json_escaped(secret, false)));
    out.push(("json-ascii".into(), json_escaped(secret, true)));
    out.push((
        "json-twice".into(),
        json_escaped(&json_escaped(secret, false), false),
    ));
    out.push(("percent".into(), percent(secret, true)));
    out.push(("percent-lower".into(), percent(secret, false)));
    out.push((
        "hex".into(),
        secret.bytes().map(|b| format!("{b:02x}")).collect(),
    ));
    for align in 0..3 {
        let inner = base64_inner(secret.as_bytes(), align);
        out.push((format!("base64@{align}"), inner.clone()));
        out.push((
            format!("base64url@{align}"),
            inner.replace('+', "-").replace('/', "_"),
        ));
    }
    out.retain(|(_, f)| f.chars().count() >= 8);
    out
}

/// The first form of `secret` found in `text`, ASCII case ignored for the textual
/// forms (base64 is case-sensitive).
pub fn find(secret: &str, text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    for (name, form) in forms(secret) {
        let hit = if name.starts_with("base64") {
            text.contains(&form)
        } else {
            lower.contains(&form.to_ascii_lowercase())
        };
        if hit {
            return Some(name);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_at_every_alignment_is_found() {
        let secret = "Hunter2SecretValue";
        for prefix in ["", "a", "ab", "abc", "user:"] {
            let text = format!(
                "Authorization: Basic {}",
                base64(format!("{prefix}{secret}").as_bytes())
            );
            assert!(
                find(secret, &text).is_some_and(|f| f.starts_with("base64")),
                "{prefix:?}: {text}"
            );
        }
    }

    #[test]
    fn other_forms_are_found_and_clean_text_is_not() {
        let secret = "pa ss\"wörd-12";
        assert_eq!(
            find(
                secret,
                &serde_json::to_string(&format!("x={secret}")).unwrap()
            )
            .as_deref(),
            Some("json")
        );
        assert!(find(secret, &percent(secret, false)).is_some());
        assert!(find(secret, "PA SS\"WöRD-12").is_some());
        assert_eq!(find(secret, "the password is ***"), None);
    }
}
