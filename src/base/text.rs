//! Text as it may be printed: one line, cut to a length, invisible characters
//! escaped; base64 for the `Authorization` header and its masks.

pub fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
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

/// Text as it may be printed on one line: control characters, ANSI escapes and
/// the invisible characters that reorder or hide text are escaped (`\n`,
/// `\u{1b}`), so that no text can forge another line or record.
pub fn one_line(text: &str) -> String {
    escape(text, false)
}

/// As `one_line`, but line breaks stay (the termination message has lines).
pub fn lines(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, keep_newlines: bool) -> String {
    let hidden = |c: char| c.is_control() || invisible(c);
    if !text.chars().any(hidden) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if keep_newlines && c == '\n' {
            out.push(c);
        } else if hidden(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` cut to `limit` bytes at a character boundary, marked when cut.
pub fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit.saturating_sub(3);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// Characters that show nothing or reorder text: escaped when printed, and left
/// out of one view so that a secret with one inside is still found.
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
        | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}')
}

/// A comma-separated list of `*`/`?` patterns (`--prune-scope`, `--ignore-keys`,
/// `--secret-keys`), matched by `glob`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Globs(Vec<String>);

impl Globs {
    /// `team-a-*, legacy-?` -> the patterns, trimmed; an empty one is an error.
    pub fn parse(text: &str) -> Result<Globs, String> {
        let patterns: Vec<String> = text.split(',').map(|p| p.trim().to_string()).collect();
        if patterns.iter().any(String::is_empty) {
            return Err(format!("'{text}' holds an empty pattern"));
        }
        Ok(Globs(patterns))
    }

    /// Whether a pattern is wildcards only (`*`, `?*`): it matches (nearly) all.
    pub fn any_matches_all(&self) -> bool {
        self.0
            .iter()
            .any(|p| p.chars().all(|c| c == '*' || c == '?'))
    }

    pub fn matches(&self, text: &str) -> bool {
        self.0.iter().any(|p| glob(p, text))
    }

    /// The patterns as given, comma-separated.
    pub fn join(&self, separator: &str) -> String {
        self.0.join(separator)
    }
}

/// `*` and `?` wildcards, iteratively with one backtrack point. Both sides are
/// compared character by character (Unicode scalar values), never byte by byte: `?`
/// is one character, so `team-?` owns `team-é` and `team-??` does not.
pub fn glob(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// `%XX` escapes decoded (credentials in a URL); None when one is cut short or
/// the result is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
