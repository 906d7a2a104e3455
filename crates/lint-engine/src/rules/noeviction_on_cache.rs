//! `noeviction-on-cache`: a cache Redis that rejects writes instead of evicting when full.
//!
//! Rails recommends an `allkeys-*` policy for `:redis_cache_store` ("allkeys-lfu is a good
//! default", rails/rails guides/source/caching_with_rails.md); with `noeviction` a full cache
//! answers `OOM command not allowed` to every write.

use super::Sink;
use crate::facts::{Instance, Maxmemory, Policy, Role};

pub fn check(inst: &Instance, sink: &mut Sink) {
    if inst.role.role != Role::Cache || inst.policy.value() != Some("noeviction") {
        return;
    }
    let bounded = match &inst.maxmemory {
        Maxmemory::Set(m) => m.value > 0,
        Maxmemory::PercentOfLimit(_) => true,
        _ => false,
    };
    if !bounded {
        return;
    }
    let origin = match &inst.policy {
        Policy::Default { origin, .. } => format!(" ({origin})"),
        _ => String::new(),
    };
    let message = format!(
        "{} is a cache ({}) but `maxmemory-policy` is `noeviction`{origin}: when full it rejects every write with `OOM command not allowed` instead of evicting old entries; use `allkeys-lfu` or `allkeys-lru`.",
        inst.display, inst.role.evidence
    );
    let (path, span) = match &inst.policy {
        Policy::Set(p) => (p.path.clone(), p.span),
        _ => (inst.path.clone(), inst.anchor),
    };
    sink.at(&path, span, message);
}
