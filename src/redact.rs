//! The one redaction layer: the run's secrets, and the cleaning every printed byte
//! goes through (stdout, stderr, the JSON report, the termination message).
//!
//! A secret is looked for in the forms software echoes it in, not only as written:
//! trimmed (Connect's `ConfigDef` trims), each line of a multi-line value, and inside
//! text that is URL-encoded, JSON-escaped (once or twice) or HTML-escaped, whatever
//! characters the encoder chose to escape and in whichever hex case. Rather than
//! listing encodings of each secret, the text is decoded into several *views*, each
//! byte of a view remembering where in the text it came from; a secret found in any
//! view masks that span of the text. Every span any secret covers is masked, so
//! overlapping secrets cannot leave pieces of one another readable. Credentials also
//! count in base64 (`Authorization: Basic ...`), as does every value. A text cut short, by a worker or by
//! us, that ends in the first part of a secret is masked there too.
//!
//! Masking happens on the whole text, before anything is cut, shortened or escaped;
//! then control characters are escaped so that every record stays one line.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

pub const MASK: &str = "***";

/// Values of ordinary keys shorter than this are left alone: masking every "1" or
/// "true" would make messages unreadable. Secrets are masked at any length.
const MIN_MASKED_LEN: usize = 4;
/// A cut text ending in this much of a secret's beginning is masked there.
const MIN_CUT_PREFIX: usize = 6;
/// Longest record printed, in bytes, after masking.
pub const MAX_RECORD: usize = 4096;

/// Key names that mark a secret by convention.
pub fn looks_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "credential",
        "passphrase",
        "jaas",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// The secrets of one run and the words that must stay readable.
#[derive(Debug, Default)]
pub struct Secrets {
    /// Raw forms, searched in every view of a text.
    forms: BTreeSet<Vec<u8>>,
    /// Encoded forms (base64), searched in the text as it is.
    encoded: BTreeSet<Vec<u8>>,
    /// Public names (connector and key names): a secret found strictly inside one
    /// of them is the name, not an echo.
    public: BTreeSet<String>,
    /// Connector classes: masked only as whole tokens, as stack traces name classes.
    classes: BTreeSet<String>,
}

impl Secrets {
    /// A config value; `secret` for values of secret-named or PASSWORD-typed keys
    /// and resolved references, which are masked however short.
    pub fn add_value(&mut self, value: &str, secret: bool) {
        let min = if secret { 1 } else { MIN_MASKED_LEN };
        let mut bases: BTreeSet<&str> = BTreeSet::new();
        for form in [value, value.trim(), value.trim_matches(|c| c <= ' ')] {
            if form.chars().count() >= min {
                bases.insert(form);
            }
        }
        if value.contains(['\n', '\r']) {
            for line in value.split(['\n', '\r']) {
                for form in [line, line.trim(), line.trim_matches(|c| c <= ' ')] {
                    if form.chars().count() >= MIN_MASKED_LEN {
                        bases.insert(form);
                    }
                }
            }
        }
        // Any value may be a credential (a JDBC URL with its password): its base64
        // is looked for too, which costs nothing where nobody encodes it.
        for base in bases {
            self.add_base64(base);
            self.forms.insert(base.as_bytes().to_vec());
        }
    }

    /// One of the tool's own credentials: a password, a token, a header value.
    pub fn add_credential(&mut self, value: &str) {
        self.add_value(value, true);
    }

    pub fn add_class(&mut self, class: &str) {
        if !class.is_empty() {
            self.classes.insert(class.to_string());
        }
    }

    /// A name that stays readable where it appears whole.
    pub fn add_public(&mut self, name: &str) {
        if !name.is_empty() {
            self.public.insert(name.to_string());
        }
    }

