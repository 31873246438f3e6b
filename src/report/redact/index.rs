//! The index of everything the redactor looks for: patterns found by hashes of
//! their beginnings, pieces of secrets by their ends and by windows of their middles.

use std::collections::{BTreeSet, HashMap};

use super::{MIN_CUT_PREFIX, MIN_MASKED_LEN, View, charge, cut_points};

/// Every pattern once, found by hashes: patterns are grouped by the power of two
/// at most their length (a *width*) and keyed by the hash of their first `width`
/// bytes; one pass over the text per width (a dozen at most) finds where such a
/// beginning stands, and only there is each length with that beginning checked,
/// in constant time from the text's prefix hashes. The cost grows with the text,
/// not with the number of values nor of their lengths (1,000 passwords of 100
/// lengths and their encodings once made a pass per length: seconds for a plan).
/// Secrets match in any ASCII case and are also found by their
/// first and last six bytes (what is left when the echoing side cut them); other
/// values match as written, and their beginnings only where the text was cut.
///
/// Its size grows with the run's secrets (1,000 connectors with a password and a
/// JAAS line each: 33,000 patterns), so it holds no allocation per pattern: the
/// patterns' bytes lie one after another in `bytes`, every list is a chain through
/// a flat Vec (u32::MAX ends one), and a secret whose pieces are not looked for
/// (a JAAS line, whose password is a secret of its own) is kept as its length and
/// hash alone: it is found where the text's hash of that length agrees, a chance
/// agreement of another text only masking more.
#[derive(Debug, Default)]
pub(super) struct Index {
    /// Every pattern's bytes (and the middles'), one after another.
    bytes: Vec<u8>,
    /// The strong hash (`strong`) of each pattern kept as its hash alone.
    hashes: Vec<u64>,
    /// This run's random keys of the strong hash.
    keys: std::hash::RandomState,
    patterns: Vec<Pattern>,
    /// How many patterns are values, not names: checked before every record.
    values: usize,
    /// Key (length, hash of the folded bytes) -> the first pattern; `next` chains
    /// the others with that key.
    by_hash: Fast<u32, u32>,
    next: Vec<u32>,
    /// Key (width, hash of the first `width` folded bytes) -> the first of the
    /// distinct lengths of the patterns that begin so, `width` the power of two at
    /// most their length; `lens` holds (length, next in the chain).
    by_prefix: Fast<u32, u32>,
    lens: Vec<(u32, u32)>,
    /// The widths present, for the passes.
    widths: BTreeSet<u32>,
    /// BASE to the power of each length up to the longest pattern's.
    powers: Vec<u64>,
    /// First and last ANCHOR bytes (folded) -> patterns longer than ANCHOR.
    by_first: Fast<[u8; ANCHOR], Vec<u32>>,
    by_last: Fast<[u8; ANCHOR], Vec<u32>>,
    /// Values longer than LONG are kept as their first and last LONG bytes, with
    /// the length and hash of the whole: per head or tail, the values it ends.
    reach: HashMap<u32, Vec<Reach>>,
    /// Secrets of MIDDLE_MIN to MIDDLE_MAX bytes, whole, in each form (where in
    /// `bytes`, how long): a piece from their middle (the middle line of a wrapped
    /// token, a window of a long one) is found by the WINDOW bytes at every
    /// STRIDE-th offset.
    middles: Vec<(u32, u32, Sides)>,
    /// Folded window -> the first of its (middle, offset, next) in `windows`, one
    /// per middle and window.
    by_window: Fast<u32, u32>,
    windows: Vec<(u32, u32, u32)>,
}

/// One pattern: where its bytes lie in `Index::bytes` (or, kept as its hash alone,
/// where that hash lies in `Index::hashes`), its length, what it is.
#[derive(Debug, Clone, Copy)]
struct Pattern {
    at: u32,
    len: u32,
    flags: u8,
}

/// A secret: any case, pieces too.
const SECRET: u8 = 1;
/// A public name: it protects what lies inside it where it appears whole; a
/// secret equal to a name is the name.
const PUBLIC: u8 = 2;
/// A value looked for (a pattern may be a name and a value).
const VALUE: u8 = 4;
/// Kept as its length and hash alone, its bytes not held.
const HASHED: u8 = 8;

