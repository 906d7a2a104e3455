//! `maxmemory-exceeds-limit`: maxmemory at or above the container memory limit.

use super::{HEADROOM_WHY, RECOMMENDED, Sink, describe_limit, recommended};
use crate::facts::{Instance, Maxmemory};

pub fn check(inst: &Instance, sink: &mut Sink) {
    let Some(limit) = &inst.limit else { return };
    match &inst.maxmemory {
        Maxmemory::Set(m) if m.value > 0 && m.value >= limit.value => {
            let value = recommended(inst, Some(&m.raw)).unwrap_or_default();
            let message = format!(
                "maxmemory `{}` is at or above the memory limit {} of {}: the kernel OOM-kills Redis before maxmemory is ever reached; use `{value}` ({RECOMMENDED}: {HEADROOM_WHY}).",
                m.raw,
                describe_limit(inst),
                inst.display
            );
            let (path, span) = (m.path.clone(), m.span);
            sink.at_with_limit(&path, span, message);
        }
        Maxmemory::PercentOfLimit(p) if p.value >= 100 => {
            let (path, span) = (p.path.clone(), p.span);
            sink.at(&path, span, format!("`maxMemoryPercentOfLimit: {}` makes maxmemory equal to the memory limit of {}: the kernel OOM-kills Redis before maxmemory is reached; use 80 ({HEADROOM_WHY}).", p.raw, inst.display));
        }
        _ => {}
    }
}
