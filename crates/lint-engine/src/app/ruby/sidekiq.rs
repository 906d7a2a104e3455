//! Sidekiq configuration in Ruby: misspelled option names, the `options` API removed in 7.0,
//! dead-set limits raised or disabled, and retry counts that keep jobs for months.
//!
//! A setting is recognised only on Sidekiq's own config object: the `Sidekiq` module,
//! `Sidekiq.default_configuration`, or the block parameter of `Sidekiq.configure_server` /
//! `configure_client` / `configure_embed`. A `config[:x]` anywhere else is someone else's hash.
//!
//! Facts (sidekiq/sidekiq at v6.4.1, v6.5.12, v7.0.0, v8.1.7): the only config keys Sidekiq
//! reads for retention are `dead_max_jobs` (10_000), `dead_timeout_in_seconds` (180 days) and
//! `max_retries` (25); see `lib/sidekiq/config.rb` `DEFAULTS` and `lib/sidekiq/job_retry.rb`.

use findings::Finding;
use tree_sitter::Node;

use super::{Pair, Value, call_parts, eval, key_name, pairs_of};
use crate::app::node::Source;
use crate::app::retention::{self, Retention};

pub(super) const OPTION_UNKNOWN: &str = "sidekiq-option-unknown";
pub(super) const OPTIONS_API_REMOVED: &str = "sidekiq-options-api-removed";
pub(super) const DEAD_LIMIT_RAISED: &str = "sidekiq-dead-limit-raised";
pub(super) const RETRY_COUNT_HIGH: &str = "sidekiq-retry-count-high";

/// Keys written in the wild that no Sidekiq version reads, with the key that was meant.
/// Sidekiq stores unknown keys without a word, so the intended limit silently does nothing.
const MISSPELLED: &[(&str, &str)] = &[
    ("dead_timeout", "dead_timeout_in_seconds"),
    ("dead_timeout_in_secs", "dead_timeout_in_seconds"),
    ("dead_timeout_seconds", "dead_timeout_in_seconds"),
    ("dead_timeout_in_second", "dead_timeout_in_seconds"),
    ("dead_ttl", "dead_timeout_in_seconds"),
    ("dead_max", "dead_max_jobs"),
    ("dead_max_job", "dead_max_jobs"),
    ("dead_jobs_max", "dead_max_jobs"),
    ("dead_jobs_limit", "dead_max_jobs"),
    ("max_dead_jobs", "dead_max_jobs"),
    ("max_retry", "max_retries"),
    ("max_retry_attempts", "max_retries"),
    ("retry_max", "max_retries"),
];

/// The dead-set limits by key (`lib/sidekiq/config.rb` `DEFAULTS` in 7.0 .. 8.1.7,
/// `lib/sidekiq.rb` in 3.4 .. 6.5).
const DEAD_LIMITS: &[(&str, &Retention)] = &[
    ("dead_max_jobs", &retention::SIDEKIQ_DEAD_MAX_JOBS),
    ("dead_timeout_in_seconds", &retention::SIDEKIQ_DEAD_TIMEOUT),
];

pub(super) fn check(src: &Source<'_>, nodes: &[Node<'_>], out: &mut Vec<Finding>) {
    for &n in nodes {
        match n.kind() {
            "assignment" => check_assignment(src, n, out),
            "call" => check_call(src, n, out),
            _ => {}
        }
    }
}

