//! `memory-limit-missing`: a Redis container without a memory limit.

use super::Sink;
use crate::facts::{Instance, LimitOrigin, Maxmemory};

pub fn check(inst: &Instance, sink: &mut Sink) {
    if !inst.has_container() || inst.limit.is_some() || inst.limit_origin == LimitOrigin::Unreadable {
        return;
    }
    let unbounded = match &inst.maxmemory {
        Maxmemory::Unset => " and no maxmemory, so it grows until the node runs out of memory",
        Maxmemory::Set(m) if m.value == 0 => {
            " and `maxmemory 0` (no limit), so it grows until the node runs out of memory"
        }
        _ => "",
    };
    let preset = match &inst.limit_origin {
        LimitOrigin::Preset { preset, .. } => format!(" (`resourcesPreset: {preset}` sets none)"),
        LimitOrigin::Explicit | LimitOrigin::Unreadable => String::new(),
    };
    sink.here(format!(
        "{} has no memory limit{preset}{unbounded}; set `resources.limits.memory`.",
        inst.display
    ));
}
