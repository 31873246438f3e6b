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

use crate::base::text::{base64, cut, invisible, one_line};
use crate::spec::definitions::Definition;
use embedded::embedded_secrets;
use index::{Index, MIDDLE_MAX, Sides};

mod embedded;
mod index;

pub const MASK: &str = "***";

/// Values of ordinary keys shorter than this are left alone: masking every "1" or
/// "true" would make messages unreadable. Secrets are masked at any length.
const MIN_MASKED_LEN: usize = 4;
/// A cut text ending in this much of a secret's beginning is masked there.
const MIN_CUT_PREFIX: usize = 6;
/// Longest record printed, in bytes, after masking.
pub const MAX_RECORD: usize = 4096;
/// Words the tool prints itself: an ordinary value equal to one is not masked.
const VOCABULARY: [&str; 24] = [
    "created",
    "updated",
    "unchanged",
    "failed",
    "running",
    "paused",
    "stopped",
    "deleted",
    "resumed",
    "restarting",
    "unassigned",
    "destroyed",
    "would",
    "create",
    "update",
    "delete",
    "pause",
    "resume",
    "stop",
    "summary",
    "task",
    "tasks",
    "none",
    "null",
];

/// Cut markers (`...`) looked at in one text.
const MAX_CUTS: usize = 16;

/// What masking one text may cost beyond its passes, in units of about 16 bytes
/// compared: this much per byte of the text, plus BASE_WORK. Only secrets chosen
/// to share their beginnings or windows with a text that repeats them come near
/// it; past it the text is withheld whole (nothing of it is shown, so no secret
/// is), and the run keeps its deadline.
const WORK_PER_BYTE: u64 = 64;
const BASE_WORK: u64 = 1 << 16;
pub const WITHHELD_COST: &str = "(text withheld: masking it would take too long)";

thread_local! {
    /// Work left for the text being masked on this thread.
    static WORK: std::cell::Cell<u64> = const { std::cell::Cell::new(u64::MAX) };
}

/// Spend `units` of the current text's work; false once none is left.
fn charge(units: u64) -> bool {
    WORK.with(|w| {
        let left = w.get().saturating_sub(units);
        w.set(left);
        left > 0
    })
}

/// The run's secrets and the names that must stay readable, with the index that
/// finds them, rebuilt whenever they change.
#[derive(Debug, Default)]
pub struct Secrets {
    /// Everything looked for, indexed as it is added.
    index: Index,
    /// Public names (connector and key names): a secret found strictly inside one
    /// of them is the name, not an echo.
    public: BTreeSet<String>,
    /// Keys whose values are secrets: Connect's `Invalid value V for
    /// configuration K` hides V for them, however Connect changed it.
    secret_keys: BTreeSet<String>,
}

impl Secrets {
    /// A config value; `secret` for values of secret-named or PASSWORD-typed keys
    /// and resolved references, which are masked however short, and whose pieces
    /// (a beginning or an end of 6 bytes or more) are masked too.
    pub fn add_value(&mut self, value: &str, secret: bool) {
        // A password inside a value: a JDBC URL's `password=...`, a JAAS line's
        // `password="..."`.
        let embedded = embedded_secrets(value);
        for inner in &embedded {
            self.add_value(inner, true);
        }
        // Such a value (a JAAS line) is masked wherever it appears whole, in any
        // form, but its pieces are not looked for: its beginning, the login
        // module's class, would mask every class of `org.apache.kafka.co...`.
        let pieces = embedded.is_empty();
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
        for base in bases {
            // An ordinary value that is one of the words this tool prints (a topic
            // called `stopped`) would hide them in every line: it stays readable.
            if !secret && VOCABULARY.iter().any(|w| w.eq_ignore_ascii_case(base)) {
                continue;
            }
            // A secret's base64 and hex are looked for too (an Authorization header,
            // a dump); the credentials inside other values are taken out of them as
            // secrets (`password=...` in a URL, below).
            // Its URL-encoded and JSON-escaped forms as text too: decoding a text can
            // be thrown off by what stands before the form (a '%' before `0a...`).
            escaped_forms(base, |form| {
                self.index.insert(form.as_bytes(), secret, false, pieces);
            });
            if secret {
                self.add_encoded(base, pieces);
            } else if base.len() >= 8 {
                // A value as long as a credential may be one (a URL with its
                // password): its plain base64 is looked for too.
                self.index
                    .insert(base64(base.as_bytes()).as_bytes(), false, false, pieces);
            }
            self.index.insert(base.as_bytes(), secret, false, pieces);
            if secret && pieces && base.len() <= MIDDLE_MAX {
                self.index.insert_middle(base.as_bytes(), Sides::default());
            }
            // Echoed in another case (`toUpperCase()`): found folded, in the folded
            // view of a text.
            if secret && !base.is_ascii() {
                let folded = fold_case(base);
                if folded != base {
                    self.index.insert(folded.as_bytes(), true, false, pieces);
                }
            }
        }
    }