fn check_assignment(src: &Source<'_>, n: Node<'_>, out: &mut Vec<Finding>) {
    let (Some(left), Some(right)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
        return;
    };
    match left.kind() {
        // config[:key] = v, Sidekiq[:key] = v, config.options[:key] = v
        "element_reference" => {
            let Some(object) = left.child_by_field_name("object") else { return };
            if !is_config(src, object) && !is_options_call(src, object) {
                return;
            }
            let mut cursor = left.walk();
            let index = left.named_children(&mut cursor).find(|c| c.id() != object.id());
            if let Some(key) = index {
                check_setting(src, Pair { key, value: right }, out);
            }
        }
        // Sidekiq.options = { ... }
        "call" if is_options_call(src, left) && right.kind() == "hash" => {
            for p in pairs_of(right).unwrap_or_default() {
                check_setting(src, p, out);
            }
        }
        // Sidekiq.default_job_options = { "retry" => 30 }
        "call" => {
            let Some((Some(receiver), method)) = call_parts(src, left) else { return };
            if matches!(method, "default_job_options" | "default_worker_options")
                && is_sidekiq_module(src, receiver)
                && right.kind() == "hash"
            {
                for p in pairs_of(right).unwrap_or_default() {
                    if key_name(src, p.key) == Some("retry") {
                        check_retry(src, p.value, "retry", out);
                    }
                }
            }
        }
        _ => {}
    }
}

fn check_call(src: &Source<'_>, n: Node<'_>, out: &mut Vec<Finding>) {
    let Some((receiver, method)) = call_parts(src, n) else { return };
    let arguments = n.child_by_field_name("arguments");
    match method {
        "options" if is_options_call(src, n) => out.push(src.finding(
            OPTIONS_API_REMOVED,
            n,
            format!(
                "`{}` was removed in Sidekiq 7.0 (NoMethodError) and logs a deprecation warning in 6.5; use `config[:key] = value` or `config.merge!(hash)`",
                src.text_of(n)
            ),
        )),
        // config.merge!(dead_max_jobs: 5_000), Sidekiq.options.merge!(...)
        "merge!" => {
            let Some(receiver) = receiver else { return };
            if !is_config(src, receiver) && !is_options_call(src, receiver) {
                return;
            }
            for p in arguments.and_then(pairs_of).unwrap_or_default() {
                check_setting(src, p, out);
            }
        }
        // class HardJob; sidekiq_options retry: 30; end
        "sidekiq_options" if receiver.is_none_or(|r| r.kind() == "self") => {
            for p in arguments.and_then(pairs_of).unwrap_or_default() {
                if key_name(src, p.key) == Some("retry") {
                    check_retry(src, p.value, "retry", out);
                }
            }
        }
        _ => {}
    }
}

/// One `key => value` set on Sidekiq's config.
fn check_setting(src: &Source<'_>, p: Pair<'_>, out: &mut Vec<Finding>) {
    let Some(name) = key_name(src, p.key) else { return };
    match setting(name) {
        Some(Setting::Misspelled(message)) => out.push(src.finding(OPTION_UNKNOWN, p.key, message)),
        Some(Setting::DeadLimit(key, row)) => {
            if let Some(message) = eval(src, p.value).and_then(|v| dead_limit_message(key, row, v)) {
                out.push(src.finding(DEAD_LIMIT_RAISED, p.value, message));
            }
        }
        Some(Setting::MaxRetries) => check_retry(src, p.value, "max_retries", out),
        None => {}
    }
}

/// What a Sidekiq config key is, for the rules (shared with `config/sidekiq.yml`).
pub(super) enum Setting {
    /// A key no Sidekiq reads: the message naming the one meant.
    Misspelled(String),
    /// A dead-set limit: its key and retention row.
    DeadLimit(&'static str, &'static Retention),
    MaxRetries,
}

pub(super) fn setting(name: &str) -> Option<Setting> {
    if let Some((_, meant)) = MISSPELLED.iter().find(|(bad, _)| *bad == name) {
        Some(Setting::Misspelled(format!(
            "Sidekiq has no option `{name}` and ignores it without a warning; the option is `{meant}`"
        )))
    } else if let Some((key, row)) = DEAD_LIMITS.iter().find(|(key, _)| *key == name) {
        Some(Setting::DeadLimit(key, row))
    } else {
        (name == "max_retries").then_some(Setting::MaxRetries)
    }
}

