//! Versions and version ranges, just enough to tell on which side of a release boundary a
//! dependency is.
//!
//! A range is kept as one interval `[lo, hi]` that contains every version the constraint
//! allows: `^7.1.0` is `[7.1.0, 8.0.0)`, `>=1.15,!=1.16` is `[1.15, +inf)` (the hole is
//! dropped). The interval may be wider than the constraint, never narrower, so a decision that
//! holds for the whole interval holds for whatever version is installed.

use std::cmp::Ordering;

/// A release version: numeric parts (`7.2.1`) and whether it is a pre-release (`7.0.0.beta1`,
/// `5.3.0rc1`, `1.0.0-alpha`), which sorts before the release with the same parts.
#[derive(Debug, Clone)]
pub struct Version {
    parts: Vec<u64>,
    pre: bool,
}

/// More numeric parts than this is not a version anyone writes.
const MAX_PARTS: usize = 8;

impl Version {
    /// `7.2.1`, `v3.2.0`, `5.3.0rc1`, `7.0.0.beta1`, `1.2.3-beta.1+build`, `1.0.post2`.
    pub fn parse(text: &str) -> Option<Version> {
        let t = text.trim();
        let t = t.strip_prefix(['v', 'V']).unwrap_or(t);
        let end = t.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(t.len());
        let (numeric, rest) = t.split_at(end);
        let numeric = numeric.trim_end_matches('.');
        if numeric.is_empty() {
            return None;
        }
        let parts: Vec<u64> = numeric.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        if parts.len() > MAX_PARTS {
            return None;
        }
        let rest = rest.trim_start_matches(['.', '-', '_']);
        // Maven marks releases too (`6.3.0.RELEASE`, `5.6.15.Final`).
        let release =
            ["post", "release", "final", "ga"].iter().any(|r| rest.to_ascii_lowercase().starts_with(r));
        let pre = !(rest.is_empty() || rest.starts_with('+') || release);
        Some(Version { parts, pre })
    }

    /// A version from its parts (a release).
    pub fn new(parts: &[u64]) -> Version {
        Version { parts: parts.to_vec(), pre: false }
    }

    /// The smallest version above every version starting with the first `n` parts:
    /// `bump(1.2.3, 1)` is `2`, `bump(1.2.3, 2)` is `1.3`.
    fn bump(&self, n: usize) -> Version {
        let mut parts: Vec<u64> = self.parts.iter().copied().take(n.max(1)).collect();
        parts.resize(n.max(1), 0);
        if let Some(last) = parts.last_mut() {
            *last = last.saturating_add(1);
        }
        Version { parts, pre: true }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        for i in 0..n {
            let a = self.parts.get(i).copied().unwrap_or(0);
            let b = other.parts.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        // A pre-release comes before its release.
        other.pre.cmp(&self.pre)
    }
}

// Equality follows the order: `7.0` and `7.0.0` are the same version.
impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An upper bound.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Upper {
    version: Version,
    inclusive: bool,
}

/// The versions a pin or range allows, as one interval (see the module comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Req {
    /// Inclusive; `None` is "any version".
    lo: Option<Version>,
    hi: Option<Upper>,
}

impl Req {
    /// Exactly this version.
    pub fn exact(v: Version) -> Req {
        Req { lo: Some(v.clone()), hi: Some(Upper { version: v, inclusive: true }) }
    }

    /// Every version in the interval is at least `v`.
    pub fn is_at_least(&self, v: &Version) -> bool {
        self.lo.as_ref().is_some_and(|lo| lo >= v)
    }

    /// Every version in the interval is below `v`.
    pub fn is_below(&self, v: &Version) -> bool {
        self.hi.as_ref().is_some_and(|h| h.version < *v || (h.version == *v && !h.inclusive))
    }

    /// Every version in the interval is in `[from, to)`.
    pub fn is_within(&self, from: &Version, to: &Version) -> bool {
        self.is_at_least(from) && self.is_below(to)
    }

    /// Every version `other` allows, this allows too.
    pub fn contains(&self, other: &Req) -> bool {
        let lo_ok = match (&self.lo, &other.lo) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => b >= a,
        };
        let hi_ok = match (&self.hi, &other.hi) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => {
                b.version < a.version || (b.version == a.version && (a.inclusive || !b.inclusive))
            }
        };
        lo_ok && hi_ok
    }

    /// A single version.
    pub fn is_exact(&self) -> bool {
        matches!((&self.lo, &self.hi), (Some(lo), Some(h)) if h.inclusive && *lo == h.version)
    }

    fn intersect(self, other: Req) -> Req {
        let lo = match (self.lo, other.lo) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let hi = match (self.hi, other.hi) {
            (Some(a), Some(b)) => {
                Some(if b.version < a.version || (b.version == a.version && !b.inclusive) { b } else { a })
            }
            (a, b) => a.or(b),
        };
        Req { lo, hi }
    }

    /// The smallest interval holding both.
    pub fn hull_with(self, other: Req) -> Req {
        let lo = match (self.lo, other.lo) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        };
        let hi = match (self.hi, other.hi) {
            (Some(a), Some(b)) => {
                Some(if b.version > a.version || (b.version == a.version && b.inclusive) { b } else { a })
            }
            _ => None,
        };
        Req { lo, hi }
    }

    const ANY: Req = Req { lo: None, hi: None };

    fn at_least(v: Version) -> Req {
        Req { lo: Some(v), hi: None }
    }

    fn below(v: Version, inclusive: bool) -> Req {
        Req { lo: None, hi: Some(Upper { version: v, inclusive }) }
    }

    fn between(lo: Version, hi: Version) -> Req {
        Req { lo: Some(lo), hi: Some(Upper { version: hi, inclusive: false }) }
    }
}