    /// One of the tool's own credentials: a password, a token, a header value.
    pub fn add_credential(&mut self, value: &str) {
        self.add_value(value, true);
    }

    /// The credentials inside an ordinary value (`password=` in a URL or a JAAS
    /// line, `user:password@`), which itself stays readable.
    pub fn add_embedded(&mut self, value: &str) {
        for inner in embedded_secrets(value) {
            self.add_value(&inner, true);
        }
    }

    /// A key whose value is a secret.
    pub fn add_secret_key(&mut self, key: &str) {
        self.secret_keys.insert(key.to_string());
    }

    /// A name that stays readable where it appears whole.
    pub fn add_public(&mut self, name: &str) {
        if !name.is_empty() && self.public.insert(name.to_string()) {
            self.index.add_public(name.as_bytes());
        }
    }

    /// A secret's base64 (padded and not; the index finds the URL-safe alphabet
    /// as the standard one) and hex. Inside a
    /// longer base64 text (`Basic base64(user:password)`) the secret starts 0, 1 or
    /// 2 bytes after a 3-byte boundary, and each alignment encodes it differently:
    /// for each, the characters that hold the secret's bits alone are looked for,
    /// and, as the text may end with the secret, those up to the end and padding.
    fn add_encoded(&mut self, value: &str, pieces: bool) {
        let bytes = value.as_bytes();
        // Each form is indexed as it is made (the index keeps one of each): a
        // 1 MiB reference's eighteen base64 forms together would take 25 MB.
        let add = |index: &mut Index, form: &str| {
            if form.len() >= 2 {
                index.insert(form.as_bytes(), true, false, pieces);
            }
        };
        // Each form windowed, and what belongs around its pieces.
        let mut middles: Vec<(String, Sides)> = Vec::new();
        for align in 0..3usize {
            let mut shifted = vec![0u8; align];
            shifted.extend_from_slice(bytes);
            let padded = base64(&shifted);
            // Characters that hold a bit of the prefix, and where the secret's own
            // characters end.
            let start = (8 * align).div_ceil(6);
            let end = 8 * (align + bytes.len()) / 6;
            let inner = padded.get(start..end).unwrap_or("");
            let tail = padded.get(start..).unwrap_or("");
            // A short secret's inner characters (at another alignment, or cut
            // from its end) are a fragment found in ordinary words (`cH` of
            // `pw` in "character"): left alone below the minimum. Its whole
            // base64 is looked for as before.
            let whole = if align == 0 { 2 } else { MIN_MASKED_LEN };
            // Windows for a secret up to MIDDLE_MAX, in each of its forms.
            let head = align != 0;
            let holds_last_bits = tail.trim_end_matches('=').len() > inner.len();
            if pieces && bytes.len() <= MIDDLE_MAX {
                let sides = Sides {
                    base64: true,
                    phase: (start % 4) as u8,
                };
                middles.push((inner.to_string(), sides));
            }
            // The characters before and after the inner ones (and the padding)
            // are found with them: one pattern for the alignment.
            if inner.len() >= MIN_MASKED_LEN {
                self.index
                    .insert_base64(inner.as_bytes(), pieces, head, holds_last_bits);
                continue;
            }
            for (form, min) in [
                (inner, MIN_MASKED_LEN),
                (tail, whole),
                (tail.trim_end_matches('='), whole),
            ] {
                if form.len() >= min {
                    add(&mut self.index, form);
                }
            }
        }
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let hex: Vec<u8> = bytes
            .iter()
            .flat_map(|&b| [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]])
            .collect();
        add(
            &mut self.index,
            std::str::from_utf8(&hex).unwrap_or_default(),
        );
        // A piece of its middle in hex (a dump of bytes) is found as in base64.
        if pieces && bytes.len() <= MIDDLE_MAX {
            middles.push((String::from_utf8(hex).unwrap_or_default(), Sides::default()));
        }
        for (form, base64) in middles {
            self.index.insert_middle(form.as_bytes(), base64);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// `text` with every secret hidden, in whatever form it appears.
    pub fn mask(&self, text: &str) -> String {
        if self.is_empty() || text.is_empty() {
            return text.to_string();
        }
        let text = self.mask_known_echoes(text);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut names: Vec<(usize, usize)> = Vec::new();
        let mut around: Vec<index::Around> = Vec::new();
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        let budget = WORK_PER_BYTE
            .saturating_mul(text.len() as u64)
            .saturating_add(BASE_WORK);
        WORK.with(|w| w.set(budget));
        View::each(text.as_bytes(), |view| {
            self.index
                .find(view, &mut spans, &mut names, &mut pieces, &mut around)
        });
        if !charge(0) {
            return WITHHELD_COST.into();
        }
        // A value found inside a public name where it appears whole is the name
        // (`unwrap` in `transforms.unwrap.type`; `clicks`, the beginning of the
        // secret `clicks-pw-1`, where the connector `clicks` is named), not an
        // echo: names are never masked.
        // Names sorted by start, with the furthest end of any name starting there
        // or before: a span is inside a name when that end reaches past it (a
        // plan names thousands of keys beside as many spans: no pair is compared).
        names.sort_unstable();
        let mut reach = Vec::with_capacity(names.len());
        for &(_, end) in &names {
            reach.push(reach.last().map_or(end, |&r: &usize| r.max(end)));
        }
        let inside_a_name = |a: usize, b: usize| {
            let before = names.partition_point(|&(na, _)| na <= a);
            before > 0 && reach[before - 1] >= b
        };
        // A piece of a value (its beginning, end or middle, not the whole) that
        // overlaps a name counts only for what it holds beyond the names: at
        // least MIN_CUT_PREFIX bytes (`clicks-`, the secret `clicks-pw-2024`'s
        // first 7 bytes, is the connector `clicks` in its task id `clicks-0`).
        pieces.sort_unstable();
        let longest = names.iter().map(|&(a, b)| b - a).max().unwrap_or(0);
        let beyond_names = |a: usize, b: usize| {
            let last = names.partition_point(|&(na, _)| na < b);
            let first = names.partition_point(|&(na, _)| na + longest <= a);
            let mut covered = 0;
            let mut at = a;
            for &(na, nb) in &names[first..last] {
                let (na, nb) = (na.max(at), nb.min(b));
                if na < nb {
                    covered += nb - na;
                    at = nb;
                }
            }
            (b - a).saturating_sub(covered)
        };
        let piece_counts =
            |a: usize, b: usize| !inside_a_name(a, b) && beyond_names(a, b) >= MIN_CUT_PREFIX;
        let mut spans: Vec<(usize, usize)> = spans
            .into_iter()
            .filter(|&(a, b)| !inside_a_name(a, b))
            .chain(pieces.iter().copied().filter(|&(a, b)| piece_counts(a, b)))
            .collect();
        // What belongs around a match (the base64 characters that hold a
        // secret's first or last bits) goes with it, unless the match is inside a
        // name or is a piece that does not count; and a character of a name stays.
        for ((a, b), (start, end)) in around {
            if inside_a_name(a, b) || (pieces.binary_search(&(a, b)).is_ok() && !piece_counts(a, b))
            {
                continue;
            }
            for (x, y) in [(start, a), (b, end)] {
                if x < y && !inside_a_name(x, y) {
                    spans.push((x, y));
                }
            }
        }
        apply_spans(&text, spans)
    }

    /// `Connector config {name=a, password=x} contains no connector type` (Java's
    /// `Map.toString()` of a whole config): only the key names we know stay, every
    /// value is hidden whatever its length. `Invalid value V for configuration K`:
    /// V is hidden when K is a secret key.
    fn mask_known_echoes(&self, text: &str) -> String {
        let out = mask_between(
            text,
            "Connector config {",
            "} contains no connector type",
            |inner, _| {
                let mut shown: Vec<String> = Vec::new();
                for pair in inner.split(", ") {
                    match pair.split_once('=') {
                        Some((k, _)) if self.public.contains(k) => {
                            shown.push(format!("{k}={MASK}"))
                        }
                        _ if shown.last().is_some_and(|l| l == MASK) => {}
                        _ => shown.push(MASK.into()),
                    }
                }
                shown.join(", ")
            },
        );
        // The value of a secret key, however Connect changed it; others are shown.
        mask_between(
            &out,
            "Invalid value ",
            " for configuration ",
            |value, after| {
                let key = after
                    .split(|c: char| c == ':' || c.is_whitespace())
                    .next()
                    .unwrap_or("");
                if self.secret_keys.contains(key) {
                    MASK.into()
                } else {
                    value.into()
                }
            },
        )
    }
}

/// A value URL-encoded (upper and lower hex, `+` or `%20` for blanks) and
/// JSON-escaped (once, twice, with non-ASCII as `\uXXXX`), where that differs from
/// the value.
///
/// Each form is handed to `each` as it is made, never all at once: a 1 MiB
/// reference's forms together would take tens of MB.
fn escaped_forms(value: &str, mut each: impl FnMut(String)) {
    if value
        .bytes()
        .any(|b| !(b.is_ascii_alphanumeric() || b"-._~".contains(&b)))
    {
        for (upper, plus) in [(true, false), (false, false), (true, true)] {
            let mut out = String::with_capacity(value.len() * 3);
            for b in value.bytes() {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    out.push(b as char);
                } else if plus && b == b' ' {
                    out.push('+');
                } else if upper {
                    out.push_str(&format!("%{b:02X}"));
                } else {
                    out.push_str(&format!("%{b:02x}"));
                }
            }
            each(out);
        }
    }
    let escape = |text: &str| {
        let quoted = serde_json::to_string(text).unwrap_or_default();
        quoted[1..quoted.len() - 1].to_string()
    };
    let once = escape(value);
    if once != value {
        each(escape(&once));
    }
    // Encoders that escape every non-ASCII character (`\u00e9`, either case).
    if !value.is_ascii() {
        for upper in [false, true] {
            let mut ascii = String::new();
            for c in once.chars() {
                if c.is_ascii() {
                    ascii.push(c);
                } else {
                    for unit in c.encode_utf16(&mut [0u16; 2]) {
                        if upper {
                            ascii.push_str(&format!("\\u{unit:04X}"));
                        } else {
                            ascii.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
            }
            each(ascii);
        }
    }
    if once != value {
        each(once);
    }
}

/// Where a text may have been cut: its end, before `...` or `…`, and before an
/// escape cut in half there (`%4`, `\u00`, `&am`).
fn cut_points(data: &[u8]) -> Vec<usize> {
    let mut ends = vec![data.len()];
    for marker in [&b"..."[..], "\u{2026}".as_bytes()] {
        let mut from = 0;
        while let Some(i) = find(&data[from..], marker) {
            ends.push(from + i);
            from += i + marker.len();
            if ends.len() > MAX_CUTS {
                break;
            }
        }
    }
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
    ends
}

/// Replace whatever stands between each `before` and the next `after`.
fn mask_between(
    message: &str,
    before: &str,
    after: &str,
    replace: impl Fn(&str, &str) -> String,
) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(before) {
        let value_start = i + before.len();
        let Some(len) = rest[value_start..].find(after) else {
            break;
        };
        out.push_str(&rest[..value_start]);
        let after_at = value_start + len + after.len();
        out.push_str(&replace(
            &rest[value_start..value_start + len],
            &rest[after_at..],
        ));
        rest = &rest[value_start + len..];
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
    /// (start, end) in the original text of each byte; None for the text itself.
    origin: Option<Vec<(u32, u32)>>,
}

#[derive(Debug, Clone, Copy)]
enum Decoding {
    /// `%XX` in either case; with `plus`, `+` is a blank as in form encoding.
    Percent { plus: bool },
    /// JSON string escapes: `\"`, `\\`, `\/`, `\n`, `\uXXXX` (pairs included).
    Json,
    /// `&amp;`, `&quot;`, `&#39;`, `&#x27;` and the like.
    Html,
    /// Characters that show nothing (a soft hyphen, a zero-width joiner) left out.
    Visible,
    /// Non-ASCII letters in lower case, `ß` as `ss` (ASCII letters match in any case
    /// already): a secret echoed by `toUpperCase()` or `toLowerCase()`.
    Lower,
}

impl View {
    /// The text as it is and as each decoding (and the compositions that software
    /// stacks: JSON inside HTML, a URL inside JSON, JSON inside JSON) makes of it.
    /// A decoding that changes nothing adds no view.
    /// Each view in turn (one at a time: a record's views are not all kept).
    fn each(text: &[u8], mut scan: impl FnMut(&View)) {
        use Decoding::*;
        const CHAINS: [&[Decoding]; 17] = [
            &[Percent { plus: true }],
            &[Percent { plus: false }],
            &[Percent { plus: false }, Percent { plus: false }],
            &[Json],
            &[Json, Json],
            &[Json, Json, Json],
            &[Json, Percent { plus: true }],
            &[Percent { plus: false }, Json],
            &[Html],
            &[Html, Json],
            &[Json, Html],
            &[Html, Percent { plus: false }],
            &[Percent { plus: false }, Html],
            &[Visible],
            &[Lower],
            &[Json, Lower],
            &[Percent { plus: false }, Lower],
        ];
        let identity = View {
            bytes: text.to_vec(),
            origin: None,
        };
        for chain in CHAINS {
            let mut view: Option<View> = None;
            for &how in chain {
                match view.as_ref().unwrap_or(&identity).decode(how) {
                    Some(next) => view = Some(next),
                    None => {
                        view = None;
                        break;
                    }
                }
            }
            if let Some(view) = view {
                scan(&view);
            }
        }
        scan(&identity);
    }

    /// The span of the original text behind bytes `a..b` of this view.
    fn span(&self, a: usize, b: usize) -> (usize, usize) {
        match &self.origin {
            None => (a, b),
            Some(origin) => (origin[a].0 as usize, origin[b - 1].1 as usize),
        }
    }

    /// This view decoded; None when there was nothing to decode (found at no cost
    /// when the bytes that start an escape are absent).
    fn decode(&self, how: Decoding) -> Option<View> {
        let data = &self.bytes;
        let starts = |b: &u8| match how {
            Decoding::Percent { plus } => *b == b'%' || (plus && *b == b'+'),
            Decoding::Json => *b == b'\\',
            Decoding::Html => *b == b'&',
            Decoding::Visible | Decoding::Lower => *b >= 0x80,
        };
        if !data.iter().any(starts) {
            return None;
        }
        let mut out = View {
            bytes: Vec::with_capacity(data.len()),
            origin: None,
        };
        let mut origin: Vec<(u32, u32)> = Vec::with_capacity(data.len());
        let mut i = 0;
        let mut changed = false;
        while i < data.len() {
            let (decoded, used) = match how {
                Decoding::Percent { plus } => percent_at(data, i, plus),
                Decoding::Json => json_at(data, i),
                Decoding::Html => html_at(data, i),
                Decoding::Visible => invisible_at(data, i),
                Decoding::Lower => lower_at(data, i),
            };
            let used = used.max(1);
            let (a, b) = self.span(i, i + used);
            let span = (a as u32, b as u32);
            match decoded {
                Some(bytes) => {
                    changed = true;
                    for byte in bytes {
                        out.bytes.push(byte);
                        origin.push(span);
                    }
                }
                None => {
                    let (a, b) = self.span(i, i + 1);
                    out.bytes.push(data[i]);
                    origin.push((a as u32, b as u32));
                }
            }
            i += used;
        }
        out.origin = Some(origin);
        changed.then_some(out)
    }
}

fn invisible_at(data: &[u8], i: usize) -> (Option<Vec<u8>>, usize) {
    // Only at the start of a character; the text is UTF-8.
    let len = match data[i] {
        b if b < 0x80 => return (None, 1),
        b if b >= 0xf0 => 4,
        b if b >= 0xe0 => 3,
        b if b >= 0xc0 => 2,
        _ => return (None, 1),
    };
    let c = data
        .get(i..i + len)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.chars().next());
    match c {
        Some(c) if invisible(c) => (Some(Vec::new()), len),
        _ => (None, 1),
    }
}

/// A character in the case a secret is also indexed in (`fold_case`).
fn fold_char(c: char, out: &mut String) {
    match c {
        'ß' | 'ẞ' => out.push_str("ss"),
        'ς' => out.push('σ'),
        c => out.extend(c.to_lowercase()),
    }
}

/// A text's non-ASCII letters folded (lower case, `ß` as `ss`); ASCII letters are
/// compared in any case anyway.
fn fold_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            fold_char(c, &mut out);
        }
    }
    out
}