    fn add_base64(&mut self, value: &str) {
        let standard = base64(value.as_bytes());
        let unpadded = standard.trim_end_matches('=').to_string();
        let url_safe: String = unpadded
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        for form in [standard, unpadded, url_safe] {
            if form.len() >= 2 {
                self.encoded.insert(form.into_bytes());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty() && self.encoded.is_empty() && self.classes.is_empty()
    }

    /// `text` with every secret hidden, in whatever form it appears.
    pub fn mask(&self, text: &str) -> String {
        if self.is_empty() || text.is_empty() {
            return text.to_string();
        }
        let text = mask_known_echoes(text);
        let bytes = text.as_bytes();
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let identity = View::identity(bytes);
        let percent = identity.decode(Decoding::Percent { plus: false });
        let views = [
            identity.decode(Decoding::Percent { plus: true }),
            identity.decode(Decoding::Json),
            identity.decode(Decoding::Json).decode(Decoding::Json),
            identity
                .decode(Decoding::Json)
                .decode(Decoding::Percent { plus: true }),
            identity.decode(Decoding::Html),
            percent,
            identity,
        ];
        let forms = Patterns::new(self.forms.iter());
        for view in &views {
            forms.find(view, &mut spans);
            self.find_cut_prefixes(view, &mut spans);
        }
        let identity = &views[views.len() - 1];
        Patterns::new(self.encoded.iter()).find(identity, &mut spans);
        let spans = self.without_public(&text, spans);
        let masked = apply_spans(&text, spans);
        self.classes
            .iter()
            .fold(masked, |out, class| replace_token(&out, class))
    }

    /// A view that ends (or stops before `...`) in the beginning of a secret: the
    /// rest was cut off, and what is left must not be readable either.
    fn find_cut_prefixes(&self, view: &View, spans: &mut Vec<(usize, usize)>) {
        let data = &view.bytes;
        let mut ends = vec![data.len()];
        for marker in [&b"..."[..], "\u{2026}".as_bytes()] {
            let mut from = 0;
            while let Some(i) = find(&data[from..], marker) {
                ends.push(from + i);
                from += i + 1;
            }
        }
        // An escape cut in half (`%4`, `\u00`, `&am`) ends nothing: look before it.
        let partial: Vec<usize> = ends
            .iter()
            .filter_map(|&end| {
                let from = end.saturating_sub(5);
                data[from..end]
                    .iter()
                    .rposition(|b| matches!(b, b'%' | b'\\' | b'&'))
                    .map(|i| from + i)
            })
            .collect();
        ends.extend(partial);
        for &end in &ends {
            for form in &self.forms {
                let longest = form.len().saturating_sub(1).min(end);
                for k in (MIN_CUT_PREFIX..=longest).rev() {
                    if data[end - k..end] == form[..k] {
                        spans.push(view.span(end - k, end));
                        break;
                    }
                }
            }
        }
    }

    /// Spans that lie strictly inside a public name where it appears whole: a key
    /// `transforms.unwrap.type` stays readable although `unwrap` is a value.
    fn without_public(&self, text: &str, spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
        if self.public.is_empty() {
            return spans;
        }
        let mut names: Vec<(usize, usize)> = Vec::new();
        for name in &self.public {
            let mut from = 0;
            while let Some(i) = text[from..].find(name.as_str()) {
                names.push((from + i, from + i + name.len()));
                from += i + 1;
                while !text.is_char_boundary(from) {
                    from += 1;
                }
            }
        }
        spans
            .into_iter()
            .filter(|&(a, b)| {
                !names
                    .iter()
                    .any(|&(na, nb)| na <= a && b <= nb && b - a < nb - na)
            })
            .collect()
    }
}

/// `Connector config {name=a, password=x} contains no connector type` (Java's
/// `Map.toString()` of a whole config) and `Invalid value V for configuration K`:
/// values shown there are hidden whatever their length.
fn mask_known_echoes(text: &str) -> String {
    let out = mask_between(
        text,
        "Connector config {",
        "} contains no connector type",
        |inner| {
            // Keep the key names: `k=v, k2=v2` becomes `k=***, k2=***`.
            let keys: Vec<String> = inner
                .split(", ")
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, _)| format!("{k}={MASK}"))
                .collect();
            keys.join(", ")
        },
    );
    mask_between(&out, "Invalid value ", " for configuration ", |_| {
        MASK.into()
    })
}