/// A secret's base64 characters that do not end on a character boundary: the
/// character after them holds its last bits, and belongs to it (with the padding
/// that may follow).
const TAIL: u8 = 16;
/// A secret's base64 characters that do not start on a character boundary: the
/// character before them holds its first bits, and belongs to it.
const HEAD: u8 = 32;

/// Spans of a text (its own offsets): a match, and the match with what belongs
/// to it around it (`Index::around`).
pub(super) type Around = ((usize, usize), (usize, usize));

/// Where a pass puts what it finds: spans of values, spans of names, and what
/// belongs around matches.
type Found<'a> = (
    &'a mut Vec<(usize, usize)>,
    &'a mut Vec<(usize, usize)>,
    &'a mut Vec<Around>,
);

/// Secrets at least this long whose pieces are not looked for are kept as hashes.
const HASHED_MIN: usize = 16;

/// Which characters around a middle's pieces belong to them: for a base64 form
/// (`phase`: where in a 4-character group its first character stands), a piece
/// that begins or ends inside a group shares a byte with the character beside
/// it, which then holds bits of the piece's first or last byte.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Sides {
    pub base64: bool,
    pub phase: u8,
}

/// The end of a chain.
const END: u32 = u32::MAX;

/// The key of a length (or width) and a hash in the maps: a pattern found by its
/// key is then compared (its bytes, or its whole hash and length), so 32 bits
/// keep the maps small without finding anything that is not there.
fn key(len: usize, hash: u64) -> u32 {
    let k = hash ^ (len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (k ^ (k >> 32)) as u32
}

/// The items of a chain through `next` from `first`.
fn chain(first: u32, next: impl Fn(u32) -> u32) -> impl Iterator<Item = u32> {
    std::iter::successors(Some(first).filter(|&p| p != END), move |&p| {
        Some(next(p)).filter(|&n| n != END)
    })
}

/// A map keyed by hashes and short byte strings, hashed cheaply: it is looked up
/// at every byte of every view of every record.
type Fast<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<QuickHasher>>;

/// FxHash's step with a final mix (the keys' low bits alone are poorly spread).
#[derive(Debug, Default, Clone, Copy)]
struct QuickHasher(u64);

impl QuickHasher {
    fn add(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for QuickHasher {
    fn finish(&self) -> u64 {
        let x = self.0;
        let x = (x ^ (x >> 31)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^ (x >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// The power of two at most `len` (len > 0).
fn width(len: usize) -> usize {
    1 << (usize::BITS - 1 - len.leading_zeros())
}

/// A piece of a secret's middle of WINDOW + STRIDE - 1 bytes or more holds a whole
/// indexed window, and is found.
const WINDOW: usize = 16;
const STRIDE: usize = 8;
const MIDDLE_MIN: usize = 24;
/// How many places of one window of a secret are entered.
const SAME: usize = 64;
/// Longer secrets (a keystore) are found by their ends alone: every form of a 1 MiB
/// secret indexed by windows would cost tens of MB.
pub(super) const MIDDLE_MAX: usize = 16 * 1024;

/// Where the rest of a long value lies from one of its ends found in a text.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reach {
    /// The end found is the value's head (the rest follows) or its tail.
    head: bool,
    /// The whole value's length and hash (of its folded bytes).
    len: usize,
    hash: u64,
}

impl Reach {
    /// The span of `data` to mask for this end found at `at..at + LONG`, and
    /// whether it is the whole value (its hash agrees). Otherwise the value may
    /// have been cut anywhere after its head (or before its tail), and what was
    /// kept of it is not known: everything it could cover is masked, to the end
    /// (or from the start) of the text at most.
    fn span(
        &self,
        data: &[u8],
        at: usize,
        strong: impl Fn(&[u8]) -> u64,
    ) -> ((usize, usize), bool) {
        if self.head {
            let end = (at + self.len).min(data.len());
            let whole = end == at + self.len && strong(&data[at..end]) == self.hash;
            ((at, end), whole)
        } else {
            let start = at.saturating_sub(self.len - LONG);
            let whole =
                start + self.len == at + LONG && strong(&data[start..at + LONG]) == self.hash;
            ((start, at + LONG), whole)
        }
    }
}

/// Longer values are indexed by their ends: a 1 MiB reference in its dozen forms
/// would otherwise cost tens of MB.
pub(super) const LONG: usize = 4096;

/// How many bytes find a piece of a value: its first or last ones.
const ANCHOR: usize = MIN_CUT_PREFIX;
const BASE: u64 = 0x100000001b3;

/// A byte as secrets compare it: ASCII letters in lower case, and the URL-safe
/// base64 alphabet's `-` and `_` as the standard one's `+` and `/`, so that a
/// secret's base64 is found in either alphabet without forms of its own (a
/// secret's own `-` then also matches a `+`: only more is masked).
fn fold(b: u8) -> u8 {
    match b {
        b'-' => b'+',
        b'_' => b'/',
        b => b.to_ascii_lowercase(),
    }
}

/// Whether two byte strings are the same as secrets compare them.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| fold(x) == fold(y))
}

fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |h, &b| {
        h.wrapping_mul(BASE).wrapping_add(u64::from(fold(b)))
    })
}

/// The key of the WINDOW bytes at the start of `bytes` (folded).
fn window(bytes: &[u8]) -> u32 {
    key(WINDOW, hash(&bytes[..WINDOW]))
}

fn anchor(bytes: &[u8]) -> [u8; ANCHOR] {
    let mut key = [0u8; ANCHOR];
    for (slot, &b) in key.iter_mut().zip(bytes) {
        *slot = fold(b);
    }
    key
}

impl Index {
    /// Bytes of text the index holds: its patterns' and its middles'.
    #[cfg(test)]
    pub(super) fn held_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// How many patterns the index holds.
    #[cfg(test)]
    pub(super) fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// The bytes the index holds.
    #[cfg(test)]
    pub(super) fn held(&self) -> &[u8] {
        &self.bytes
    }

    /// Patterns, middles and windows held.
    #[cfg(test)]
    pub(super) fn entries(&self) -> usize {
        self.patterns.len() + self.middles.len() + self.windows.len()
    }

    /// No value to look for (public names alone hide nothing).
    pub(super) fn is_empty(&self) -> bool {
        self.values == 0
    }

    fn flags(&self, p: u32) -> u8 {
        self.patterns[p as usize].flags
    }

    fn has(&self, p: u32, flag: u8) -> bool {
        self.flags(p) & flag != 0
    }

    /// The bytes of pattern `p` (none for a pattern kept as its hash).
    fn bytes_of(&self, p: u32) -> &[u8] {
        let Pattern { at, len, flags } = self.patterns[p as usize];
        if flags & HASHED != 0 {
            return &[];
        }
        &self.bytes[at as usize..(at + len) as usize]
    }

    /// The bytes of middle `m`.
    fn middle(&self, m: u32) -> &[u8] {
        let (at, len, _) = self.middles[m as usize];
        &self.bytes[at as usize..(at + len) as usize]
    }

    /// These bytes, added to `bytes`: where they start.
    fn hold(&mut self, bytes: &[u8]) -> u32 {
        let at = self.bytes.len() as u32;
        self.bytes.extend_from_slice(bytes);
        at
    }

    /// A hash of the folded bytes with this run's random keys (SipHash): what a
    /// pattern kept as its hash, or a long value's whole, is compared by. The
    /// hash that finds candidates is polynomial, and texts that agree with a
    /// secret's under it can be made at will (a connector name that would be
    /// masked); under this one they cannot.
    fn strong(&self, bytes: &[u8]) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = self.keys.build_hasher();
        let mut folded = [0u8; 64];
        for chunk in bytes.chunks(folded.len()) {
            for (f, &b) in folded.iter_mut().zip(chunk) {
                *f = fold(b);
            }
            h.write(&folded[..chunk.len()]);
        }
        h.finish()
    }

    /// The pattern these bytes would be: one with exactly these bytes, or, for a
    /// secret kept as its hash, one kept so with the same length and hash.
    fn find_same(&self, bytes: &[u8], hashed: bool) -> Option<u32> {
        let h = hash(bytes);
        let first = *self.by_hash.get(&key(bytes.len(), h))?;
        self.chain(first).find(|&p| {
            if hashed {
                self.has(p, HASHED) && self.is(p, bytes)
            } else {
                !self.has(p, HASHED) && self.bytes_of(p) == bytes
            }
        })
    }

    /// The patterns of one hash key, from its first.
    fn chain(&self, first: u32) -> impl Iterator<Item = u32> + '_ {
        chain(first, |p| self.next[p as usize])
    }

    /// Add a public name.
    pub(super) fn add_public(&mut self, bytes: &[u8]) {
        self.insert(bytes, false, true, false);
    }

    /// With `pieces`, a value's first and last bytes find it too (where the text
    /// was cut, or anywhere for a secret).
    pub(super) fn insert(&mut self, bytes: &[u8], secret: bool, public: bool, pieces: bool) {
        if bytes.len() <= LONG || public {
            self.insert_one(bytes, secret, public, pieces);
            return;
        }
        self.insert_long(bytes, secret, pieces);
    }

    /// A value longer than LONG, by its ends: the patterns of its head and tail.
    fn insert_long(&mut self, bytes: &[u8], secret: bool, pieces: bool) -> [Option<u32>; 2] {
        let mut ends = [None; 2];
        let (len, whole) = (bytes.len(), self.strong(bytes));
        for (slot, (end, head)) in [(&bytes[..LONG], true), (&bytes[len - LONG..], false)]
            .into_iter()
            .enumerate()
        {
            ends[slot] = self.insert_one(end, secret, false, pieces);
            if let Some(p) = ends[slot] {
                let reach = Reach {
                    head,
                    len,
                    hash: whole,
                };
                let reaches = self.reach.entry(p).or_default();
                if !reaches.contains(&reach) {
                    reaches.push(reach);
                }
            }
        }
        ends
    }

    /// A secret's base64 characters at one alignment (those that hold its bits
    /// alone); with `head` and `tail`, the characters before and after them hold
    /// its first and last bits.
    pub(super) fn insert_base64(&mut self, bytes: &[u8], pieces: bool, head: bool, tail: bool) {
        // A long one by its ends: the head holds its first bits, the tail its
        // last.
        let (ends, flags) = if bytes.len() > LONG {
            (self.insert_long(bytes, true, pieces), [HEAD, TAIL])
        } else {
            let p = self.insert_one(bytes, true, false, pieces);
            (p.map_or([None; 2], |p| [Some(p), Some(p)]), [HEAD, TAIL])
        };
        for ((end, flag), wanted) in ends.into_iter().zip(flags).zip([head, tail]) {
            if let (Some(p), true) = (end, wanted) {
                self.patterns[p as usize].flags |= flag;
            }
        }
    }

    /// A match at `a..b` of the view, with what belongs to it around it: for a
    /// base64 form, the base64 character before (`head`) that holds its first
    /// bits and the one after (`tail`) that holds its last bits, with the
    /// padding, across a line break (base64 wrapped at 64 or 76 characters).
    /// Kept apart from the match, for a match inside a name is the name and takes
    /// nothing around it.
    fn around(
        view: &View,
        (a, b): (usize, usize),
        (head, tail): (bool, bool),
        around: &mut Vec<Around>,
    ) {
        let data = &view.bytes;
        let base64 = |c: &u8| c.is_ascii_alphanumeric() || b"+/-_".contains(c);
        let wrap = |c: &u8| *c == b'\n' || *c == b'\r';
        let mut start = a;
        if head {
            let mut j = a;
            while j > 0 && a - j < 2 && wrap(&data[j - 1]) {
                j -= 1;
            }
            if j > 0 && base64(&data[j - 1]) {
                start = j - 1;
            }
        }
        let mut end = b;
        if tail {
            let mut j = b;
            while j - b < 2 && data.get(j).is_some_and(wrap) {
                j += 1;
            }
            if data.get(j).is_some_and(base64) {
                end = j + 1;
            }
            let padding = end;
            while end < padding + 2 && data.get(end) == Some(&b'=') {
                end += 1;
            }
        }
        if (start, end) != (a, b) {
            around.push((view.span(a, b), view.span(start, end)));
        }
    }

    /// What belongs around pattern `p`'s match (`around`), before it when
    /// `before`, after it when `after`.
    fn around_pattern(
        &self,
        p: u32,
        view: &View,
        span: (usize, usize),
        (before, after): (bool, bool),
        around: &mut Vec<Around>,
    ) {
        let sides = (before && self.has(p, HEAD), after && self.has(p, TAIL));
        Self::around(view, span, sides, around);
    }

    /// A secret's windows, for the pieces of its middle: for its plain forms and
    /// its base64 and hex (the views decode every other form a text may hold);
    /// `base64` for a base64 form, whose pieces take the characters around them
    /// that hold bits of their first and last bytes. A middle held already (the
    /// same secret registered again) is not added twice.
    pub(super) fn insert_middle(&mut self, bytes: &[u8], sides: Sides) {
        // A secret's forms are longer than it (its hex twice): the limit is the
        // secret's own (the caller's), with room for its longest form.
        if !(MIDDLE_MIN..=2 * MIDDLE_MAX).contains(&bytes.len()) {
            return;
        }
        let first = self.by_window.get(&window(bytes)).copied().unwrap_or(END);
        let held = chain(first, |e| self.windows[e as usize].2).find(|&e| {
            self.windows[e as usize].1 == 0 && self.middle(self.windows[e as usize].0) == bytes
        });
        if let Some(e) = held {
            let m = self.windows[e as usize].0 as usize;
            if sides.base64 {
                self.middles[m].2 = sides;
            }
            return;
        }
        let m = self.middles.len() as u32;
        // A middle is mostly a pattern too (the secret, its base64): its bytes
        // are held once.
        let at = match self.find_same(bytes, false) {
            Some(p) => self.patterns[p as usize].at,
            None => self.hold(bytes),
        };
        self.middles.push((at, bytes.len() as u32, sides));
        // A window the secret repeats is entered at each place, for a piece found
        // there is compared from each (from the first alone, what stands around a
        // later copy was shown); but at most SAME times, its first and last
        // places, so that a secret that repeats itself (a padding of one letter)
        // costs a text that repeats its window little, and a piece at either end
        // of the repetition is still compared from where it stands.
        let offsets: Vec<usize> = (0..=bytes.len() - WINDOW).step_by(STRIDE).collect();
        let mut places: HashMap<&[u8], Vec<usize>> = HashMap::new();
        for &off in &offsets {
            places
                .entry(&bytes[off..off + WINDOW])
                .or_default()
                .push(off);
        }
        for &off in &offsets {
            let all = &places[&bytes[off..off + WINDOW]];
            if all.len() > SAME {
                let n = all.partition_point(|&o| o < off);
                if n >= SAME / 2 && all.len() - n > SAME / 2 {
                    continue;
                }
            }
            let k = window(&bytes[off..]);
            let first = self.by_window.get(&k).copied().unwrap_or(END);
            self.windows.push((m, off as u32, first));
            self.by_window.insert(k, self.windows.len() as u32 - 1);
        }
    }

    /// Pieces of the middles of secrets: where a window is found, as far as the
    /// text and the secret agree on both sides.
    fn find_middles(
        &self,
        view: &View,
        pieces: &mut Vec<(usize, usize)>,
        around: &mut Vec<Around>,
    ) {
        let data = &view.bytes;
        if self.by_window.is_empty() || data.len() < WINDOW {
            return;
        }
        // The middles a piece was found of, and where it ends: what the piece
        // covered is not compared again for that middle (a long piece of a
        // secret that repeats itself would cost its length times its windows),
        // but every other middle's windows there are.
        let mut covering: Vec<(u32, usize)> = Vec::new();
        for i in 0..=data.len() - WINDOW {
            covering.retain(|&(_, end)| end >= i + WINDOW);
            let first = self
                .by_window
                .get(&window(&data[i..]))
                .copied()
                .unwrap_or(END);
            for e in chain(first, |e| self.windows[e as usize].2) {
                let (m, off, _) = self.windows[e as usize];
                // Every step of the walk is charged, a skipped one too: many
                // secrets repeating one window would otherwise walk long chains
                // at every position for free (attack8).
                if !charge(1) {
                    return;
                }
                if covering.iter().any(|&(c, _)| c == m) {
                    continue;
                }
                if !charge(0) {
                    return;
                }
                let (_, _, sides) = self.middles[m as usize];
                let secret = self.middle(m);
                let off = off as usize;
                if !same(&data[i..i + WINDOW], &secret[off..off + WINDOW]) {
                    continue;
                }
                let before = common_suffix(&data[..i], &secret[..off]);
                let after = common_prefix(&data[i..], &secret[off..], true);
                if !charge(((before + after) / 16) as u64) {
                    return;
                }
                let piece = (i - before, i + after);
                pieces.push(view.span(piece.0, piece.1));
                let inside_a_group = |at: usize| (usize::from(sides.phase) + at) % 4 != 0;
                let head = sides.base64 && inside_a_group(off - before);
                let tail = sides.base64 && inside_a_group(off + after);
                Self::around(view, piece, (head, tail), around);
                covering.push((m, i + after));
            }
        }
    }

    /// One pattern, as it is; its number unless it is a public name's.
    fn insert_one(
        &mut self,
        bytes: &[u8],
        secret: bool,
        public: bool,
        pieces: bool,
    ) -> Option<u32> {
        if bytes.is_empty() {
            return None;
        }
        // A secret whose pieces are not looked for needs no bytes to be found.
        let hashed = secret && !public && !pieces && bytes.len() >= HASHED_MIN;
        let p = match self.find_same(bytes, hashed) {
            // A value that is a name too stays a value, and a name.
            Some(p) if public => {
                self.patterns[p as usize].flags |= PUBLIC;
                return None;
            }
            Some(p) => {
                let flags = self.flags(p);
                if flags & VALUE != 0 && (flags & SECRET != 0 || !secret) {
                    return Some(p);
                }
                if flags & VALUE == 0 {
                    self.values += 1;
                }
                let new = VALUE | if secret { SECRET } else { 0 };
                self.patterns[p as usize].flags |= new;
                p
            }
            None => {
                let p = self.patterns.len() as u32;
                let flags = if public { PUBLIC } else { VALUE }
                    | if secret { SECRET } else { 0 }
                    | if hashed { HASHED } else { 0 };
                let at = if hashed {
                    self.hashes.push(self.strong(bytes));
                    self.hashes.len() as u32 - 1
                } else {
                    self.hold(bytes)
                };
                let len = bytes.len() as u32;
                self.patterns.push(Pattern { at, len, flags });
                self.values += usize::from(!public);
                let head = self
                    .by_hash
                    .entry(key(bytes.len(), hash(bytes)))
                    .or_insert(p);
                let previous = if *head == p {
                    END
                } else {
                    std::mem::replace(head, p)
                };
                self.next.push(previous);
                let w = width(bytes.len());
                let first = self
                    .by_prefix
                    .get(&key(w, hash(&bytes[..w])))
                    .copied()
                    .unwrap_or(END);
                if !chain(first, |l| self.lens[l as usize].1)
                    .any(|l| self.lens[l as usize].0 == len)
                {
                    self.lens.push((len, first));
                    self.by_prefix
                        .insert(key(w, hash(&bytes[..w])), self.lens.len() as u32 - 1);
                }
                self.widths.insert(w as u32);
                while self.powers.len() <= bytes.len() {
                    let last = self.powers.last().copied().unwrap_or(1);
                    let next = if self.powers.is_empty() {
                        1
                    } else {
                        last.wrapping_mul(BASE)
                    };
                    self.powers.push(next);
                }
                p
            }
        };
        let len = bytes.len();
        if public || !pieces || len <= ANCHOR {
            return (!public).then_some(p);
        }
        // (A pattern with pieces is never one kept as its hash: `hashed` above.)
        let first = self.by_first.entry(anchor(bytes)).or_default();
        if !first.contains(&p) {
            first.push(p);
        }
        if secret {
            let last = self
                .by_last
                .entry(anchor(&bytes[len - ANCHOR..]))
                .or_default();
            if !last.contains(&p) {
                last.push(p);
            }
        }
        Some(p)
    }

    /// Whether a match of `p` at `a..b` counts: a secret shorter than the shortest
    /// value masked elsewhere only where no letter or digit touches it, since holes
    /// cut inside words (`***af***a` for `k`) would tell it.
    fn stands_alone(&self, p: u32, data: &[u8], a: usize, b: usize) -> bool {
        if b - a >= MIN_MASKED_LEN || !self.has(p, SECRET) {
            return true;
        }
        // The characters around it, decoded (`«`, `…` and a no-break space are not
        // letters; `é` and `ß` are).
        let before = (1..=4.min(a))
            .find_map(|n| std::str::from_utf8(&data[a - n..a]).ok())
            .and_then(|t| t.chars().next_back());
        let after = (1..=4.min(data.len() - b))
            .find_map(|n| std::str::from_utf8(&data[b..b + n]).ok())
            .and_then(|t| t.chars().next());
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        !(word(before) || word(after))
    }

    /// Whether the text's bytes are pattern `p` (in any case for a secret; a
    /// pattern kept as its hash is any text of its length and strong hash).
    fn is(&self, p: u32, text: &[u8]) -> bool {
        let Pattern { at, len, flags } = self.patterns[p as usize];
        if flags & HASHED != 0 {
            len as usize == text.len() && self.hashes[at as usize] == self.strong(text)
        } else if flags & SECRET != 0 {
            same(text, self.bytes_of(p))
        } else {
            text == self.bytes_of(p)
        }
    }

    /// Spans of the original text where any value appears (or a piece of one), and
    /// the spans of the public names.
    pub(super) fn find(
        &self,
        view: &View,
        spans: &mut Vec<(usize, usize)>,
        names: &mut Vec<(usize, usize)>,
        pieces: &mut Vec<(usize, usize)>,
        around: &mut Vec<Around>,
    ) {
        let data = &view.bytes;
        // Where long values were found (view bytes): not looked at again, so that
        // a value that repeats itself (a padding of one letter) costs one pass.
        let mut covered: Vec<(usize, usize)> = Vec::new();
        // prefix[k]: the hash of the first k bytes; any slice's hash in constant time.
        let mut prefix: Vec<u64> = Vec::with_capacity(data.len() + 1);
        prefix.push(0);
        for &b in data {
            let h = *prefix.last().unwrap_or(&0);
            prefix.push(h.wrapping_mul(BASE).wrapping_add(u64::from(fold(b))));
        }
        let slice_hash = |i: usize, len: usize| {
            prefix[i + len].wrapping_sub(prefix[i].wrapping_mul(self.powers[len]))
        };
        for &w in &self.widths {
            let w = w as usize;
            if w > data.len() {
                break;
            }
            for i in 0..=data.len() - w {
                let Some(&first) = self.by_prefix.get(&key(w, slice_hash(i, w))) else {
                    continue;
                };
                for l in chain(first, |l| self.lens[l as usize].1) {
                    if !charge(1) {
                        return;
                    }
                    let len = self.lens[l as usize].0 as usize;
                    if i + len > data.len() {
                        continue;
                    }
                    let h = slice_hash(i, len);
                    let Some(&first) = self.by_hash.get(&key(len, h)) else {
                        continue;
                    };
                    let found = (&mut *spans, &mut *names, &mut *around);
                    self.found_at(view, (i, len), first, found, &mut covered);
                }
            }
        }
        self.find_pieces(view, pieces, around, &covered);
        self.find_middles(view, pieces, around);
    }

    /// The patterns of one hash key whose length `len` stands at `i`: their spans,
    /// and where a long value's ends reach.
    #[allow(clippy::too_many_arguments)]
    fn found_at(
        &self,
        view: &View,
        (i, len): (usize, usize),
        first: u32,
        (spans, names, around): Found<'_>,
        covered: &mut Vec<(usize, usize)>,
    ) {
        let data = &view.bytes;
        for p in self.chain(first) {
            if !charge(1 + (covered.len() / 16) as u64) {
                return;
            }
            // Inside a long value found already (a value that repeats itself): its
            // span is masked, and comparing again at every byte would cost the
            // text's length times the value's.
            let inside = |&(a, b): &(usize, usize)| a <= i && i + len <= b;
            if !self.has(p, PUBLIC) && covered.iter().any(inside) {
                continue;
            }
            if !charge(1 + (len / 16) as u64) {
                return;
            }
            if self.is(p, &data[i..i + len]) && self.stands_alone(p, data, i, i + len) {
                let span = view.span(i, i + len);
                if self.has(p, PUBLIC) {
                    names.push(span);
                }
                if !self.has(p, VALUE) {
                    continue;
                }
                spans.push(view.span(i, i + len));
                self.around_pattern(p, view, (i, i + len), (true, true), around);
                if !charge(1 + (covered.len() / 16) as u64) {
                    return;
                }
                if covered.iter().any(|&(a, b)| a <= i && i + len <= b) {
                    continue;
                }
                // Each end found is checked against its whole value.
                let checks: u64 = self
                    .reach
                    .get(&p)
                    .into_iter()
                    .flatten()
                    .map(|r| 1 + (r.len / 16) as u64)
                    .sum();
                if !charge(checks) {
                    return;
                }
                // A value found whole rules out the guesses of a cut: one
                // that repeats itself has the same head and tail.
                let found: Vec<((usize, usize), bool)> = self
                    .reach
                    .get(&p)
                    .into_iter()
                    .flatten()
                    .map(|reach| reach.span(data, i, |b| self.strong(b)))
                    .collect();
                let whole = found.iter().any(|&(_, whole)| whole);
                for ((a, b), _) in found.into_iter().filter(|&(_, w)| w || !whole) {
                    covered.push((a, b));
                    spans.push(view.span(a, b));
                }
            }
        }
    }

    /// Beginnings and ends of values of more than ANCHOR bytes: a secret's anywhere,
    /// another value's only where the text was cut.
    fn find_pieces(
        &self,
        view: &View,
        spans: &mut Vec<(usize, usize)>,
        around: &mut Vec<Around>,
        covered: &[(usize, usize)],
    ) {
        let data = &view.bytes;
        if data.len() < ANCHOR || (self.by_first.is_empty() && self.by_last.is_empty()) {
            return;
        }
        let cuts = cut_points(data);
        let mut i = 0;
        while i + ANCHOR <= data.len() {
            if let Some(&(_, b)) = covered.iter().find(|&&(a, b)| a <= i && i + ANCHOR <= b) {
                i = b.saturating_sub(ANCHOR - 1).max(i + 1);
                continue;
            }
            self.pieces_at(view, i, &cuts, (spans, around));
            i += 1;
        }
    }

    /// The pieces of values whose first or last ANCHOR bytes stand at `i`.
    fn pieces_at(
        &self,
        view: &View,
        i: usize,
        cuts: &[usize],
        (spans, around): (&mut Vec<(usize, usize)>, &mut Vec<Around>),
    ) {
        let data = &view.bytes;
        {
            let key = anchor(&data[i..i + ANCHOR]);
            for &p in self.by_first.get(&key).into_iter().flatten() {
                let pattern = self.bytes_of(p);
                let secret = self.has(p, SECRET);
                let m = common_prefix(&data[i..], pattern, secret);
                if !charge(1 + (m / 16) as u64) {
                    return;
                }
                if m < ANCHOR || m >= pattern.len() {
                    continue;
                }
                let end = if secret {
                    Some(i + m)
                } else {
                    cuts.iter()
                        .copied()
                        .filter(|&c| c >= i + ANCHOR && c <= i + m)
                        .max()
                };
                if let Some(end) = end {
                    spans.push(view.span(i, end));
                    self.around_pattern(p, view, (i, end), (true, false), around);
                }
            }
            for &p in self.by_last.get(&key).into_iter().flatten() {
                let pattern = self.bytes_of(p);
                let end = i + ANCHOR;
                let m = common_suffix(&data[..end], pattern);
                if !charge(1 + (m / 16) as u64) {
                    return;
                }
                if m < pattern.len() {
                    spans.push(view.span(end - m, end));
                    self.around_pattern(p, view, (end - m, end), (false, true), around);
                }
            }
        }
    }
}

fn common_prefix(text: &[u8], pattern: &[u8], fold_case: bool) -> usize {
    text.iter()
        .zip(pattern)
        .take_while(|(a, b)| {
            if fold_case {
                fold(**a) == fold(**b)
            } else {
                a == b
            }
        })
        .count()
}

fn common_suffix(text: &[u8], pattern: &[u8]) -> usize {
    text.iter()
        .rev()
        .zip(pattern.iter().rev())
        .take_while(|(a, b)| fold(**a) == fold(**b))
        .count()
}
