//! The credentials inside an ordinary value: the password of a URL's
//! `user:password@`, Oracle's `user/password@`, and the value of a secret-named
//! parameter in a key=value list (a URL's query, a JDBC/ODBC connection string, an
//! Azure connection string, a JAAS line, libpq's `key=value ...`).
//!
//! Where a reading is ambiguous the credential is read to its longest plausible
//! end: masking a little more of a shown value is harmless, showing the tail of a
//! password is not.

use std::collections::HashSet;

use crate::spec::keys::looks_secret;

/// Every credential found inside `value`, each once, with its percent-decoded form
/// where that differs (`%21Abc%21` is used as `!Abc!`).
pub(super) fn embedded_secrets(value: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut add = |text: &str, decode: bool| {
        if text.is_empty() || text == value {
            return;
        }
        let decoded = if decode { percent_decoded(text) } else { None };
        for text in decoded.into_iter().chain([text.to_string()]) {
            if seen.insert(text.clone()) {
                found.push(text);
            }
        }
    };
    for password in userinfo_passwords(value) {
        add(password, true);
    }
    for password in oracle_passwords(value) {
        add(password, false);
    }
    for (secret, query) in secret_parameters(value) {
        add(&secret, query);
    }
    found
}

/// The password of each `scheme://user:password@host`. The authority runs to the
/// path (`/`), query, fragment or a blank; its userinfo ends at the authority's
/// LAST `@` (a password may hold `@`, `,`, `:` unencoded; `,` also separates a
/// MongoDB host list after it).
fn userinfo_passwords(value: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = value[from..].find("://") {
        let start = from + i + 3;
        let authority = &value[start..];
        let end = authority
            .find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace())
            .unwrap_or(authority.len());
        if let Some(at) = authority[..end].rfind('@')
            && let Some((_, password)) = authority[..at].split_once(':')
            && !password.is_empty()
        {
            found.push(password);
        }
        from = start;
    }
    found
}

/// Oracle's `jdbc:oracle:DRIVER:user/password@...` (either part may be quoted,
/// `scott/"p@ss word"@db`). The search goes on where each reading stopped, so a
/// value of many prefixes is read once.
fn oracle_passwords(value: &str) -> Vec<&str> {
    const PREFIX: &str = "jdbc:oracle:";
    let lower = value.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find(PREFIX) {
        let start = from + i + PREFIX.len();
        from = start;
        let rest = &value[start..];
        // The driver (`thin`, `oci`, `oci8`, `kprb`) and its ':'.
        let driver = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let Some(creds) = rest[driver..].strip_prefix(':') else {
            continue;
        };
        let creds_at = start + driver + 1;
        // A user name never holds ':' unquoted: its reading ends before the next
        // prefix.
        let (user, read) = oracle_part(creds, &['/', ':']);
        from = from.max(creds_at + read);
        let Some(after_user) = user.and_then(|_| creds[read..].strip_prefix('/')) else {
            continue;
        };
        let after_at = creds_at + read + 1;
        let (password, read) = oracle_part(after_user, &['@']);
        from = from.max(after_at + read);
        if let Some(password) = password
            && after_user[read..].starts_with('@')
            && !password.is_empty()
        {
            found.push(password);
        }
    }
    found
}

/// One part of Oracle's `user/password@`: quoted to its closing `"`, or a run with
/// no blank or quote up to one of `ends`; with how far it was read (to the end or
/// the closing quote).
fn oracle_part<'a>(text: &'a str, ends: &[char]) -> (Option<&'a str>, usize) {
    if let Some(quoted) = text.strip_prefix('"') {
        return match quoted.find('"') {
            Some(close) => (Some(&quoted[..close]), close + 2),
            None => (None, text.len()),
        };
    }
    match text.find(|c: char| ends.contains(&c) || c.is_whitespace() || c == '"') {
        Some(stop) if ends.contains(&text[stop..].chars().next().unwrap_or(' ')) => {
            (Some(&text[..stop]), stop)
        }
        Some(stop) => (None, stop),
        None => (None, text.len()),
    }
}

/// Characters of a parameter's name.
fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

