//! Spring Boot's Redis cache without an entry TTL: `spring.cache.type=redis` with no
//! `spring.cache.redis.time-to-live`, or with one that is zero or negative.
//!
//! Facts (spring-boot `CacheProperties.java` @ v2.7.18 and v3.5.0; the property is the same
//! in 4.0): `spring.cache.redis.time-to-live` is a `Duration`, "Entry expiration. By default
//! the entries never expire."; Boot's `RedisCacheConfiguration` calls `entryTtl` only when it
//! is set. Spring Data Redis' `DefaultRedisCacheWriter.shouldExpireWithin` is
//! `ttl != null && !ttl.isZero() && !ttl.isNegative()`: a zero or negative TTL writes with a
//! plain `SET`. Spring Session (`@EnableRedisHttpSession`, `spring.session.*`) expires
//! sessions after 30 minutes by default and is not this rule's business.
//!
//! Read from `application*.{properties,yml,yaml}` and `bootstrap*.*`. Profiles are files of one
//! directory (`application-prod.yml`) or documents of one file (`---`, `#---`): a TTL set in
//! any of them counts for all (precision first: the profile that is active is not known). A
//! TTL from `${...}` or the environment is not known and counts as set. Not read: Java
//! `RedisCacheManagerBuilderCustomizer` beans, which can set TTLs per cache; a project that
//! configures TTLs only in code can suppress the finding.

use findings::{Finding, Location, Severity, Span};

use super::properties;
use super::retention::{self, Value};
use crate::YamlSource;
use crate::yaml::{Doc, NodeId, NodeKind};

pub const RULE: &str = "spring-cache-redis-without-ttl";

/// The two settings, as found in one document of one config file.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    pub path: String,
    /// Directory of the file, with a trailing `/` (empty at the top).
    pub dir: String,
    /// `spring.cache.type`: value and span.
    pub cache_type: Option<(String, Span)>,
    /// `spring.cache.redis.time-to-live`: value and span.
    pub ttl: Option<(String, Span)>,
}

/// Whether `path` names a Spring Boot config file (`application.yml`, `application-prod.properties`,
/// `bootstrap.yaml`...); `Some(true)` for YAML, `Some(false)` for properties.
pub fn config_file(path: &str) -> Option<bool> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let (stem, ext) = name.rsplit_once('.')?;
    let is_boot = ["application", "bootstrap"]
        .iter()
        .any(|p| stem.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('-')));
    if !is_boot {
        return None;
    }
    match ext {
        "yml" | "yaml" => Some(true),
        "properties" => Some(false),
        _ => None,
    }
}

fn dir_of(path: &str) -> String {
    path.rfind(['/', '\\']).map_or_else(String::new, |i| path[..=i].to_string())
}

/// Spring's relaxed binding: `time-to-live`, `timeToLive` and `time_to_live` are one name.
fn canonical(key: &str) -> String {
    key.chars().filter(|c| !matches!(c, '-' | '_')).flat_map(char::to_lowercase).collect()
}

fn record(unit: &mut Unit, key: &str, value: &str, span: Span) {
    match canonical(key).as_str() {
        "spring.cache.type" => unit.cache_type = Some((value.trim().to_string(), span)),
        "spring.cache.redis.timetolive" => unit.ttl = Some((value.trim().to_string(), span)),
        _ => {}
    }
}

/// The units of an `application*.properties` file, one per `#---` document.
pub fn from_properties(path: &str, text: &str) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    for e in properties::entries(text) {
        while units.len() <= e.doc {
            units.push(Unit { path: path.to_string(), dir: dir_of(path), ..Unit::default() });
        }
        if let Some(u) = units.get_mut(e.doc) {
            record(u, &e.key, &e.value, e.value_span);
        }
    }
    units.retain(|u| u.cache_type.is_some() || u.ttl.is_some());
    units
}

/// The units of an `application*.yml` file already parsed by the YAML pipeline, one per document.
pub fn from_yaml(y: &YamlSource) -> Vec<Unit> {
    if config_file(&y.path) != Some(true) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for doc in &y.yaml.docs {
        let Some(root) = doc.root() else { continue };
        let mut unit = Unit { path: y.path.clone(), dir: dir_of(&y.path), ..Unit::default() };
        flatten(doc, root, String::new(), 0, &mut unit);
        if unit.cache_type.is_some() || unit.ttl.is_some() {
            out.push(unit);
        }
    }
    out
}

/// Walks nested maps as dotted keys (`spring: {cache.type: redis}` is `spring.cache.type`).
fn flatten(doc: &Doc, node: NodeId, prefix: String, depth: usize, unit: &mut Unit) {
    if depth > 16 {
        return;
    }
    for (k, v) in doc.entries(node) {
        let Some(key) = doc.str(k) else { continue };
        let full = if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") };
        // Only the `spring.cache` subtree matters; skip the rest cheaply.
        let c = canonical(&full);
        if !("spring.cache".starts_with(&c) || c.starts_with("spring.cache")) {
            continue;
        }
        match doc.kind(v) {
            NodeKind::Map(_) => flatten(doc, v, full, depth + 1, unit),
            NodeKind::Scalar { value, .. } => record(unit, &full, value, doc.span(v)),
            _ => {}
        }
    }
}