fn lower_at(data: &[u8], i: usize) -> (Option<Vec<u8>>, usize) {
    let len = match data[i] {
        b if b < 0xc0 => return (None, 1),
        b if b >= 0xf0 => 4,
        b if b >= 0xe0 => 3,
        _ => 2,
    };
    let Some(c) = data
        .get(i..i + len)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.chars().next())
    else {
        return (None, 1);
    };
    let mut folded = String::new();
    fold_char(c, &mut folded);
    if folded.len() == len && folded.chars().eq(std::iter::once(c)) {
        return (None, 1);
    }
    (Some(folded.into_bytes()), len)
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
        // java.util.Properties escapes these when it stores a value.
        b':' => Some(b':'),
        b'=' => Some(b'='),
        b'#' => Some(b'#'),
        b'!' => Some(b'!'),
        b' ' => Some(b' '),
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

/// `&#72&#117`: browsers read numeric references without the `;` too.
fn html_numeric_unterminated(data: &[u8], i: usize) -> (Option<Vec<u8>>, usize) {
    if data.get(i + 1) != Some(&b'#') {
        return (None, 1);
    }
    let hexadecimal = matches!(data.get(i + 2), Some(b'x' | b'X'));
    let start = i + 2 + usize::from(hexadecimal);
    let digits = data[start..]
        .iter()
        .take(8)
        .take_while(|b| {
            if hexadecimal {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    if digits == 0 {
        return (None, 1);
    }
    let text = std::str::from_utf8(&data[start..start + digits]).unwrap_or("");
    let code = u32::from_str_radix(text, if hexadecimal { 16 } else { 10 }).ok();
    match code.and_then(char::from_u32) {
        Some(c) => (Some(c.to_string().into_bytes()), start + digits - i),
        None => (None, 1),
    }
}

fn html_at(data: &[u8], i: usize) -> (Option<Vec<u8>>, usize) {
    if data[i] != b'&' {
        return (None, 1);
    }
    let Some(len) = data[i..].iter().take(12).position(|&b| b == b';') else {
        return html_numeric_unterminated(data, i);
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The connector's secrets are secrets of the run, its names public.
impl Definition {
    /// Make the values of this connector's secret keys (and the credentials inside
    /// any value) secrets of the run, and its names public. Every other value is
    /// shown where it appears.
    pub fn register(&self, secrets: &mut Secrets) {
        secrets.add_public(&self.name);
        for (key, value) in &self.config {
            secrets.add_public(key);
            self.register_value(secrets, key, value);
        }
    }

    /// The values the worker holds for this connector (`GET .../config`): those of
    /// secret keys are secrets too (a password being rotated), as are credentials
    /// inside the others. A key the worker masks is secret whatever its name: the
    /// value this connector wants there is one (the mask itself is not).
    pub fn register_stored(
        &self,
        secrets: &mut Secrets,
        stored: &serde_json::Map<String, serde_json::Value>,
    ) {
        for (key, value) in stored {
            if let Some(value) = value.as_str() {
                secrets.add_public(key);
                if crate::spec::masks::is_mask(value) {
                    if let Some(wanted) = self.config.get(key).filter(|_| key != "name") {
                        secrets.add_secret_key(key);
                        secrets.add_value(wanted, true);
                    }
                    continue;
                }
                self.register_value(secrets, key, value);
            }
        }
    }

    fn register_value(&self, secrets: &mut Secrets, key: &str, value: &str) {
        if key == "name" {
            return;
        }
        // Secret by this definition's rules, or by what the run learnt of a plugin
        // (`--validate`'s types, the stored class's).
        if self.is_secret(key) || secrets.secret_keys.contains(key) {
            secrets.add_secret_key(key);
            secrets.add_value(value, true);
        } else {
            secrets.add_embedded(value);
        }
    }
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

    /// Whether the run holds `key` for a secret key (a plugin's PASSWORD key that
    /// `--validate` or a stored class's description named).
    pub fn is_secret_key(&self, key: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .secret_keys
            .contains(key)
    }

    pub fn mask(&self, text: &str) -> String {
        // A writer holds the lock for a moment. One that never lets go (the thread
        // that holds it panicked, and the panic hook prints) must not hang the
        // process: after a while the text is withheld instead.
        for _ in 0..200 {
            match self.0.try_read() {
                Ok(guard) => return guard.mask(text),
                Err(std::sync::TryLockError::Poisoned(e)) => return e.into_inner().mask(text),
                Err(std::sync::TryLockError::WouldBlock) => {
                    std::thread::sleep(std::time::Duration::from_millis(1))
                }
            }
        }
        "(text withheld: the list of secrets could not be read)".into()
    }

    /// One record: masked, then on one line, then cut.
    pub fn record(&self, text: &str) -> String {
        cut(&one_line(&self.mask(text)), MAX_RECORD)
    }
}

#[cfg(test)]
mod tests;
