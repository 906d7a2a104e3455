//! `redis-config-unresolved`: maxmemory cannot be checked because the config is elsewhere.

use super::Sink;
use crate::facts::{Instance, Maxmemory};

pub fn check(inst: &Instance, sink: &mut Sink) {
    let Maxmemory::Unknown(reason) = &inst.maxmemory else { return };
    sink.here(format!(
        "cannot check maxmemory of {}: {reason}; lint the files that hold it too (e.g. `helm template . | redis-audit lint -`).",
        inst.display
    ));
}
