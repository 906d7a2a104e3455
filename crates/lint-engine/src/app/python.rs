//! Python rules: Django caches (`CACHES`) and cache sessions, Celery result expiry and RQ job
//! TTLs.
//!
//! Each rule reads literal values only: a setting taken from an environment variable, a
//! function call or another module cannot be known and is never reported. Settings are
//! followed in source order so a dict built in steps (`CACHES["default"]["TIMEOUT"] = None`)
//! and a later override (`app.conf.result_expires = 3600`) are both understood.

mod celery;
mod django_cache;
mod django_session;
mod flask;
mod rq;

use std::collections::{HashMap, HashSet};

use findings::Finding;
use tree_sitter::Node;

use super::node::{Source, descendants};

/// Words that make a file worth parsing: the Redis cache backends' class name and the
/// Celery, RQ and Flask expiry settings. `RESULT_EXPIRES` covers `CELERY_RESULT_EXPIRES` and
/// `CELERY_TASK_RESULT_EXPIRES`; `result_ttl` covers `default_result_ttl`.
pub const KEYWORDS: &[&str] = &[
    "RedisCache",
    "result_expires",
    "RESULT_EXPIRES",
    "failure_expires",
    "result_ttl",
    "failure_ttl",
    "SESSION_TYPE",
    "CACHE_TYPE",
];

pub fn check(src: &Source<'_>, root: Node<'_>, out: &mut Vec<Finding>) {
    let nodes = descendants(root);
    let consts = Constants::collect(src, root);
    let mut found = Vec::new();
    // Each rule runs only when its own words appear, so a large data file that merely
    // mentions `result_ttl` does not have every dict followed as a cache entry.
    if src.text.contains("RedisCache") {
        django_cache::check(src, &nodes, &mut found);
        if src.text.contains("SESSION_COOKIE_AGE") {
            django_session::check(src, root, &consts, &mut found);
        }
    }
    if ["result_expires", "RESULT_EXPIRES", "failure_expires"].iter().any(|k| src.text.contains(k)) {
        celery::check(src, &nodes, &consts, &mut found);
    }
    if src.text.contains("SESSION_TYPE") || src.text.contains("CACHE_TYPE") {
        flask::check(src, &nodes, &consts, &mut found);
    }
    if src.text.contains("_ttl") {
        rq::check(src, &nodes, &consts, &mut found);
    }
    // A dict reached by two paths (a named dict also placed in `CACHES`) is reported once.
    let mut seen = HashSet::new();
    for f in found {
        let key = (f.rule.clone(), format!("{:?}", f.location));
        if seen.insert(key) {
            out.push(f);
        }
    }
}

/// A literal value, as far as it can be known without running the code.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    None,
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    /// Anything else: a call, a variable, an f-string.
    Unknown,
}

impl Lit {
    /// The value as a number of seconds, when it is one (`"-1"` counts: RQ's `parse_timeout`
    /// turns strings into ints).
    fn as_f64(&self) -> Option<f64> {
        match self {
            Lit::Int(i) => Some(*i as f64),
            Lit::Float(f) => Some(*f),
            Lit::Str(s) => s.trim().parse::<i64>().ok().map(|i| i as f64),
            _ => None,
        }
    }
}

/// Module-level names bound exactly once to a literal (`RESULT_TTL = -1`), so a keyword
/// argument that names one can be read.
#[derive(Debug, Default)]
struct Constants(HashMap<String, Lit>);

impl Constants {
    fn collect(src: &Source<'_>, root: Node<'_>) -> Self {
        let mut bound: HashMap<String, Vec<Lit>> = HashMap::new();
        let mut cursor = root.walk();
        for stmt in root.named_children(&mut cursor) {
            if stmt.kind() != "expression_statement" {
                continue;
            }
            let Some(a) = stmt.named_child(0).filter(|a| a.kind() == "assignment") else {
                continue;
            };
            let Some((left, right)) = sides(a) else {
                continue;
            };
            if left.kind() == "identifier" {
                bound.entry(src.text_of(left).to_string()).or_default().push(literal(src, right, None));
            }
        }
        // Names also rebound inside functions or loops (`global`, `for x in`) are rare in
        // settings; a name bound twice at module level is treated as unknown.
        Constants(
            bound
                .into_iter()
                .filter_map(|(k, v)| match v.as_slice() {
                    [one] if *one != Lit::Unknown => Some((k, one.clone())),
                    _ => None,
                })
                .collect(),
        )
    }
}

/// How deep the recursive readers below go: real settings nest a few levels, and a hostile
/// `------1` or `a.b.c...` thousands deep must not overflow the stack.
const MAX_DEPTH: usize = 32;

/// The literal value of expression `n`; identifiers are looked up in `consts` when given.
fn literal(src: &Source<'_>, n: Node<'_>, consts: Option<&Constants>) -> Lit {
    literal_at(src, n, consts, 0)
}