/// Replace whatever stands between each `before` and the next `after`.
fn mask_between(
    message: &str,
    before: &str,
    after: &str,
    replace: impl Fn(&str) -> String,
) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(before) {
        let value_start = i + before.len();
        let Some(len) = rest[value_start..].find(after) else {
            break;
        };
        out.push_str(&rest[..value_start]);
        out.push_str(&replace(&rest[value_start..value_start + len]));
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    out
}

/// Replace `value` where it stands as a whole token: the connector class also names
/// classes in stack traces (`FileStreamSink` in `FileStreamSinkTask`), which stay.
fn replace_token(message: &str, value: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    let mut before: Option<char> = None;
    while let Some(i) = rest.find(value) {
        let prev = rest[..i]
            .chars()
            .next_back()
            .or(if i == 0 { before } else { None });
        let next = rest[i + value.len()..].chars().next();
        out.push_str(&rest[..i]);
        if word(prev) || word(next) {
            out.push_str(value);
        } else {
            out.push_str(MASK);
        }
        before = value.chars().next_back();
        rest = &rest[i + value.len()..];
    }
    out.push_str(rest);
    out
}

/// `text` with each span (byte offsets, possibly overlapping) replaced by one mask.
fn apply_spans(text: &str, mut spans: Vec<(usize, usize)>) -> String {
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut i = 0;
    while i < spans.len() {
        let (mut start, mut end) = spans[i];
        i += 1;
        while i < spans.len() && spans[i].0 <= end {
            end = end.max(spans[i].1);
            i += 1;
        }
        // Widen to whole characters: no half of a character is left behind.
        start = start.max(at);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        if start < at {
            start = at;
        }
        out.push_str(&text[at..start]);
        out.push_str(MASK);
        at = end.max(at);
    }
    out.push_str(&text[at.min(text.len())..]);
    out
}

/// A decoded form of a text: each byte with the span of the text it came from.
#[derive(Debug, Clone)]
struct View {
    bytes: Vec<u8>,
    /// (start, end) in the original text of each byte.
    origin: Vec<(usize, usize)>,
}

#[derive(Debug, Clone, Copy)]
enum Decoding {
    /// `%XX` in either case; with `plus`, `+` is a blank as in form encoding.
    Percent { plus: bool },
    /// JSON string escapes: `\"`, `\\`, `\/`, `\n`, `\uXXXX` (pairs included).
    Json,
    /// `&amp;`, `&quot;`, `&#39;`, `&#x27;` and the like.
    Html,
}

impl View {
    fn identity(text: &[u8]) -> View {
        View {
            bytes: text.to_vec(),
            origin: (0..text.len()).map(|i| (i, i + 1)).collect(),
        }
    }

    /// The span of the original text behind bytes `a..b` of this view.
    fn span(&self, a: usize, b: usize) -> (usize, usize) {
        (self.origin[a].0, self.origin[b - 1].1)
    }

    fn decode(&self, how: Decoding) -> View {
        let data = &self.bytes;
        let mut out = View {
            bytes: Vec::with_capacity(data.len()),
            origin: Vec::with_capacity(data.len()),
        };
        let mut i = 0;
        while i < data.len() {
            let (decoded, used) = match how {
                Decoding::Percent { plus } => percent_at(data, i, plus),
                Decoding::Json => json_at(data, i),
                Decoding::Html => html_at(data, i),
            };
            let used = used.max(1);
            let span = self.span(i, i + used);
            match decoded {
                Some(bytes) => {
                    for b in bytes {
                        out.bytes.push(b);
                        out.origin.push(span);
                    }
                }
                None => {
                    out.bytes.push(data[i]);
                    out.origin.push(self.origin[i]);
                }
            }
            i += used;
        }
        out
    }
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// What an escape at `i` decodes to, and how many bytes it takes; (None, 1) when
/// there is none.
fn percent_at(data: &[u8], i: usize, plus: bool) -> (Option<Vec<u8>>, usize) {
    match data[i] {
        b'%' => match (
            data.get(i + 1).and_then(|&b| hex(b)),
            data.get(i + 2).and_then(|&b| hex(b)),
        ) {
            (Some(h), Some(l)) => (Some(vec![h << 4 | l]), 3),
            _ => (None, 1),
        },
        b'+' if plus => (Some(vec![b' ']), 1),
        _ => (None, 1),
    }
}

fn json_at(data: &[u8], i: usize) -> (Option<Vec<u8>>, usize) {
    if data[i] != b'\\' || i + 1 >= data.len() {
        return (None, 1);
    }
    let simple = match data[i + 1] {
        b'"' => Some(b'"'),
        b'\\' => Some(b'\\'),
        b'/' => Some(b'/'),
        b'\'' => Some(b'\''),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'b' => Some(8),
        b'f' => Some(12),
        _ => None,
    };
    if let Some(b) = simple {
        return (Some(vec![b]), 2);
    }
    let unit = |at: usize| -> Option<u32> {
        if data.get(at) != Some(&b'\\') || data.get(at + 1) != Some(&b'u') {
            return None;
        }
        let digits = data.get(at + 2..at + 6)?;
        let text = std::str::from_utf8(digits).ok()?;
        u32::from_str_radix(text, 16).ok()
    };
    let Some(first) = unit(i) else {
        return (None, 1);
    };
    let (code, used) = match (first, unit(i + 6)) {
        (0xD800..=0xDBFF, Some(low @ 0xDC00..=0xDFFF)) => {
            (0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00), 12)
        }
        _ => (first, 6),
    };
    match char::from_u32(code) {
        Some(c) => (Some(c.to_string().into_bytes()), used),
        None => (None, 1),
    }
}

