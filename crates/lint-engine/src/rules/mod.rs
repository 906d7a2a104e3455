//! Rules over [`Instance`]s. One module per rule, each a `check(inst, sink)` that returns early.
//!
//! Severity defaults come from the catalog (`lint-rules/<id>.yaml`); a rule may lower it for a
//! finding (e.g. an unknown role softens the eviction rule to info).

mod eviction_on_queue;
mod helm_resources_preset;
mod maxmemory_exceeds_limit;
mod maxmemory_headroom_low;
mod maxmemory_policy_invalid;
mod maxmemory_unset;
mod memory_limit_missing;
mod memory_request_below_limit;
mod noeviction_on_cache;
mod redis_config_unresolved;

use findings::{Finding, Location, Severity, Span, catalog, units};

use crate::facts::{ConfigHint, Instance, LimitOrigin, RECOMMENDED_PERCENT, recommended_maxmemory};

/// Rule id of findings for files that cannot be parsed.
pub const PARSE_ERROR: &str = "parse-error";

type Check = fn(&Instance, &mut Sink);

/// Every instance rule, in catalog order.
pub const CHECKS: &[(&str, Check)] = &[
    ("eviction-policy-on-queue", eviction_on_queue::check),
    ("helm-resources-preset", helm_resources_preset::check),
    ("maxmemory-exceeds-limit", maxmemory_exceeds_limit::check),
    ("maxmemory-headroom-low", maxmemory_headroom_low::check),
    ("maxmemory-policy-invalid", maxmemory_policy_invalid::check),
    ("maxmemory-unset", maxmemory_unset::check),
    ("memory-limit-missing", memory_limit_missing::check),
    ("memory-request-below-limit", memory_request_below_limit::check),
    ("noeviction-on-cache", noeviction_on_cache::check),
    ("redis-config-unresolved", redis_config_unresolved::check),
];

/// Collects findings for one rule and instance.
#[derive(Debug)]
pub struct Sink<'a> {
    rule: &'static str,
    inst: &'a Instance,
    pub findings: Vec<Finding>,
}

impl<'a> Sink<'a> {
    /// Default severity of the current rule.
    pub fn severity(&self) -> Severity {
        catalog().get(self.rule).map_or(Severity::Warning, |r| r.severity)
    }

    /// A finding at `path`/`span` with the rule's default severity.
    pub fn at(&mut self, path: &str, span: Span, message: String) -> &mut Finding {
        let severity = self.severity();
        self.at_severity(path, span, severity, message)
    }

    pub fn at_severity(
        &mut self,
        path: &str,
        span: Span,
        severity: Severity,
        message: String,
    ) -> &mut Finding {
        let mut message = message;
        for note in &self.inst.notes {
            message.push_str(&format!(" (Note: {note}.)"));
        }
        let f = Finding::new(self.rule, severity, message, Location::file(path, span), &self.inst.identity);
        self.findings.push(f);
        let last = self.findings.len() - 1;
        &mut self.findings[last]
    }

    /// A finding at `path`/`span` that also points at the memory limit it is compared with
    /// (when the limit is written somewhere else).
    pub fn at_with_limit(&mut self, path: &str, span: Span, message: String) {
        let limit = self.inst.limit.as_ref().map(|l| (l.path.clone(), l.span));
        let f = self.at(path, span, message);
        if let Some((limit_path, limit_span)) = limit
            && (limit_path.as_str(), limit_span) != (path, span)
        {
            f.related.push(findings::Related {
                location: Location::file(limit_path, limit_span),
                message: "memory limit set here".into(),
            });
        }
    }

    /// A finding at the instance's anchor.
    pub fn here(&mut self, message: String) -> &mut Finding {
        let (path, span) = (self.inst.path.clone(), self.inst.anchor);
        self.at(&path, span, message)
    }
}

/// Runs every rule on `inst`.
pub fn run(inst: &Instance) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, check) in CHECKS {
        if inst.ignored_rules.iter().any(|r| r == id) {
            continue;
        }
        let mut sink = Sink { rule: id, inst, findings: Vec::new() };
        check(inst, &mut sink);
        out.append(&mut sink.findings);
    }
    out
}

/// `192Mi` plus where the limit came from, for messages.
pub fn describe_limit(inst: &Instance) -> String {
    let Some(limit) = &inst.limit else { return "no limit".into() };
    match &inst.limit_origin {
        LimitOrigin::Explicit | LimitOrigin::Unreadable => format!("`{}`", limit.raw),
        LimitOrigin::Preset { chart, preset, implicit: true } => {
            format!("{} (from {chart}'s implicit `resourcesPreset: {preset}` default)", limit.raw)
        }
        LimitOrigin::Preset { preset, .. } => format!("{} (from `resourcesPreset: {preset}`)", limit.raw),
    }
}

/// The recommended maxmemory for the instance's limit, written the way its config writes sizes.
pub fn recommended(inst: &Instance, existing_raw: Option<&str>) -> Option<String> {
    let limit = inst.limit.as_ref()?;
    let bytes = recommended_maxmemory(limit.value);
    let style = existing_raw
        .and_then(units::RedisUnitStyle::of)
        .filter(|s| *s != units::RedisUnitStyle::Bytes)
        .unwrap_or_else(|| units::redis_style_for_k8s(&limit.raw));
    Some(units::format_redis_memory(bytes, style))
}

/// "add `maxmemory 409mb` to ..." for the way this instance is configured.
pub fn how_to_set(inst: &Instance, value: &str) -> String {
    match &inst.config_hint {
        ConfigHint::Args => format!("add `--maxmemory {value}` to the container args"),
        ConfigHint::ConfLine { place } => format!("add `maxmemory {value}` to {place}"),
        ConfigHint::ValuesKey { key } => format!("set `{key}: {value}`"),
        ConfigHint::OperatorField { field } => format!(
            "put `maxmemory {value}` in the `redis-additional.conf` key of the `additionalRedisConfig` ConfigMap (`{field}: {RECOMMENDED_PERCENT}` works only with the operator's `GenerateConfigInInitContainer` feature gate)"
        ),
    }
}

/// How the recommendation is phrased.
pub const RECOMMENDED: &str = "80% of the limit";

/// Why ~20% of the limit must stay free, shared by the maxmemory rules.
pub const HEADROOM_WHY: &str = "the rest is needed for fork copy-on-write during BGSAVE/AOF rewrite, replication and client output buffers, and allocator fragmentation, none of which maxmemory counts";

/// Policies that evict keys (all but `noeviction`). `*-lrm` exist since Redis 8.6.
pub const EVICTING_POLICIES: &[&str] = &[
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "allkeys-lrm",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
    "volatile-lrm",
];
