//! `maxmemory-policy-invalid`: a policy Redis does not know; Redis refuses to start.
//!
//! Valid values: redis/redis `src/config.c` `maxmemory_policy_enum[]`; `allkeys-lrm` and
//! `volatile-lrm` since Redis 8.6 (redis/docs eviction page).

use super::{EVICTING_POLICIES, Sink};
use crate::facts::{Instance, Policy};

pub fn check(inst: &Instance, sink: &mut Sink) {
    let Policy::Set(p) = &inst.policy else { return };
    if p.value == "noeviction" || EVICTING_POLICIES.contains(&p.value.as_str()) {
        return;
    }
    let guess = EVICTING_POLICIES
        .iter()
        .chain(&["noeviction"])
        .find(|v| v.replace('-', "") == p.value.replace(['_', '-', ' '], ""));
    let hint = guess.map_or_else(String::new, |g| format!(" (did you mean `{g}`?)"));
    let (path, span) = (p.path.clone(), p.span);
    sink.at(
        &path,
        span,
        format!("`{}` is not a maxmemory-policy{hint}: Redis refuses to start; use one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl.", p.raw),
    );
}