/// A possibly partial version (`1`, `1.2`, `1.x`, `1.2.*`): the version and how many parts were
/// given; `None` parts for `*`/`x`/empty.
fn partial(text: &str) -> Option<(Version, usize)> {
    let t = text.trim().trim_start_matches(['v', '=']);
    if t.is_empty() || matches!(t, "*" | "x" | "X") {
        return Some((Version::new(&[0]), 0));
    }
    let wild = [".x", ".X", ".*"].iter().filter_map(|w| t.find(w)).min();
    let head = wild.map_or(t, |i| &t[..i]);
    let v = Version::parse(head)?;
    let given = v.parts.len();
    Some((v, given))
}

/// An npm semver range (`^7.1.0`, `~1.2`, `>=1.2.0 <2`, `1.x`, `1.2.3 - 2`, `a || b`).
/// `None` for what is not a version range (`latest`, `file:..`, git URLs, `workspace:*`).
pub fn npm_range(text: &str) -> Option<Req> {
    let text = text.trim();
    if text.contains(':') || text.contains('/') {
        return None;
    }
    let mut out: Option<Req> = None;
    for alt in text.split("||") {
        let set = npm_set(alt)?;
        out = Some(match out {
            Some(o) => o.hull_with(set),
            None => set,
        });
    }
    out
}

fn npm_set(text: &str) -> Option<Req> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    // Hyphen range: `1.2.3 - 2.3.4`.
    if let [a, "-", b] = tokens.as_slice() {
        let (lo, _) = partial(a)?;
        let (hi, n) = partial(b)?;
        let lo = Req::at_least(lo);
        return Some(if n == 0 {
            lo
        } else if n < 3 {
            lo.intersect(Req::below(hi.bump(n), false))
        } else {
            lo.intersect(Req::below(hi, true))
        });
    }
    let mut req = Req::ANY;
    let mut i = 0;
    while i < tokens.len() {
        let mut tok = tokens[i].to_string();
        // `>= 1.2.3` written with a space.
        if matches!(tok.as_str(), ">" | ">=" | "<" | "<=" | "=" | "^" | "~") {
            i += 1;
            tok.push_str(tokens.get(i)?);
        }
        req = req.intersect(npm_comparator(&tok)?);
        i += 1;
    }
    Some(req)
}

fn npm_comparator(tok: &str) -> Option<Req> {
    if let Some(v) = tok.strip_prefix(">=") {
        return Some(Req::at_least(partial(v)?.0));
    }
    if let Some(v) = tok.strip_prefix("<=") {
        let (v, n) = partial(v)?;
        return Some(if n == 0 {
            Req::ANY
        } else if n < 3 {
            Req::below(v.bump(n), false)
        } else {
            Req::below(v, true)
        });
    }
    if let Some(v) = tok.strip_prefix('>') {
        // `>1.2.3` as `>=1.2.3`: wider, never narrower.
        return Some(Req::at_least(partial(v)?.0));
    }
    if let Some(v) = tok.strip_prefix('<') {
        return Some(Req::below(partial(v)?.0, false));
    }
    if let Some(v) = tok.strip_prefix('^') {
        let (v, n) = partial(v)?;
        if n == 0 {
            return Some(Req::ANY);
        }
        // The first non-zero part among those given may not change.
        let keep = v.parts.iter().take(n.max(1)).position(|p| *p != 0).map_or(n.max(1), |i| i + 1);
        return Some(Req::between(v.clone(), v.bump(keep.min(n.max(1)))));
    }
    if let Some(v) = tok.strip_prefix('~') {
        let v = v.strip_prefix('>').unwrap_or(v);
        let (v, n) = partial(v)?;
        if n == 0 {
            return Some(Req::ANY);
        }
        let keep = if n >= 2 { 2 } else { 1 };
        return Some(Req::between(v.clone(), v.bump(keep)));
    }
    let (v, n) = partial(tok)?;
    Some(match n {
        0 => Req::ANY,
        1 | 2 if !tok.contains('-') => Req::between(v.clone(), v.bump(n)),
        _ => Req::exact(v),
    })
}

