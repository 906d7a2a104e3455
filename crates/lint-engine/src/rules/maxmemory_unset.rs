//! `maxmemory-unset`: a memory limit but no `maxmemory` (or `maxmemory 0`).
//!
//! Redis does not read the cgroup limit; without maxmemory it never evicts or rejects writes and
//! is OOM-killed instead (library-defaults.md §1).

use findings::Severity;

use super::{HEADROOM_WHY, Sink, describe_limit, how_to_set, recommended};
use crate::facts::{Instance, Maxmemory};

pub fn check(inst: &Instance, sink: &mut Sink) {
    let zero = match &inst.maxmemory {
        Maxmemory::Unset => None,
        Maxmemory::Set(m) if m.value == 0 => Some(m),
        _ => return,
    };
    let what = if zero.is_some() { "`maxmemory 0` (no limit)" } else { "no maxmemory" };
    if !inst.has_container() {
        let (path, span) = zero.map_or((inst.path.clone(), inst.anchor), |m| (m.path.clone(), m.span));
        sink.at_severity(
            &path,
            span,
            Severity::Warning,
            format!("{} sets {what}: Redis grows until the host or container runs out of memory; set maxmemory to about 80% of the memory available to it.", inst.display),
        );
        return;
    }
    if inst.limit.is_none() {
        return;
    }
    let value = recommended(inst, zero.map(|m| m.raw.as_str())).unwrap_or_default();
    let message = format!(
        "{} has a memory limit of {} but {what}: Redis will grow past the limit and be OOM-killed instead of evicting or rejecting writes; {} (80% of the limit: {HEADROOM_WHY}).",
        inst.display,
        describe_limit(inst),
        how_to_set(inst, &value),
    );
    let (path, span) = zero.map_or((inst.path.clone(), inst.anchor), |m| (m.path.clone(), m.span));
    sink.at_with_limit(&path, span, message);
}
