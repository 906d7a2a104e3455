//! `memory-request-below-limit`: an explicit memory request lower than the limit.
//!
//! A missing request is fine: Kubernetes copies the limit into it. A lower request makes the
//! pod Burstable, so the scheduler packs it onto nodes that cannot hold its limit, and under
//! node memory pressure it is evicted before Guaranteed pods.

use super::Sink;
use crate::facts::{Instance, LimitOrigin};

pub fn check(inst: &Instance, sink: &mut Sink) {
    let (Some(limit), Some(request)) = (&inst.limit, &inst.request) else { return };
    if inst.limit_origin != LimitOrigin::Explicit || request.value >= limit.value {
        return;
    }
    let (path, span) = (request.path.clone(), request.span);
    sink.at(
        &path,
        span,
        format!(
            "memory request `{}` is below the limit `{}` of {}: the pod is Burstable and can be scheduled where its limit does not fit; set the request equal to the limit.",
            request.raw, limit.raw, inst.display
        ),
    );
}
