//! `config/sidekiq.yml`, Sidekiq's own config file: the same option names, dead-set limits and
//! `max_retries` as the Ruby rules ([`super::sidekiq`]), at the YAML key or value.
//!
//! How Sidekiq reads it (`Sidekiq::CLI#parse_config`, identical in v6.4.1, v7.0.0 and v8.1.7):
//! the file goes through ERB, then `YAML.safe_load(..., permitted_classes: [Symbol])`, then
//! `deep_symbolize_keys!`, so `:dead_max_jobs:` (a Symbol key) and `dead_max_jobs:` are the same
//! option; the map under the current environment's name (`production:`) is merged over the top
//! level; the result is `merge!`d into the config, unknown keys included. Only `sidekiq.yml` /
//! `sidekiq.yaml` are read: the CLI finds `config/sidekiq.yml` by itself, other names need `-C`.
//!
//! Must not: judge a value ERB computes, a quoted string, or anything nested deeper than an
//! environment section.

use findings::{Finding, Location, Severity, Span};
use granit_parser::ScalarStyle;

use super::Value;
use super::sidekiq::{
    DEAD_LIMIT_RAISED, OPTION_UNKNOWN, RETRY_COUNT_HIGH, Setting, dead_limit_message, retry_message, setting,
};
use crate::YamlSource;
use crate::yaml::{Doc, NodeId, NodeKind};

/// Top-level maps that are options of their own (Sidekiq 7 capsules, sidekiq-scheduler and
/// sidekiq-cron schedules), not environment sections.
const NOT_ENVIRONMENTS: &[&str] = &["capsules", "scheduler", "schedule", "cron", "labels", "queues"];

/// Whether `path` names Sidekiq's config file.
pub fn is_sidekiq_yml(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    matches!(name, "sidekiq.yml" | "sidekiq.yaml")
}

pub fn check(y: &YamlSource) -> Vec<Finding> {
    let mut out = Vec::new();
    if !is_sidekiq_yml(&y.path) {
        return out;
    }
    for doc in &y.yaml.docs {
        let Some(root) = doc.root() else { continue };
        for (k, v) in doc.entries(root) {
            let Some(key) = doc.str(k) else { continue };
            let name = symbol_name(key);
            if doc.is_map(v) {
                if !NOT_ENVIRONMENTS.contains(&name) {
                    for (ek, ev) in doc.entries(v) {
                        check_entry(y, doc, ek, ev, &format!("{name}."), &mut out);
                    }
                }
                continue;
            }
            check_entry(y, doc, k, v, "", &mut out);
        }
    }
    out
}

/// `:dead_max_jobs` and `dead_max_jobs` are the same key after `deep_symbolize_keys!`.
fn symbol_name(key: &str) -> &str {
    key.strip_prefix(':').unwrap_or(key)
}

fn check_entry(y: &YamlSource, doc: &Doc, k: NodeId, v: NodeId, section: &str, out: &mut Vec<Finding>) {
    let Some(key) = doc.str(k) else { return };
    let name = symbol_name(key);
    let identity = format!("{section}{name}");
    match setting(name) {
        Some(Setting::Misspelled(message)) => {
            out.push(finding(y, OPTION_UNKNOWN, doc.span(k), message, &identity))
        }
        Some(Setting::DeadLimit(key, row)) => {
            if let Some(message) = value(doc, v).and_then(|x| dead_limit_message(key, row, x)) {
                out.push(finding(y, DEAD_LIMIT_RAISED, value_span(doc, k, v), message, &identity));
            }
        }
        Some(Setting::MaxRetries) => {
            if let Some(Value::Int(n)) = value(doc, v)
                && let Some(message) = retry_message(n, "max_retries")
            {
                out.push(finding(y, RETRY_COUNT_HIGH, value_span(doc, k, v), message, &identity));
            }
        }
        None => {}
    }
}

/// An empty value has an empty span: point at the key instead.
fn value_span(doc: &Doc, k: NodeId, v: NodeId) -> Span {
    let span = doc.span(v);
    if span.end > span.start { span } else { doc.span(k) }
}

fn finding(y: &YamlSource, rule: &str, span: Span, message: String, identity: &str) -> Finding {
    let severity = findings::catalog().get(rule).map_or(Severity::Warning, |r| r.severity);
    Finding::new(rule, severity, message, Location::file(&y.path, span), identity)
}

/// A plain scalar as Psych reads it: null, `.inf`, an integer (`_` separators allowed) or a
/// decimal float. Quoted strings, ERB output and anything else are not judged.
fn value(doc: &Doc, v: NodeId) -> Option<Value> {
    let NodeKind::Scalar { value, style: ScalarStyle::Plain } = doc.kind(v) else { return None };
    let t = value.trim();
    if doc.is_null(v) {
        return Some(Value::Nil);
    }
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    // Psych: `/^\.inf$/i` and `/^-\.inf$/i` (`+.inf` stays a string).
    if body.eq_ignore_ascii_case(".inf") && !t.starts_with('+') {
        return Some(Value::Float(if negative { f64::NEG_INFINITY } else { f64::INFINITY }));
    }
    let b = body.as_bytes();
    let first_digit = b.first().is_some_and(u8::is_ascii_digit);
    // Psych's integers allow `_` only between digits (`1_000`).
    let underscores_ok =
        b.iter().enumerate().all(|(i, &c)| c != b'_' || b.get(i + 1).is_some_and(u8::is_ascii_digit));
    if !first_digit || !underscores_ok || !b.iter().all(|&c| c.is_ascii_digit() || c == b'_' || c == b'.') {
        return None;
    }
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    let sign = if negative { -1.0 } else { 1.0 };
    if digits.contains('.') {
        return digits.parse::<f64>().ok().map(|f| Value::Float(sign * f));
    }
    // A leading 0 is octal in YAML 1.1: not judged.
    if digits.len() > 1 && digits.starts_with('0') {
        return None;
    }
    let n: i128 = digits.parse().ok()?;
    Some(Value::Int(if negative { -n } else { n }))
}
