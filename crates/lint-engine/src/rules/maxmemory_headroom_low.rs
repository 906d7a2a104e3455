//! `maxmemory-headroom-low`: maxmemory below the limit but leaving less than 20% of it free.
//!
//! The 80% threshold is this tool's choice, not a number from the Redis docs: it leaves room for
//! the fork during BGSAVE/AOF rewrite (copy-on-write of pages written meanwhile), replication
//! and client output buffers, and fragmentation (library-defaults.md §9.1).

use super::{HEADROOM_WHY, RECOMMENDED, Sink, describe_limit, recommended};
use crate::facts::{Instance, Maxmemory, RECOMMENDED_PERCENT, recommended_maxmemory};

pub fn check(inst: &Instance, sink: &mut Sink) {
    let Some(limit) = &inst.limit else { return };
    match &inst.maxmemory {
        Maxmemory::Set(m) if m.value > recommended_maxmemory(limit.value) && m.value < limit.value => {
            let value = recommended(inst, Some(&m.raw)).unwrap_or_default();
            let free_pct = (limit.value - m.value).saturating_mul(100) / limit.value.max(1);
            let message = format!(
                "maxmemory `{}` leaves only {free_pct}% of the memory limit {} of {} free; use `{value}` ({RECOMMENDED}: {HEADROOM_WHY}).",
                m.raw,
                describe_limit(inst),
                inst.display
            );
            let (path, span) = (m.path.clone(), m.span);
            sink.at_with_limit(&path, span, message);
        }
        Maxmemory::PercentOfLimit(p) if u64::from(p.value) > RECOMMENDED_PERCENT && p.value < 100 => {
            let (path, span) = (p.path.clone(), p.span);
            sink.at(&path, span, format!("`maxMemoryPercentOfLimit: {}` leaves less than 20% of the memory limit of {} free; use 80 ({HEADROOM_WHY}).", p.raw, inst.display));
        }
        _ => {}
    }
}
