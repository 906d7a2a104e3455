//! Key names for people, and key patterns: `user:123:profile` and `user:9f3a…:profile` both
//! become `user:*:profile`, so a keyspace of millions of keys reads as a few dozen groups.
//!
//! Segments are split on `:` first; a segment that is a number, a date, a UUID, a hex string
//! of 8+ characters with a digit, or a random id (session ids, nanoids, base64) becomes `*`.
//! Segments that are not ids themselves are split again on `.`, `-`, `_` and `/` and the same
//! test is applied to each piece, so `celery-task-meta-<uuid>` and
//! `:1:template.cache.sidebar.<md5>` (Django) keep their words. The table of patterns is
//! capped: past [`PrefixTable::new`]'s limit, new patterns go to one `(other)` bucket per db.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use serde::Serialize;

use super::{KeyType, ttl::Ttl};

/// A key as text: valid UTF-8 is kept, `\` and control characters are escaped (`\\`, `\n`,
/// `\x07`), and bytes that are not UTF-8 are shown as `\xNN`. Binary keys stay readable and
/// distinct, and never break a table or a terminal.
pub fn display_key(key: &[u8]) -> String {
    display_cow(key).into_owned()
}

/// [`display_key`] without a copy when nothing needs escaping (the common case).
pub(crate) fn display_cow(key: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(key)
        && !s.chars().any(|c| c == '\\' || c.is_control())
    {
        return s.into();
    }
    let mut out = String::with_capacity(key.len());
    for chunk in key.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.into()
}

/// Segments after which a last segment is always an id (session and job ids of any shape).
const ID_FOLLOWS: &[&str] = &["sess", "session", "sessions", "job", "results", "token", "tokens"];

/// The pattern of a key given as [`display_key`] text.
pub fn pattern_of(display: &str) -> String {
    let text = replace_uuids(display);
    let mut out = String::with_capacity(text.len());
    let mut prev: Option<&str> = None;
    let last = text.matches(':').count();
    for (i, seg) in text.split(':').enumerate() {
        if i > 0 {
            out.push(':');
        }
        // Only the last segment: `spring:session:sessions:<id>` keeps `sessions`.
        if i == last && prev.is_some_and(|p| ID_FOLLOWS.contains(&p)) && !seg.is_empty() {
            out.push('*');
        } else {
            generalize_segment(seg, &mut out);
        }
        prev = Some(seg);
    }
    out
}

fn generalize_segment(seg: &str, out: &mut String) {
    if seg.is_empty() {
        return;
    }
    if is_id(seg) {
        out.push('*');
        return;
    }
    const SUB: &[char] = &['.', '-', '_', '/'];
    if !seg.contains(SUB) {
        push_piece(seg, out);
        return;
    }
    let start = out.len();
    let mut rest = seg;
    while let Some(at) = rest.find(SUB) {
        let (piece, tail) = rest.split_at(at);
        if is_id(piece) {
            out.push('*');
        } else {
            push_piece(piece, out);
        }
        let sep = tail.chars().next().unwrap_or('.');
        out.push(sep);
        rest = &tail[sep.len_utf8()..];
    }
    if is_id(rest) {
        out.push('*');
    } else {
        push_piece(rest, out);
    }
    // `12-34-56` is one id: runs of `*` joined by separators fold into one `*`.
    if out[start..].contains("*") {
        let folded = fold_stars(&out[start..], SUB);
        out.truncate(start);
        out.push_str(&folded);
    }
}

/// `img-*-*` becomes `img-*`, `*.*` becomes `*`.
fn fold_stars(s: &str, seps: &[char]) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '*' {
            loop {
                let mut ahead = chars.clone();
                match (ahead.next(), ahead.next()) {
                    (Some(sep), Some('*')) if seps.contains(&sep) => {
                        chars = ahead;
                    }
                    _ => break,
                }
            }
        }
    }
    out
}

/// A word, with a long numeric tail (`user12345`) collapsed to `user*`.
fn push_piece(piece: &str, out: &mut String) {
    let digits = piece.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits >= 3 && digits < piece.len() {
        out.push_str(&piece[..piece.len() - digits]);
        out.push('*');
    } else {
        out.push_str(piece);
    }
}