/// The message for a dead-set limit set to `value`, when it is raised, disabled or nil.
pub(super) fn dead_limit_message(key: &str, row: &Retention, value: Value) -> Option<String> {
    match value {
        // Not unbounded but broken: a failure, not a retention setting.
        Value::Nil => Some(format!(
            "`{key}` = nil is not \"no limit\": Sidekiq computes with it each time a job dies and raises, so dead jobs are not recorded and death handlers do not run (default {})",
            row.default
        )),
        v => {
            let n = v.as_f64()?;
            let written = if n.is_infinite() { "Float::INFINITY".to_string() } else { format!("{n:.0}") };
            row.judge(&format!("`{key}` = {written}"), retention::Value::Number(n))
        }
    }
}

/// `retry: N` per job or `max_retries` globally: N retries wait sum(count**4 + 15) seconds
/// in total (`JobRetry#delay_for`, plus a small random jitter), during which each failing job
/// sits in the `retry` sorted set.
fn check_retry(src: &Source<'_>, value: Node<'_>, what: &str, out: &mut Vec<Finding>) {
    // Sidekiq counts only an Integer (`retry_attempts_from`); true, false or a float fall back
    // to the default or disable retries.
    let Some(Value::Int(n)) = eval(src, value) else { return };
    if let Some(message) = retry_message(n, what) {
        out.push(src.finding(RETRY_COUNT_HIGH, value, message));
    }
}

/// The message for `n` retries, when above the default.
pub(super) fn retry_message(n: i128, what: &str) -> Option<String> {
    retention::SIDEKIQ_RETRY.judge(&format!("`{what}` = {n}"), retention::Value::Number(n as f64))
}

/// The `Sidekiq` module itself.
fn is_sidekiq_module(src: &Source<'_>, n: Node<'_>) -> bool {
    matches!(n.kind(), "constant" | "scope_resolution") && matches!(src.text_of(n), "Sidekiq" | "::Sidekiq")
}

/// Sidekiq's config object: the module (6.x), `Sidekiq.default_configuration` (7+), or the
/// parameter of a `Sidekiq.configure_*` block.
fn is_config(src: &Source<'_>, n: Node<'_>) -> bool {
    match n.kind() {
        "constant" | "scope_resolution" => is_sidekiq_module(src, n),
        "call" => {
            matches!(call_parts(src, n), Some((Some(r), "default_configuration")) if is_sidekiq_module(src, r))
        }
        "identifier" => is_configure_block_param(src, n),
        _ => false,
    }
}

/// `x.options` (no arguments) on Sidekiq's config.
fn is_options_call(src: &Source<'_>, n: Node<'_>) -> bool {
    matches!(call_parts(src, n), Some((Some(r), "options")) if n.child_by_field_name("arguments").is_none() && is_config(src, r))
}

/// Whether identifier `n` is bound by the nearest enclosing block that binds its name, and
/// that block belongs to `Sidekiq.configure_server` / `configure_client` / `configure_embed`.
///
/// In a file that does not parse, tree-sitter may turn a broken block into an ERROR node that
/// holds the block parameters and follows the call: that is recognised too, so the rules still
/// run on what parsed.
fn is_configure_block_param(src: &Source<'_>, n: Node<'_>) -> bool {
    let name = src.text_of(n);
    let mut cur = n.parent();
    while let Some(p) = cur {
        let (binds, call) = match p.kind() {
            "do_block" | "block" => {
                (first_block_param(src, p.child_by_field_name("parameters")) == Some(name), p.parent())
            }
            "ERROR" => {
                let mut cursor = p.walk();
                let params = p.children(&mut cursor).find(|c| c.kind() == "block_parameters");
                (first_block_param(src, params) == Some(name), p.prev_sibling())
            }
            _ => (false, None),
        };
        if binds {
            return call.is_some_and(|call| {
                matches!(call_parts(src, call), Some((Some(r), m)) if m.starts_with("configure_") && is_sidekiq_module(src, r))
            });
        }
        cur = p.parent();
    }
    false
}

fn first_block_param<'a>(src: &Source<'a>, params: Option<Node<'_>>) -> Option<&'a str> {
    let params = params?;
    let mut cursor = params.walk();
    let first = params.named_children(&mut cursor).next()?;
    (first.kind() == "identifier").then(|| src.text_of(first))
}
