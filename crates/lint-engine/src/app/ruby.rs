//! Ruby rules: Sidekiq configuration (option names, the removed `options` API, dead-set and
//! retry limits) and Rails cache and session stores that keep Redis keys forever.
//!
//! Only literal values are judged: an option set from `ENV`, a variable or a method call is
//! unknown and never reported. Comments are separate tree-sitter nodes, so words in comments
//! never match.

mod rails;
mod sidekiq;
pub mod sidekiq_yml;

use findings::Finding;
use tree_sitter::Node;

use super::node::{self, Source};

/// Words that make a file worth parsing: the Sidekiq module and job DSL, and the Rails store
/// names. Most `.rb` files contain none of them.
pub const KEYWORDS: &[&str] =
    &["Sidekiq", "sidekiq_options", "redis_cache_store", "RedisCacheStore", "session_store"];

pub fn check(src: &Source<'_>, root: Node<'_>, out: &mut Vec<Finding>) {
    let nodes = node::descendants(root);
    sidekiq::check(src, &nodes, out);
    rails::check(src, &nodes, out);
}

/// The name of a hash key or symbol: `retry:`, `:retry`, `"retry"`, `'retry'`.
fn key_name<'a>(src: &Source<'a>, n: Node<'_>) -> Option<&'a str> {
    match n.kind() {
        "hash_key_symbol" | "identifier" | "constant" => Some(src.text_of(n)),
        "simple_symbol" => src.text_of(n).strip_prefix(':'),
        "string" | "delimited_symbol" => {
            // Only plain strings: one content child, no interpolation.
            let mut cursor = n.walk();
            let named: Vec<Node<'_>> = n.named_children(&mut cursor).collect();
            match named.as_slice() {
                [content] if content.kind() == "string_content" => Some(src.text_of(*content)),
                [] => Some(""),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A `key => value` or `key: value` pair of a hash or argument list.
#[derive(Debug, Clone, Copy)]
struct Pair<'t> {
    key: Node<'t>,
    value: Node<'t>,
}

impl<'t> Pair<'t> {
    /// A `pair` node's key and value.
    fn of(pair: Node<'t>) -> Option<Pair<'t>> {
        Some(Pair { key: pair.child_by_field_name("key")?, value: pair.child_by_field_name("value")? })
    }
}

/// The pairs of a hash literal or argument list, or `None` when it also holds a `**splat`
/// (whose keys cannot be known). Positional arguments are skipped.
fn pairs_of(n: Node<'_>) -> Option<Vec<Pair<'_>>> {
    let mut out = Vec::new();
    let mut cursor = n.walk();
    for child in n.named_children(&mut cursor) {
        match child.kind() {
            "pair" => out.extend(Pair::of(child)),
            "hash" => out.extend(pairs_of(child)?),
            "hash_splat_argument" | "splat_argument" => return None,
            _ => {}
        }
    }
    Some(out)
}

/// The value of the pair named `name` (one of `names`), if present.
fn find_pair<'t>(src: &Source<'_>, pairs: &[Pair<'t>], names: &[&str]) -> Option<Pair<'t>> {
    pairs.iter().copied().find(|p| key_name(src, p.key).is_some_and(|k| names.contains(&k)))
}

/// The receiver and method name of a call node.
fn call_parts<'a, 't>(src: &Source<'a>, n: Node<'t>) -> Option<(Option<Node<'t>>, &'a str)> {
    if n.kind() != "call" {
        return None;
    }
    let method = n.child_by_field_name("method")?;
    Some((n.child_by_field_name("receiver"), src.text_of(method)))
}

/// A literal value as far as it can be known without running the program.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Value {
    Int(i128),
    Float(f64),
    Nil,
}

impl Value {
    fn as_f64(self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            Value::Nil => None,
        }
    }
}

/// ActiveSupport duration methods (`30.days`) in seconds; a month and a year are the Gregorian
/// averages ActiveSupport uses (`ActiveSupport::Duration::SECONDS_PER_MONTH` / `_PER_YEAR`).
const DURATION_SECS: &[(&str, i128)] = &[
    ("second", 1),
    ("seconds", 1),
    ("minute", 60),
    ("minutes", 60),
    ("hour", 3_600),
    ("hours", 3_600),
    ("day", 86_400),
    ("days", 86_400),
    ("week", 604_800),
    ("weeks", 604_800),
    ("fortnight", 1_209_600),
    ("fortnights", 1_209_600),
    ("month", 2_629_746),
    ("months", 2_629_746),
    ("year", 31_556_952),
    ("years", 31_556_952),
];

/// Evaluates integer and float literals, `nil`, `Float::INFINITY`, arithmetic and durations.
/// Anything else (ENV, variables, method calls) is `None`: unknown, never reported.
fn eval(src: &Source<'_>, n: Node<'_>) -> Option<Value> {
    eval_depth(src, n, 0)
}

fn eval_depth(src: &Source<'_>, n: Node<'_>, depth: usize) -> Option<Value> {
    // Deeply nested input must not exhaust the stack.
    if depth > 32 {
        return None;
    }
    let sub = |c: Node<'_>| eval_depth(src, c, depth + 1);
    match n.kind() {
        "integer" => parse_int(src.text_of(n)).map(Value::Int),
        "float" => src.text_of(n).replace('_', "").parse::<f64>().ok().map(Value::Float),
        "nil" => Some(Value::Nil),
        "scope_resolution" if src.text_of(n) == "Float::INFINITY" => Some(Value::Float(f64::INFINITY)),
        "parenthesized_statements" => {
            let mut cursor = n.walk();
            let named: Vec<Node<'_>> = n.named_children(&mut cursor).collect();
            match named.as_slice() {
                [only] => sub(*only),
                _ => None,
            }
        }
        "unary" => {
            let operand = n.child_by_field_name("operand")?;
            let op = n.child_by_field_name("operator").map(|o| src.text_of(o))?;
            match (op, sub(operand)?) {
                ("-", Value::Int(i)) => Some(Value::Int(i.checked_neg()?)),
                ("-", Value::Float(f)) => Some(Value::Float(-f)),
                ("+", v @ (Value::Int(_) | Value::Float(_))) => Some(v),
                _ => None,
            }
        }
        "binary" => {
            let l = sub(n.child_by_field_name("left")?)?;
            let r = sub(n.child_by_field_name("right")?)?;
            let op = src.text_of(n.child_by_field_name("operator")?);
            arith(op, l, r)
        }
        "call" => {
            let (receiver, method) = call_parts(src, n)?;
            if n.child_by_field_name("arguments").is_some() || n.child_by_field_name("block").is_some() {
                return None;
            }
            let unit = DURATION_SECS.iter().find(|(m, _)| *m == method).map(|(_, s)| *s)?;
            arith("*", sub(receiver?)?, Value::Int(unit))
        }
        _ => None,
    }
}

fn parse_int(text: &str) -> Option<i128> {
    let t = text.replace('_', "");
    let (digits, radix) = match t.get(..2) {
        Some("0x" | "0X") => (&t[2..], 16),
        Some("0b" | "0B") => (&t[2..], 2),
        Some("0o" | "0O") => (&t[2..], 8),
        _ => (t.as_str(), 10),
    };
    i128::from_str_radix(digits, radix).ok()
}

fn arith(op: &str, l: Value, r: Value) -> Option<Value> {
    if let (Value::Int(a), Value::Int(b)) = (l, r) {
        return match op {
            "+" => a.checked_add(b),
            "-" => a.checked_sub(b),
            "*" => a.checked_mul(b),
            "/" => a.checked_div_euclid(b),
            "**" => u32::try_from(b).ok().and_then(|e| a.checked_pow(e)),
            _ => None,
        }
        .map(Value::Int);
    }
    let (a, b) = (l.as_f64()?, r.as_f64()?);
    let v = match op {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" => a / b,
        "**" => a.powf(b),
        _ => return None,
    };
    Some(Value::Float(v))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn eval_text(expr: &str) -> Option<Value> {
        let text = format!("x = {expr}\n");
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_ruby::LANGUAGE.into()).unwrap();
        let tree = parser.parse(&text, None).unwrap();
        let src = Source { path: "t.rb", text: &text };
        let assignment = tree.root_node().named_child(0).unwrap();
        eval(&src, assignment.child_by_field_name("right").unwrap())
    }

    #[test]
    fn evaluates_literals_arithmetic_and_durations() {
        assert_eq!(eval_text("1_000_000"), Some(Value::Int(1_000_000)));
        assert_eq!(eval_text("30 * 24 * 60 * 60"), Some(Value::Int(2_592_000)));
        assert_eq!(eval_text("(180 * 24) * 3600"), Some(Value::Int(15_552_000)));
        assert_eq!(eval_text("2.years"), Some(Value::Int(63_113_904)));
        assert_eq!(eval_text("1.day"), Some(Value::Int(86_400)));
        assert_eq!(eval_text("2**31"), Some(Value::Int(2_147_483_648)));
        assert_eq!(eval_text("-1"), Some(Value::Int(-1)));
        assert_eq!(eval_text("nil"), Some(Value::Nil));
        assert_eq!(eval_text("Float::INFINITY"), Some(Value::Float(f64::INFINITY)));
        assert_eq!(eval_text("1.5e6"), Some(Value::Float(1.5e6)));
        assert_eq!(eval_text("0x10"), Some(Value::Int(16)));
    }

    #[test]
    fn unknown_values_stay_unknown() {
        assert_eq!(eval_text("ENV.fetch('X', 5).to_i"), None);
        assert_eq!(eval_text("limit"), None);
        assert_eq!(eval_text("Integer(ENV['X'])"), None);
        assert_eq!(eval_text("10 ** 100"), None);
        assert_eq!(eval_text("1 / 0"), None);
    }
}
