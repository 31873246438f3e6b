//! The credentials inside an ordinary value: the password of a URL's
//! `user:password@`, Oracle's `user/password@`, and the value of a secret-named
//! parameter in a key=value list (a URL's query, a JDBC/ODBC connection string, an
//! Azure connection string, a JAAS line, libpq's `key=value ...`).
//!
//! Where a reading is ambiguous the credential is read to its longest plausible
//! end: masking a little more of a shown value is harmless, showing the tail of a
//! password is not.

use crate::spec::keys::looks_secret;

/// Every credential found inside `value`, each once, with its percent-decoded form
/// where that differs (`%21Abc%21` is used as `!Abc!`).
pub(super) fn embedded_secrets(value: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |text: &str, decode: bool| {
        if text.is_empty() || text == value {
            return;
        }
        if decode && let Some(decoded) = percent_decoded(text) {
            push_once(&mut found, decoded);
        }
        push_once(&mut found, text.to_string());
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

fn push_once(found: &mut Vec<String>, text: String) {
    if !text.is_empty() && !found.contains(&text) {
        found.push(text);
    }
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
/// `scott/"p@ss word"@db`).
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
        let Some((_, after_user)) = oracle_part(creds, '/') else {
            continue;
        };
        if let Some((password, _)) = oracle_part(after_user, '@')
            && !password.is_empty()
        {
            found.push(password);
        }
    }
    found
}

/// One part of Oracle's `user/password@`: quoted to its closing `"`, or a run with
/// no blank up to `end`; with the text after `end`.
fn oracle_part(text: &str, end: char) -> Option<(&str, &str)> {
    if let Some(quoted) = text.strip_prefix('"') {
        let close = quoted.find('"')?;
        let after = quoted[close + 1..].strip_prefix(end)?;
        return Some((&quoted[..close], after));
    }
    let stop = text.find(|c: char| c == end || c.is_whitespace() || c == '"')?;
    let after = text[stop..].strip_prefix(end)?;
    Some((&text[..stop], after))
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
/// `,` that another `name=` follows (`host=h password=p dbname=d`). The `=` inside
/// a value are looked at too: an Azure `SharedAccessSignature=sv=..&sig=..` holds
/// its `sig`.
fn secret_parameters(value: &str) -> Vec<(String, bool)> {
    let bytes = value.as_bytes();
    let mut found = Vec::new();
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
        if !looks_secret(&value[start..end]) {
            continue;
        }
        let query = start > 0 && matches!(bytes[start - 1], b'?' | b'&');
        let mut v = eq + 1;
        while v < bytes.len() && matches!(bytes[v], b' ' | b'\t') {
            v += 1;
        }
        let secret = match bytes.get(v) {
            Some(b'{') => braced(value, v + 1),
            Some(&q @ (b'"' | b'\'')) => quoted(value, v + 1, q),
            _ => unquoted(value, v, query),
        };
        // Base64 padding (`k3y==`) is not a value of its own.
        if !secret.trim_matches('=').is_empty() {
            // SQL Server's `}}` is one `}`: the password as used, too.
            if bytes.get(v) == Some(&b'{') && secret.contains("}}") {
                found.push((secret.replace("}}", "}"), false));
            }
            found.push((secret, query));
        }
    }
    found
}

/// A `{...}` value from `from` (after the `{`): to the `}` not doubled.
fn braced(value: &str, from: usize) -> String {
    let bytes = value.as_bytes();
    let mut j = from;
    while j < bytes.len() {
        if bytes[j] == b'}' {
            if bytes.get(j + 1) == Some(&b'}') {
                j += 2;
                continue;
            }
            return value[from..j].to_string();
        }
        j += 1;
    }
    line_from(value, from)
}

/// A quoted value from `from` (after the quote): to the closing quote, `\` escaping
/// the next character (JAAS).
fn quoted(value: &str, from: usize, quote: u8) -> String {
    let bytes = value.as_bytes();
    let mut j = from;
    while j < bytes.len() {
        if bytes[j] == b'\\' {
            j += 2;
            continue;
        }
        if bytes[j] == quote {
            return value[from..j].to_string();
        }
        j += 1;
    }
    line_from(value, from)
}

/// An unclosed quote: the rest of its line.
fn line_from(value: &str, from: usize) -> String {
    let rest = &value[from..];
    let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    rest[..end].trim().to_string()
}

/// An unquoted value from `from`.
fn unquoted(value: &str, from: usize, query: bool) -> String {
    let bytes = value.as_bytes();
    let mut j = from;
    while j < bytes.len() {
        let b = bytes[j];
        let ends = match b {
            b'\n' | b'\r' => true,
            b'&' | b'#' if query => true,
            b' ' | b'\t' if query => true,
            b';' if !query => true,
            b' ' | b'\t' | b',' | b';' => starts_parameter(&bytes[j + 1..]),
            _ => false,
        };
        if ends {
            break;
        }
        j += 1;
    }
    let text = value[from..j].trim();
    let text = text.trim_matches(['"', '\'']);
    text.to_string()
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
            ["a \\\"b\\\" c"]
        );
        assert_eq!(
            found("jdbc:postgresql://db/x?user=a&password=Pg%2Bw0rd&ssl=true"),
            ["Pg+w0rd", "Pg%2Bw0rd"]
        );
    }

    #[test]
    fn azure_connection_strings_and_sas_urls() {
        assert_eq!(
            found("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=Zm9v+YmE/y==;EndpointSuffix=core.windows.net"),
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