/// What a `time-to-live` value means.
#[derive(Debug, PartialEq, Eq)]
enum Ttl {
    /// Zero or negative: plain `SET`.
    Disabled,
    /// Positive, or not known (a placeholder).
    Set,
}

/// Reads a Boot `Duration` as `DurationStyle` does: `10m`, `600000` (milliseconds), `PT10M`.
fn ttl_of(value: &str) -> Ttl {
    let v = value.trim();
    if v.contains("${") || v.is_empty() {
        return Ttl::Set;
    }
    let lower = v.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    let negative = lower.starts_with('-');
    let digits: String = body.chars().filter(char::is_ascii_digit).collect();
    if body.starts_with('p') {
        // ISO-8601: zero when every number in it is zero.
        if negative && digits.chars().any(|c| c != '0') {
            return Ttl::Disabled;
        }
        return if digits.chars().all(|c| c == '0') { Ttl::Disabled } else { Ttl::Set };
    }
    let number: String = body.chars().take_while(char::is_ascii_digit).collect();
    let unit = &body[number.len()..];
    let known_unit = matches!(unit, "" | "ns" | "us" | "ms" | "s" | "m" | "h" | "d");
    if number.is_empty() || !known_unit {
        return Ttl::Set;
    }
    if negative || number.chars().all(|c| c == '0') { Ttl::Disabled } else { Ttl::Set }
}

fn is_redis(unit: &Unit) -> bool {
    unit.cache_type.as_ref().is_some_and(|(t, _)| t.eq_ignore_ascii_case("redis"))
}

/// Joins the units of all config files: findings per directory.
pub fn check(units: &[Unit], out: &mut Vec<Finding>) {
    let mut dirs: Vec<&str> = units.iter().map(|u| u.dir.as_str()).collect();
    dirs.sort_unstable();
    dirs.dedup();
    let severity = findings::catalog().get(RULE).map_or(Severity::Warning, |r| r.severity);
    for dir in dirs {
        let group: Vec<&Unit> = units.iter().filter(|u| u.dir == dir).collect();
        if !group.iter().any(|u| is_redis(u)) {
            continue;
        }
        let any_ttl_set = group.iter().any(|u| u.ttl.as_ref().is_some_and(|(v, _)| ttl_of(v) == Ttl::Set));
        if any_ttl_set {
            continue;
        }
        let any_ttl = group.iter().any(|u| u.ttl.is_some());
        for u in &group {
            let (written, value, span) = match (&u.ttl, &u.cache_type) {
                // A document that picks another cache type is not about Redis.
                (Some(_), Some(_)) if !is_redis(u) => continue,
                // Zero or negative (a positive one was handled above).
                (Some((value, span)), _) => {
                    (format!("spring.cache.redis.time-to-live is {value}"), Value::Number(0.0), span)
                }
                (None, Some((_, span))) if !any_ttl && is_redis(u) => (
                    "spring.cache.type is redis but spring.cache.redis.time-to-live is not set in any \
                     application*/bootstrap* config of this directory"
                        .to_string(),
                    Value::Absent,
                    span,
                ),
                _ => continue,
            };
            let row = &retention::SPRING_CACHE_TIME_TO_LIVE;
            if let Some(message) = row.judge(&written, value) {
                let identity = u.ttl.as_ref().or(u.cache_type.as_ref()).map_or("", |(v, _)| v.as_str());
                out.push(Finding::new(row.rule, severity, message, Location::file(&u.path, *span), identity));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(config_file("src/main/resources/application.yml"), Some(true));
        assert_eq!(config_file("application-prod.yaml"), Some(true));
        assert_eq!(config_file("config/bootstrap.properties"), Some(false));
        assert_eq!(config_file("applications.yml"), None);
        assert_eq!(config_file("application.json"), None);
        assert_eq!(config_file("values.yaml"), None);
    }

    #[test]
    fn durations() {
        for zero in ["0", "0s", "0ms", "PT0S", "P0D", "pt0.0s", "-1", "-5m", "-PT5M", "+0"] {
            assert_eq!(ttl_of(zero), Ttl::Disabled, "{zero}");
        }
        for set in ["10m", "600000", "PT10M", "1d", "${CACHE_TTL:0}", "5 minutes", "P1DT0H"] {
            assert_eq!(ttl_of(set), Ttl::Set, "{set}");
        }
    }

    #[test]
    fn relaxed_names() {
        assert_eq!(canonical("spring.cache.redis.timeToLive"), "spring.cache.redis.timetolive");
        assert_eq!(canonical("spring.cache.redis.time_to_live"), "spring.cache.redis.timetolive");
        assert_eq!(canonical("SPRING.CACHE.TYPE"), "spring.cache.type");
    }
}