fn html_at(data: &[u8], i: usize) -> (Option<Vec<u8>>, usize) {
    if data[i] != b'&' {
        return (None, 1);
    }
    let Some(len) = data[i..].iter().take(12).position(|&b| b == b';') else {
        return (None, 1);
    };
    let Ok(entity) = std::str::from_utf8(&data[i + 1..i + len]) else {
        return (None, 1);
    };
    let code = match entity {
        "amp" => Some('&' as u32),
        "lt" => Some('<' as u32),
        "gt" => Some('>' as u32),
        "quot" => Some('"' as u32),
        "apos" => Some('\'' as u32),
        "nbsp" => Some(' ' as u32),
        _ => match entity.strip_prefix('#') {
            Some(n) => match n.strip_prefix(['x', 'X']) {
                Some(h) => u32::from_str_radix(h, 16).ok(),
                None => n.parse().ok(),
            },
            None => None,
        },
    };
    match code.and_then(char::from_u32) {
        Some(c) => (Some(c.to_string().into_bytes()), len + 1),
        None => (None, 1),
    }
}

/// Byte patterns indexed by their first byte, for one pass over a view.
struct Patterns<'a> {
    by_first: Vec<Vec<&'a [u8]>>,
}

impl<'a> Patterns<'a> {
    fn new(patterns: impl Iterator<Item = &'a Vec<u8>>) -> Patterns<'a> {
        let mut by_first: Vec<Vec<&[u8]>> = vec![Vec::new(); 256];
        for p in patterns {
            if let Some(&first) = p.first() {
                by_first[first as usize].push(p);
            }
        }
        Patterns { by_first }
    }

    /// Every occurrence of every pattern, as spans of the original text.
    fn find(&self, view: &View, spans: &mut Vec<(usize, usize)>) {
        let data = &view.bytes;
        for i in 0..data.len() {
            for p in &self.by_first[data[i] as usize] {
                if data[i..].starts_with(p) {
                    spans.push(view.span(i, i + p.len()));
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

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
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
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

/// The run's secrets, shared by every thread that prints.
#[derive(Debug, Clone, Default)]
pub struct Redactor(Arc<RwLock<Secrets>>);

impl Redactor {
    /// Change the set (a poisoned lock still holds a usable set).
    pub fn update(&self, change: impl FnOnce(&mut Secrets)) {
        let mut guard = self.0.write().unwrap_or_else(|e| e.into_inner());
        change(&mut guard);
    }

    pub fn mask(&self, text: &str) -> String {
        let guard = self.0.read().unwrap_or_else(|e| e.into_inner());
        guard.mask(text)
    }

    /// One record: masked, then on one line, then cut.
    pub fn record(&self, text: &str) -> String {
        cut(&one_line(&self.mask(text)), MAX_RECORD)
    }
}

#[cfg(test)]
mod tests;
