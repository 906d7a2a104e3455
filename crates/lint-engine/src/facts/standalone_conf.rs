//! redis.conf files (and ConfigMap redis.conf entries) that no scanned workload mounts: linted
//! on their own, without a container limit to compare with.

use findings::Span;

use super::{
    ConfigHint, Instance, InstanceKind, LimitOrigin, role,
    settings::{Assign, REDIS_DEFAULT_POLICY, settle},
};
use crate::redis_conf::{self, OffsetMap};

/// An instance for a config text at `path`; `name` is the file or ConfigMap name.
pub fn instance(path: &str, name: &str, text: &str, map: &OffsetMap, anchor: Span) -> Instance {
    let directives = redis_conf::parse(text, map);
    let assigns: Vec<Assign> = directives.iter().map(|d| Assign::from_directive(d, path)).collect();
    let (maxmemory, policy) = settle(&assigns, &[], REDIS_DEFAULT_POLICY);
    // The file name and its directory name only: an absolute checkout path (`/builds/ci-jobs/`)
    // must not decide the role.
    let parent = path.rsplit('/').nth(1).unwrap_or("");
    let names = vec![name.to_string(), parent.to_string()];
    Instance {
        kind: InstanceKind::ConfFile,
        identity: name.to_string(),
        display: format!("`{name}`"),
        path: path.to_string(),
        anchor,
        limit: None,
        limit_origin: LimitOrigin::Explicit,
        request: None,
        maxmemory,
        policy,
        config_hint: ConfigHint::ConfLine { place: format!("`{name}`") },
        role: role::from_names(&names),
        names,
        unresolved_config: Vec::new(),
        ignored_rules: Vec::new(),
        notes: Vec::new(),
    }
}