/// The parameter name that ends where `=` stands at `eq` (blanks allowed between),
/// and where it begins.
fn key_before(bytes: &[u8], eq: usize) -> Option<(usize, usize)> {
    let mut end = eq;
    while end > 0 && matches!(bytes[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_key_char(bytes[start - 1]) {
        start -= 1;
    }
    (start < end).then_some((start, end))
}

/// Whether `text` (after a separator) begins another parameter: blanks, a name,
/// blanks, `=`.
fn starts_parameter(text: &[u8]) -> bool {
    let mut i = 0;
    while i < text.len() && matches!(text[i], b' ' | b'\t') {
        i += 1;
    }
    let name = i;
    while i < text.len() && is_key_char(text[i]) {
        i += 1;
    }
    if i == name {
        return false;
    }
    while i < text.len() && matches!(text[i], b' ' | b'\t') {
        i += 1;
    }
    text.get(i) == Some(&b'=')
}

/// The values of secret-named parameters (`password=`, `pwd=`, `AccountKey=`,
/// `sig=`), each with whether it stands in a URL's query (and may be
/// percent-encoded). A value quoted `{...}` (SQL Server, `}}` for `}`), `"..."` or
/// `'...'` runs to its closing quote; an unquoted one in a URL's query to the next
/// `&`, `#` or blank; any other to the next `;` or line end, and before a blank or
/// `,` that another `name=` follows (`host=h password=p dbname=d`). A value found
/// is looked into once for query parameters: an Azure
/// `SharedAccessSignature=sv=..&sig=..` holds its `sig`.
///
/// One pass: the scan goes on after each value found, so the cost grows with the
/// value's length (`pw=pw=pw=...` reads each byte a bounded number of times).
fn secret_parameters(value: &str) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    scan_parameters(value, false, &mut found);
    found
}

/// One pass over `value`; `inner` for a value found by the outer pass, where only
/// query parameters (at its start or after `?`/`&`) are looked for, and no deeper.
fn scan_parameters(value: &str, inner: bool, found: &mut Vec<(String, bool)>) {
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'=' {
            i += 1;
            continue;
        }
        let eq = i;
        i += 1;
        let Some((start, end)) = key_before(bytes, eq) else {
            continue;
        };
        let query = start > 0 && matches!(bytes[start - 1], b'?' | b'&');
        if (inner && !(query || start == 0)) || !looks_secret(&value[start..end]) {
            continue;
        }
        let query = query || inner;
        let mut v = eq + 1;
        while v < bytes.len() && matches!(bytes[v], b' ' | b'\t') {
            v += 1;
        }
        let (secret, next) = match bytes.get(v) {
            Some(b'{') => braced(value, v + 1),
            Some(&q @ (b'"' | b'\'')) => quoted(value, v + 1, q),
            _ => unquoted(value, v, query),
        };
        i = next.max(i);
        // Base64 padding (`k3y==`) is not a value of its own.
        if secret.trim_matches('=').is_empty() {
            continue;
        }
        // SQL Server's `}}` is one `}`, JAAS's `\"` one `"`: the password as used,
        // too.
        match bytes.get(v) {
            Some(b'{') if secret.contains("}}") => {
                found.push((secret.replace("}}", "}"), false));
            }
            Some(b'"' | b'\'') if secret.contains('\\') => {
                found.push((unescaped(secret), false));
            }
            _ => {}
        }
        found.push((secret.to_string(), query));
        if !inner && !query && secret.contains('=') {
            scan_parameters(secret, true, found);
        }
    }
}

/// A `{...}` value from `from` (after the `{`): to the `}` not doubled.
fn braced(value: &str, from: usize) -> (&str, usize) {
    let bytes = value.as_bytes();
    let mut j = from;
    while j < bytes.len() {
        if bytes[j] == b'}' {
            if bytes.get(j + 1) == Some(&b'}') {
                j += 2;
                continue;
            }
            return (&value[from..j], j + 1);
        }
        j += 1;
    }
    line_from(value, from)
}

/// A quoted value from `from` (after the quote): to the closing quote, `\` escaping
/// the next character (JAAS).
fn quoted(value: &str, from: usize, quote: u8) -> (&str, usize) {
    let bytes = value.as_bytes();
    let mut j = from;
    while j < bytes.len() {
        if bytes[j] == b'\\' {
            j += 2;
            continue;
        }
        if bytes[j] == quote {
            return (&value[from..j], j + 1);
        }
        j += 1;
    }
    line_from(value, from)
}

/// A quoted value with each `\x` read as `x`.
fn unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            out.extend(chars.next());
        } else {
            out.push(c);
        }
    }
    out
}

/// An unclosed quote: the rest of its line.
fn line_from(value: &str, from: usize) -> (&str, usize) {
    let rest = &value[from..];
    let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    (rest[..end].trim(), from + end)
}

/// An unquoted value from `from`.
fn unquoted(value: &str, from: usize, query: bool) -> (&str, usize) {
    let bytes = value.as_bytes();
    let mut j = from;
    while j < bytes.len() {
        let b = bytes[j];
        let ends = match b {
            b'\n' | b'\r' => true,
            b'&' | b'#' if query => true,
            b' ' | b'\t' if query => true,
            b';' if !query => true,
            b' ' | b'\t' | b',' | b';' => {
                // Every blank of a run has the same text after it: looked at once.
                let mut k = j + 1;
                while k < bytes.len() && matches!(bytes[k], b' ' | b'\t') {
                    k += 1;
                }
                if !starts_parameter(&bytes[k..]) {
                    j = if query { j + 1 } else { k };
                    continue;
                }
                true
            }
            _ => false,
        };
        if ends {
            break;
        }
        j += 1;
    }
    let text = value[from..j].trim();
    (text.trim_matches(['"', '\'']), j)
}