/// Whether a segment (no `:`) is an id rather than a name.
fn is_id(t: &str) -> bool {
    let b = t.as_bytes();
    if b.is_empty() {
        return false;
    }
    if t == "*" || t.contains('\\') {
        return true;
    }
    if b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    if is_date(b) {
        return true;
    }
    let has_digit = b.iter().any(u8::is_ascii_digit);
    if b.len() >= 8 && has_digit && b.iter().all(u8::is_ascii_hexdigit) {
        return true;
    }
    if b.len() < 16 || !b.iter().all(|c| c.is_ascii_alphanumeric() || b"+/=_-".contains(c)) {
        return false;
    }
    // A word between separators (`product_detail_v2`) marks a name, not a random id.
    let has_word =
        t.split(['_', '-', '+', '/', '=']).any(|p| p.len() >= 4 && p.bytes().all(|c| c.is_ascii_lowercase()));
    if has_word {
        return false;
    }
    if has_digit {
        return true;
    }
    // No digit: still random if long and of thoroughly mixed case (base64), unlike CamelCase.
    let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = b.iter().filter(|c| c.is_ascii_lowercase()).count();
    b.len() >= 24 && upper * 4 >= b.len() && lower * 4 >= b.len()
}

/// `YYYY-MM-DD` (`YYYYMMDD` is all digits and caught before).
fn is_date(b: &[u8]) -> bool {
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Replaces every `8-4-4-4-12` hex UUID by `*` before splitting, since UUIDs contain `-`.
fn replace_uuids(s: &str) -> std::borrow::Cow<'_, str> {
    let b = s.as_bytes();
    if b.len() < 36 {
        return s.into();
    }
    let is_uuid_at = |i: usize| {
        b.len() >= i + 36
            && b[i..i + 36]
                .iter()
                .enumerate()
                .all(|(j, c)| if matches!(j, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i + 36 <= b.len() {
        if is_uuid_at(i) {
            let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
            o.push_str(&s[copied..i]);
            o.push('*');
            i += 36;
            copied = i;
        } else {
            i += 1;
        }
    }
    match out {
        Some(mut o) => {
            o.push_str(&s[copied..]);
            o.into()
        }
        None => s.into(),
    }
}

/// One group of keys in the report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PrefixStats {
    pub pattern: String,
    pub db: u32,
    pub keys: u64,
    pub bytes: u64,
    pub keys_without_ttl: u64,
    pub bytes_without_ttl: u64,
    /// Share of the group's keys that have a TTL, 0..1.
    pub ttl_coverage: f64,
    /// Types seen, most frequent first (`string`, `hash`...).
    pub types: Vec<String>,
    /// One key of the group, as text.
    pub example_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_secs_min: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_secs_max: Option<u64>,
}

#[derive(Debug, Clone, Default)]
struct Acc {
    keys: u64,
    bytes: u64,
    keys_no_ttl: u64,
    bytes_no_ttl: u64,
    types: [u64; KeyType::COUNT],
    example: String,
    idle_min: Option<u64>,
    idle_max: Option<u64>,
}

/// Name of the bucket that takes patterns past the cap.
pub const OTHER: &str = "(other)";

/// FxHash (rustc's hasher): the pattern table is looked up once per key, and SipHash's
/// DoS resistance buys nothing for key patterns of one's own server.
#[derive(Debug, Default, Clone, Copy)]
struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0xf135_7aea_2e62_a9c5;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

/// Patterns per db, capped.
#[derive(Debug)]
pub struct PrefixTable {
    dbs: BTreeMap<u32, HashMap<String, Acc, FxBuild>>,
    len: usize,
    cap: usize,
}

/// What one key adds to a group.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    pub db: u32,
    pub ktype: KeyType,
    pub ttl: Ttl,
    /// 1 for a new key, 0 when only correcting its bytes.
    pub keys: u64,
    pub bytes: i64,
    pub idle_secs: Option<u64>,
}

impl PrefixTable {
    pub fn new(cap: usize) -> Self {
        PrefixTable { dbs: BTreeMap::new(), len: 0, cap: cap.max(1) }
    }

    pub fn add(&mut self, pattern: String, display: &str, o: Observation) {
        let map = self.dbs.entry(o.db).or_default();
        let acc = if let Some(acc) = map.get_mut(pattern.as_str()) {
            acc
        } else if self.len < self.cap || pattern == OTHER {
            self.len += 1;
            map.entry(pattern).or_insert_with(|| Acc { example: display.to_string(), ..Acc::default() })
        } else {
            map.entry(OTHER.to_string())
                .or_insert_with(|| Acc { example: display.to_string(), ..Acc::default() })
        };
        acc.keys += o.keys;
        acc.bytes = acc.bytes.saturating_add_signed(o.bytes);
        if o.ttl.is_persistent() {
            acc.keys_no_ttl += o.keys;
            acc.bytes_no_ttl = acc.bytes_no_ttl.saturating_add_signed(o.bytes);
        }
        acc.types[o.ktype as usize] += o.keys;
        if let Some(idle) = o.idle_secs {
            acc.idle_min = Some(acc.idle_min.map_or(idle, |m| m.min(idle)));
            acc.idle_max = Some(acc.idle_max.map_or(idle, |m| m.max(idle)));
        }
    }

    /// All groups, biggest first (ties: db, then pattern).
    pub fn stats(&self) -> Vec<PrefixStats> {
        let mut out: Vec<PrefixStats> = self
            .dbs
            .iter()
            .flat_map(|(db, map)| {
                map.iter().map(move |(pattern, a)| {
                    let mut types: Vec<(u64, usize)> =
                        a.types.iter().enumerate().filter(|(_, n)| **n > 0).map(|(i, n)| (*n, i)).collect();
                    types.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
                    PrefixStats {
                        pattern: pattern.clone(),
                        db: *db,
                        keys: a.keys,
                        bytes: a.bytes,
                        keys_without_ttl: a.keys_no_ttl,
                        bytes_without_ttl: a.bytes_no_ttl,
                        ttl_coverage: if a.keys == 0 {
                            0.0
                        } else {
                            (a.keys - a.keys_no_ttl) as f64 / a.keys as f64
                        },
                        types: types.into_iter().map(|(_, i)| KeyType::ALL[i].as_str().to_string()).collect(),
                        example_key: a.example.clone(),
                        idle_secs_min: a.idle_min,
                        idle_secs_max: a.idle_max,
                    }
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.bytes.cmp(&a.bytes).then(a.db.cmp(&b.db)).then_with(|| a.pattern.cmp(&b.pattern))
        });
        out
    }

    /// Whether some keys went to the `(other)` bucket.
    pub fn overflowed(&self) -> bool {
        self.dbs.values().any(|m| m.contains_key(OTHER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str) -> String {
        pattern_of(&display_key(key.as_bytes()))
    }

    #[test]
    fn ids_collapse_and_words_stay() {
        assert_eq!(p("user:123:profile"), "user:*:profile");
        assert_eq!(p("user:9f3a2b7c1d:profile"), "user:*:profile");
        assert_eq!(p("user:index:email_to_id"), "user:index:email_to_id");
        assert_eq!(p("cache:product:99999"), "cache:product:*");
        assert_eq!(p("deadbeef:x"), "deadbeef:x");
    }

    #[test]
    fn real_framework_keys_group_meaningfully() {
        // Sidekiq (library-defaults §2): queues, daily stats, process identity host:pid:nonce.
        assert_eq!(p("queue:default"), "queue:default");
        assert_eq!(p("stat:processed:2026-11-22"), "stat:processed:*");
        assert_eq!(p("stat:processed"), "stat:processed");
        assert_eq!(p("vm:22167:74c832c3f9f1"), "vm:*:*");
        assert_eq!(p("vm:22167:74c832c3f9f1:work"), "vm:*:*:work");
        // BullMQ (§4.4).
        assert_eq!(p("bull:emails:123"), "bull:emails:*");
        assert_eq!(p("bull:emails:123:logs"), "bull:emails:*:logs");
        assert_eq!(p("bull:emails:completed"), "bull:emails:completed");
        assert_eq!(p("bull:thumbnails:stalled-check"), "bull:thumbnails:stalled-check");
        // Celery (§5.1) and kombu.
        assert_eq!(p("celery-task-meta-0b5c8f4e-3c1e-4f5e-9a43-1f2d3c4b5a69"), "celery-task-meta-*");
        assert_eq!(p("_kombu.binding.celery"), "_kombu.binding.celery");
        assert_eq!(p("_kombu.binding_permanent.reports"), "_kombu.binding_permanent.reports");
        // RQ (§5.2).
        assert_eq!(p("rq:job:0b5c8f4e-3c1e-4f5e-9a43-1f2d3c4b5a69"), "rq:job:*");
        assert_eq!(p("rq:results:0b5c8f4e-3c1e-4f5e-9a43-1f2d3c4b5a69"), "rq:results:*");
        assert_eq!(p("rq:worker:wl-rq-worker"), "rq:worker:wl-rq-worker");
        // express-session / connect-redis (§4.2): uid-safe ids, which may hold `-` and `_`.
        assert_eq!(p("sess:Xk2_b-9QzR1mWcP0aLsTfV3nYd8eHj4u"), "sess:*");
        assert_eq!(p("sess:abcdefgh_ijklmnop-qrstuvwxyzabcdef"), "sess:*");
        assert_eq!(p("legacyapp:sess:Xk2_b-9QzR1mWcP0aLsTfV3nYd8eHj4u"), "legacyapp:sess:*");
        // Django (§3): no KEY_PREFIX, so keys start with `:<version>:`.
        assert_eq!(p(":1:product_detail:12"), ":*:product_detail:*");
        assert_eq!(
            p(":1:django.contrib.sessions.cache00dvx7k2m9q1w3e5r7t9y1u3i5o7p9a1"),
            ":*:django.contrib.sessions.*"
        );
        assert_eq!(
            p(":1:template.cache.sidebar.00cc1f7c3a4e5b6d7e8f9a0b1c2d3e4f"),
            ":*:template.cache.sidebar.*"
        );
        assert_eq!(p("shop:1:feature_flag:7"), "shop:*:feature_flag:*");
        // Spring Session (§7), Rails (§6).
        assert_eq!(
            p("spring:session:sessions:0b5c8f4e-3c1e-4f5e-9a43-1f2d3c4b5a69"),
            "spring:session:sessions:*"
        );
        assert_eq!(p("views/products/12-20261122191238000000"), "views/products/*");
    }

    #[test]
    fn odd_keys_never_panic_and_stay_distinct() {
        assert_eq!(display_key(b"a\xffb\\c\n"), "a\\xffb\\\\c\\n");
        assert_eq!(p("k:\u{7}"), "k:*");
        assert_eq!(p(""), "");
        assert_eq!(p(":::"), ":::");
        assert_eq!(p("2026-11-22"), "*");
        assert_eq!(p("user12345"), "user*");
        assert_eq!(p("product_detail_v2"), "product_detail_v2");
        assert_eq!(p("ProductDetailViewController"), "ProductDetailViewController");
        assert_eq!(p("img-1024-768"), "img-*");
        assert_eq!(p("é:ü:1"), "é:ü:*");
    }

    #[test]
    fn the_table_is_capped() {
        let mut t = PrefixTable::new(2);
        let o = Observation {
            db: 0,
            ktype: KeyType::String,
            ttl: Ttl::Persistent,
            keys: 1,
            bytes: 10,
            idle_secs: None,
        };
        for k in ["a", "b", "c", "d"] {
            t.add(k.to_string(), k, o);
        }
        let s = t.stats();
        assert_eq!(s.len(), 3);
        assert!(t.overflowed());
        assert_eq!(s.iter().find(|s| s.pattern == OTHER).map(|s| s.keys), Some(2));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_give_a_pattern(key in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            let d = display_key(&key);
            proptest::prop_assert_eq!(pattern_of(&d), pattern_of(&d));
        }
    }
}
