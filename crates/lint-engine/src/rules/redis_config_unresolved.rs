//! `redis-config-unresolved`: maxmemory cannot be checked because the config is elsewhere.

use super::Sink;
use crate::facts::{Instance, Maxmemory};

pub fn check(inst: &Instance, sink: &mut Sink) {
    match &inst.maxmemory {
        Maxmemory::Unknown(reason) => {
            sink.here(format!(
                "cannot check maxmemory of {}: {reason}; lint the files that hold it too (e.g. `helm template . | redis-audit lint -`).",
                inst.display
            ));
        }
        // OT-CONTAINER-KIT/redis-operator (>= v0.21.0) only turns the percentage into a
        // `maxmemory` line in its init container, behind the `GenerateConfigInInitContainer`
        // feature gate, which is off by default (internal/features/features.go); the default
        // image's entrypoint ignores REDIS_MAX_MEMORY.
        Maxmemory::PercentOfLimit(p) => {
            let (path, span) = (p.path.clone(), p.span);
            sink.at(
                &path,
                span,
                format!(
                    "cannot confirm maxmemory of {}: `maxMemoryPercentOfLimit` only takes effect when the operator runs with the `GenerateConfigInInitContainer` feature gate (off by default); otherwise Redis has no maxmemory; also put a `maxmemory` line in the `additionalRedisConfig` ConfigMap, or check the live value with `kubectl redis-audit`.",
                    inst.display
                ),
            );
        }
        _ => {}
    }
}