fn literal_at(src: &Source<'_>, n: Node<'_>, consts: Option<&Constants>, depth: usize) -> Lit {
    if depth > MAX_DEPTH {
        return Lit::Unknown;
    }
    let literal = |c: Node<'_>| literal_at(src, c, consts, depth + 1);
    match n.kind() {
        "none" => Lit::None,
        "true" => Lit::Bool(true),
        "false" => Lit::Bool(false),
        "integer" => parse_int(src.text_of(n)).map_or(Lit::Unknown, Lit::Int),
        "float" => src.text_of(n).replace('_', "").parse::<f64>().map_or(Lit::Unknown, Lit::Float),
        "string" | "concatenated_string" => string_value(src, n).map_or(Lit::Unknown, Lit::Str),
        "parenthesized_expression" => n.named_child(0).map_or(Lit::Unknown, literal),
        "unary_operator" => {
            let op = n.child_by_field_name("operator").map(|o| src.text_of(o));
            let arg = n.child_by_field_name("argument").map(literal);
            match (op, arg) {
                (Some("-"), Some(Lit::Int(i))) => i.checked_neg().map_or(Lit::Unknown, Lit::Int),
                (Some("-"), Some(Lit::Float(f))) => Lit::Float(-f),
                (Some("+"), Some(v @ (Lit::Int(_) | Lit::Float(_)))) => v,
                _ => Lit::Unknown,
            }
        }
        "identifier" => consts.and_then(|c| c.0.get(src.text_of(n))).cloned().unwrap_or(Lit::Unknown),
        // `60 * 60 * 24 * 365`: settings often spell durations as arithmetic.
        "binary_operator" => {
            let op = n.child_by_field_name("operator").map(|o| src.text_of(o));
            let left = n.child_by_field_name("left").map(literal);
            let right = n.child_by_field_name("right").map(literal);
            match (op, left, right) {
                (Some(op), Some(a), Some(b)) => arithmetic(op, a, b),
                _ => Lit::Unknown,
            }
        }
        _ => Lit::Unknown,
    }
}

/// Python arithmetic on two number literals; overflow and division by zero are unknown.
fn arithmetic(op: &str, a: Lit, b: Lit) -> Lit {
    if let (Lit::Int(x), Lit::Int(y)) = (&a, &b) {
        let (x, y) = (*x, *y);
        let exact = match op {
            "+" => x.checked_add(y),
            "-" => x.checked_sub(y),
            "*" => x.checked_mul(y),
            "//" if y != 0 => Some(x.div_euclid(y)).filter(|_| y > 0),
            "**" => u32::try_from(y).ok().and_then(|e| x.checked_pow(e)),
            "/" => None,
            _ => return Lit::Unknown,
        };
        if let Some(v) = exact {
            return Lit::Int(v);
        }
        if op != "/" {
            return Lit::Unknown;
        }
    }
    let (Some(x), Some(y)) = (number(&a), number(&b)) else { return Lit::Unknown };
    let v = match op {
        "+" => x + y,
        "-" => x - y,
        "*" => x * y,
        "/" if y != 0.0 => x / y,
        _ => return Lit::Unknown,
    };
    if v.is_finite() { Lit::Float(v) } else { Lit::Unknown }
}

fn number(l: &Lit) -> Option<f64> {
    match l {
        Lit::Int(i) => Some(*i as f64),
        Lit::Float(f) => Some(*f),
        _ => None,
    }
}

fn parse_int(text: &str) -> Option<i64> {
    let t = text.replace('_', "");
    let lower = t.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        return i64::from_str_radix(h, 16).ok();
    }
    if let Some(o) = lower.strip_prefix("0o") {
        return i64::from_str_radix(o, 8).ok();
    }
    if let Some(b) = lower.strip_prefix("0b") {
        return i64::from_str_radix(b, 2).ok();
    }
    t.parse().ok()
}

