//! `eviction-policy-on-queue`: an evicting `maxmemory-policy` on a Redis that holds queues.
//!
//! Sidekiq (>= 6.1.3, `lib/sidekiq/cli.rb`) warns at boot for anything but `noeviction`; BullMQ
//! calls `noeviction` "the only setting that guarantees the correct behavior of the queues"
//! (`docs/gitbook/guide/going-to-production.md`). `volatile-*` is not safe either: BullMQ job
//! locks and Sidekiq heartbeats carry TTLs. With maxmemory unset nothing is ever evicted, so
//! the policy does not matter yet (maxmemory-unset reports that).

use findings::Severity;

use super::{EVICTING_POLICIES, Sink};
use crate::facts::{Instance, Maxmemory, Policy, Role};

pub fn check(inst: &Instance, sink: &mut Sink) {
    let Some(policy) = inst.policy.value() else { return };
    if !EVICTING_POLICIES.contains(&policy) {
        return;
    }
    let evicts = match &inst.maxmemory {
        Maxmemory::Set(m) => m.value > 0,
        Maxmemory::PercentOfLimit(_) => true,
        Maxmemory::Unset | Maxmemory::Unknown(_) => false,
    };
    if !evicts {
        return;
    }
    let (severity, lead) = match inst.role.role {
        Role::Queue => (Severity::Error, format!("{} holds queues ({})", inst.display, inst.role.evidence)),
        Role::Mixed => {
            (Severity::Warning, format!("{} may hold queues ({})", inst.display, inst.role.evidence))
        }
        Role::Unknown => (Severity::Info, format!("the role of {} is unknown", inst.display)),
        Role::Cache | Role::Sessions => return,
    };
    let origin = match &inst.policy {
        Policy::Default { origin, .. } => format!(" ({origin})"),
        _ => String::new(),
    };
    let message = if inst.role.role == Role::Unknown {
        format!(
            "{lead} and its `maxmemory-policy` is `{policy}`{origin}: if it holds Sidekiq, BullMQ, Celery or RQ data, eviction silently drops jobs and locks; use `noeviction` for a queue, or state the role in `.redis-audit.yaml` (`roles:`) or the `redis-audit.io/role` annotation."
        )
    } else {
        format!(
            "{lead}, but `maxmemory-policy` is `{policy}`{origin}: eviction silently drops jobs, locks and heartbeats under memory pressure; use `noeviction` (Sidekiq and BullMQ require it)."
        )
    };
    let (path, span) = match &inst.policy {
        Policy::Set(p) => (p.path.clone(), p.span),
        _ => (inst.path.clone(), inst.anchor),
    };
    sink.at_severity(&path, span, severity, message);
}