/// `text` with its `%XX` decoded, where it holds any and decodes to UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = bytes.get(i + 1..i + 3)
            && let Ok(h) = std::str::from_utf8(h)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    let decoded = String::from_utf8(out).ok()?;
    (decoded != text).then_some(decoded)
}

#[cfg(test)]
mod tests {
    use super::embedded_secrets;

    fn found(value: &str) -> Vec<String> {
        embedded_secrets(value)
    }

    #[test]
    fn userinfo_ends_at_the_last_at_sign_and_is_decoded() {
        assert_eq!(
            found("mongodb://app:Pa55,w0rd-Zeta@mongo1:27017,mongo2:27017/db"),
            ["Pa55,w0rd-Zeta"]
        );
        assert_eq!(found("http://u:p@ss:w@h/x@y"), ["p@ss:w"]);
        assert_eq!(
            found("postgresql://app:%21Abc-Pass%21@db/x"),
            ["!Abc-Pass!", "%21Abc-Pass%21"]
        );
        assert_eq!(found("http://h1,http://u:pw1@h2"), ["pw1"]);
        assert!(found("http://host:8080/a@b").is_empty());
    }

    #[test]
    fn oracle_user_slash_password() {
        assert_eq!(
            found("jdbc:oracle:thin:scott/Tiger-Pass-42@db:1521/orcl"),
            ["Tiger-Pass-42"]
        );
        assert_eq!(
            found("JDBC:ORACLE:oci:scott/\"p@ss word\"@//db:1521/svc"),
            ["p@ss word"]
        );
        assert!(found("jdbc:oracle:thin:@//db:1521/orcl").is_empty());
    }

    #[test]
    fn connection_string_values_run_to_their_end() {
        assert_eq!(
            found("jdbc:sqlserver://db;user=sa;password=correct horse battery staple;x=1"),
            ["correct horse battery staple"]
        );
        assert_eq!(
            found("jdbc:sqlserver://db;password={Brace;Quoted}}Secret};encrypt=true"),
            ["Brace;Quoted}Secret", "Brace;Quoted}}Secret"]
        );
        assert_eq!(found("host=h password=p-1 dbname=d"), ["p-1"]);
        assert_eq!(found("user=a,password=pw,w2, ssl=true"), ["pw,w2"]);
        assert_eq!(
            found("Module required username=\"u\" password=\"a \\\"b\\\" c\";"),
            ["a \"b\" c", "a \\\"b\\\" c"]
        );
        assert_eq!(
            found("jdbc:postgresql://db/x?user=a&password=Pg%2Bw0rd&ssl=true"),
            ["Pg+w0rd", "Pg%2Bw0rd"]
        );
    }

    #[test]
    fn azure_connection_strings_and_sas_urls() {
        assert_eq!(
            found(
                "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9v+YmE/y==;EndpointSuffix=core.windows.net"
            ),
            ["Zm9v+YmE/y=="]
        );
        assert_eq!(
            found("Endpoint=sb://ns/;SharedAccessKeyName=Root;SharedAccessKey=k3y="),
            ["k3y="]
        );
        assert_eq!(
            found("BlobEndpoint=https://a/;SharedAccessSignature=sv=2020&sig=abc%3D"),
            ["sv=2020&sig=abc%3D", "abc=", "abc%3D"]
        );
    }

    /// Values made of prefixes that each start a reading: every reading ends where
    /// the next begins or the search goes on past it, so these are read in one
    /// pass (a reading to the end from each prefix would be 10^10 steps).
    #[test]
    fn repeated_prefixes_are_read_once() {
        let n = 100_000;
        assert!(found(&"pw=".repeat(n)).len() <= 2);
        assert_eq!(found(&format!("pw=a{}", " ".repeat(n * 3))), ["a"]);
        assert!(found(&"jdbc:oracle:thin:a/".repeat(n)).is_empty());
        assert!(found(&"pw=\"".repeat(n)).len() <= 2);
        assert_eq!(found(&"pw=x;".repeat(n)), ["x"]);
        let many: String = (0..n).map(|i| format!("pw=s{i};")).collect();
        assert_eq!(found(&many).len(), n);
    }

    #[test]
    fn names_topics_and_classes_are_not_credentials() {
        for value in [
            "orders,clicks",
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "jdbc:postgresql://db:5432/orders?user=app&ssl=true",
            "key.converter=org.apache.kafka.connect.json.JsonConverter",
            "AccountName=acct;SharedAccessKeyName=RootManageSharedAccessKey",
            "https://h/a?x=1&y=2",
        ] {
            assert!(found(value).is_empty(), "{value}: {:?}", found(value));
        }
    }
}