/// The value of a plain string literal (no f-string interpolation, no bytes); escapes are kept
/// as written, which is enough to compare setting names and backend paths.
fn string_value(src: &Source<'_>, n: Node<'_>) -> Option<String> {
    let mut out = String::new();
    let mut cursor = n.walk();
    match n.kind() {
        "concatenated_string" => {
            for part in n.named_children(&mut cursor) {
                out.push_str(&string_value(src, part)?);
            }
        }
        "string" => {
            let start = n.child(0).map(|s| src.text_of(s).to_ascii_lowercase()).unwrap_or_default();
            if start.contains('b') {
                return None;
            }
            for part in n.named_children(&mut cursor) {
                match part.kind() {
                    "string_content" => out.push_str(src.text_of(part)),
                    "interpolation" => return None,
                    _ => {}
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Seconds of a number or a `timedelta(...)` literal (`days`, `hours`, `weeks`, ...); a string
/// or anything computed is unknown.
fn seconds_of(src: &Source<'_>, value: Node<'_>, consts: &Constants) -> Option<f64> {
    match literal(src, value, Some(consts)) {
        Lit::Int(n) => return Some(n as f64),
        Lit::Float(f) => return Some(f),
        _ => {}
    }
    if value.kind() != "call" || call_name(src, value) != Some("timedelta") {
        return None;
    }
    let args = value.child_by_field_name("arguments")?;
    let mut cursor = args.walk();
    let mut total = 0.0;
    // timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks)
    const POSITIONAL: [f64; 7] = [86_400.0, 1.0, 1e-6, 1e-3, 60.0, 3_600.0, 604_800.0];
    for (i, a) in args.named_children(&mut cursor).enumerate() {
        let (unit, v) = if a.kind() == "keyword_argument" {
            let name = src.text_of(a.child_by_field_name("name")?);
            let unit = match name {
                "weeks" => 604_800.0,
                "days" => 86_400.0,
                "hours" => 3_600.0,
                "minutes" => 60.0,
                "seconds" => 1.0,
                "milliseconds" => 1e-3,
                "microseconds" => 1e-6,
                _ => return None,
            };
            (unit, a.child_by_field_name("value")?)
        } else {
            (*POSITIONAL.get(i)?, a)
        };
        let n = match literal(src, v, Some(consts)) {
            Lit::Int(n) => n as f64,
            Lit::Float(f) => f,
            _ => return None,
        };
        total += n * unit;
    }
    Some(total)
}

/// The target and value of an assignment (`left = right`).
fn sides<'t>(assignment: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    Some((assignment.child_by_field_name("left")?, assignment.child_by_field_name("right")?))
}

/// The name a call is known by: `enqueue` for `q.enqueue(...)`, `Celery` for `celery.Celery(...)`.
fn call_name<'a>(src: &Source<'a>, call: Node<'_>) -> Option<&'a str> {
    let f = call.child_by_field_name("function")?;
    match f.kind() {
        "identifier" => Some(src.text_of(f)),
        "attribute" => f.child_by_field_name("attribute").map(|a| src.text_of(a)),
        _ => None,
    }
}

/// `(name node, name, value node)` of each keyword argument of a call.
fn keyword_args<'t>(src: &Source<'_>, call: Node<'t>) -> Vec<(Node<'t>, String, Node<'t>)> {
    let Some(args) = call.child_by_field_name("arguments") else {
        return Vec::new();
    };
    let mut cursor = args.walk();
    let kws: Vec<Node<'t>> =
        args.named_children(&mut cursor).filter(|k| k.kind() == "keyword_argument").collect();
    kws.into_iter()
        .filter_map(|kw| {
            let name = kw.child_by_field_name("name")?;
            let value = kw.child_by_field_name("value")?;
            Some((kw, src.text_of(name).to_string(), value))
        })
        .collect()
}

/// `(pair node, key, value node)` of each string-keyed pair of a dict literal.
fn dict_pairs<'t>(src: &Source<'_>, dict: Node<'t>) -> Vec<(Node<'t>, String, Node<'t>)> {
    let mut cursor = dict.walk();
    let pairs: Vec<Node<'t>> = dict.named_children(&mut cursor).filter(|p| p.kind() == "pair").collect();
    pairs
        .into_iter()
        .filter_map(|p| {
            let key = string_value(src, p.child_by_field_name("key")?)?;
            Some((p, key, p.child_by_field_name("value")?))
        })
        .collect()
}

/// A dotted or subscripted name as a stable path: `CACHES["default"]` and `CACHES['default']`
/// both give `CACHES[default]`. `None` for anything computed.
fn path_of(src: &Source<'_>, n: Node<'_>) -> Option<String> {
    path_at(src, n, 0)
}

fn path_at(src: &Source<'_>, n: Node<'_>, depth: usize) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match n.kind() {
        "identifier" => Some(src.text_of(n).to_string()),
        "attribute" => {
            let obj = path_at(src, n.child_by_field_name("object")?, depth + 1)?;
            Some(format!("{obj}.{}", src.text_of(n.child_by_field_name("attribute")?)))
        }
        "subscript" => {
            let value = path_at(src, n.child_by_field_name("value")?, depth + 1)?;
            let key = string_value(src, n.child_by_field_name("subscript")?)?;
            Some(format!("{value}[{key}]"))
        }
        _ => None,
    }
}

/// The block (`if` body, function body, module) a node's statement belongs to: a setting
/// overridden later in the same block is dead, one set in another branch still counts.
fn block_of(n: Node<'_>) -> usize {
    let mut cur = n.parent();
    while let Some(p) = cur {
        if matches!(p.kind(), "block" | "module") {
            return p.id();
        }
        cur = p.parent();
    }
    0
}