/// A PEP 440 specifier set (`==5.3.1`, `>=1.15,<2`, `~=1.4.2`, `==5.*`); `None` when a clause
/// is not understood (a URL, `@ git+...`).
pub fn pep440(text: &str) -> Option<Req> {
    let mut req = Req::ANY;
    for clause in text.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let op_end = clause.find(|c: char| !"<>=!~".contains(c)).unwrap_or(clause.len());
        let (op, v) = clause.split_at(op_end);
        let v = v.trim();
        let part = match op {
            "==" | "===" if v.ends_with(".*") => {
                let (v, n) = partial(v)?;
                Req::between(v.clone(), v.bump(n))
            }
            "==" | "===" => Req::exact(Version::parse(v)?),
            ">=" | ">" => Req::at_least(Version::parse(v)?),
            "<=" => Req::below(Version::parse(v)?, true),
            "<" => Req::below(Version::parse(v)?, false),
            "~=" => {
                let v = Version::parse(v)?;
                let n = v.parts.len().saturating_sub(1).max(1);
                Req::between(v.clone(), v.bump(n))
            }
            "!=" => Req::ANY,
            _ => return None,
        };
        req = req.intersect(part);
    }
    Some(req)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| Version::new(&[999]))
    }

    #[test]
    fn versions_order_with_prereleases_first() {
        assert!(v("7.0.0") > v("6.5.12"));
        assert!(v("7.0.0.beta1") < v("7.0.0"));
        assert!(v("7.0.0.beta1") > v("6.5.12"));
        assert!(v("5.3.0rc1") < v("5.3.0"));
        assert_eq!(v("7.0"), v("7.0.0"));
        assert_eq!(v("v3.2.0"), v("3.2.0"));
        assert_eq!(v("1.0.post2"), v("1.0"));
        assert_eq!(v("1.2.3+build.5"), v("1.2.3"));
        assert!(Version::parse("latest").is_none());
        assert!(Version::parse("").is_none());
        assert!(Version::parse("99999999999999999999999").is_none());
    }

    #[test]
    fn npm_ranges_become_intervals() {
        let r = npm_range("^7.1.0").unwrap_or(Req::ANY);
        assert!(r.is_within(&v("7.1.0"), &v("8")));
        assert!(!r.is_exact());
        assert!(npm_range("^0.2.3").unwrap_or(Req::ANY).is_within(&v("0.2.3"), &v("0.3")));
        assert!(npm_range("~4.0.1").unwrap_or(Req::ANY).is_within(&v("4.0.1"), &v("4.1")));
        assert!(npm_range("4.x").unwrap_or(Req::ANY).is_within(&v("4"), &v("5")));
        assert!(npm_range("4").unwrap_or(Req::ANY).is_within(&v("4"), &v("5")));
        assert!(npm_range("4.0.4").unwrap_or(Req::ANY).is_exact());
        assert!(npm_range(">=4.0.0 <5.1.0").unwrap_or(Req::ANY).is_within(&v("4"), &v("5.1")));
        assert!(npm_range(">= 4.0.0").unwrap_or(Req::ANY).is_at_least(&v("4")));
        assert!(npm_range("4.0.0 - 5.0").unwrap_or(Req::ANY).is_within(&v("4"), &v("5.1")));
        assert!(npm_range("^4.0.0 || ^5.0.0").unwrap_or(Req::ANY).is_within(&v("4"), &v("6")));
        assert!(!npm_range("*").unwrap_or(Req::ANY).is_at_least(&v("0.0.1")));
        assert!(npm_range("latest").is_none());
        assert!(npm_range("github:tj/connect-redis").is_none());
        assert!(npm_range("workspace:*").is_none());
        // A pre-release pin.
        assert!(npm_range("7.0.0-beta.1").unwrap_or(Req::ANY).is_below(&v("7.0.0")));
    }

    #[test]
    fn pep440_specifiers_become_intervals() {
        assert!(pep440("==5.3.1").unwrap_or(Req::ANY).is_exact());
        assert!(pep440(">=1.15").unwrap_or(Req::ANY).is_at_least(&v("1.15")));
        assert!(pep440(">=1.15,<2").unwrap_or(Req::ANY).is_within(&v("1.15"), &v("2")));
        assert!(pep440("~=1.4.2").unwrap_or(Req::ANY).is_within(&v("1.4.2"), &v("1.5")));
        assert!(pep440("~=5.3").unwrap_or(Req::ANY).is_within(&v("5.3"), &v("6")));
        assert!(pep440("==5.*").unwrap_or(Req::ANY).is_within(&v("5"), &v("6")));
        assert!(pep440(">=5,!=5.1").unwrap_or(Req::ANY).is_at_least(&v("5")));
        assert!(pep440("@ git+https://x").is_none());
    }
}
