//! `helm-resources-preset`: memory sized by a Bitnami `resourcesPreset`.
//!
//! bitnami/redis >= 19.0.0 and every bitnami/valkey release default to `resourcesPreset: nano`
//! (192Mi limit, 128Mi request), which the chart README says is "not meant for production".

use super::Sink;
use crate::facts::{Instance, LimitOrigin};

pub fn check(inst: &Instance, sink: &mut Sink) {
    let LimitOrigin::Preset { chart, preset, implicit } = &inst.limit_origin else { return };
    let (Some(limit), Some(request)) = (&inst.limit, &inst.request) else { return };
    let how = if *implicit {
        format!("the implicit `resourcesPreset: {preset}` default of {chart}")
    } else {
        format!("`resourcesPreset: {preset}`")
    };
    let (path, span) = (limit.path.clone(), limit.span);
    sink.at(
        &path,
        span,
        format!(
            "memory of {} comes from {how}: a {} limit with a {} request, which Bitnami marks as not meant for production; set `resources` with equal memory request and limit sized for the data.",
            inst.display, limit.raw, request.raw
        ),
    );
}
