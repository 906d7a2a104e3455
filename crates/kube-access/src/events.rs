//! OOM evidence from the pod's events: the kubelet's `OOMKilling` (a process in the container
//! was killed by the kernel even if the container survived), `OOMKilled`, anything saying
//! "out of memory", and memory-related `Evicted` / `BackOff`.
//!
//! Events are kept for an hour by default, so an empty list proves nothing; the container's
//! last termination in [`crate::RedisPod`] is the durable evidence.

use k8s_openapi::api::core::v1::Event;
use kube::Api;
use kube::api::ListParams;

use crate::client::Cluster;
use crate::error::{KubeError, Operation, one_line};
use crate::pod::RedisPod;

/// One memory-related event of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodEvent {
    /// `OOMKilling`, `Evicted`, `BackOff`, ...
    pub reason: String,
    /// The message, on one line.
    pub message: String,
    /// How many times it happened (1 when the server does not say).
    pub count: u32,
    /// RFC 3339 time it was last seen.
    pub last_seen: Option<String>,
}

/// Lists the pod's events (`fieldSelector involvedObject.name=…,involvedObject.namespace=…`)
/// and keeps the memory-related ones, oldest first. Needs `list events`.
pub async fn oom_events(cluster: &Cluster, pod: &RedisPod) -> Result<Vec<PodEvent>, KubeError> {
    let api: Api<Event> = Api::namespaced(cluster.client.clone(), &pod.namespace);
    let fields = format!("involvedObject.name={},involvedObject.namespace={}", pod.name, pod.namespace);
    let list = api
        .list(&ListParams::default().fields(&fields))
        .await
        .map_err(|e| cluster.errors(Operation::list("events", Some(&pod.namespace))).map(e))?;
    let mut events: Vec<PodEvent> = list
        .items
        .iter()
        // A server that ignores the field selector must not give us other pods' events.
        .filter(|e| e.involved_object.name.as_deref() == Some(pod.name.as_str()))
        .filter_map(|e| memory_event(e, pod.oom_killed))
        .collect();
    events.sort_by(|a, b| a.last_seen.cmp(&b.last_seen));
    Ok(events)
}

/// The event as a [`PodEvent`] if it is about memory. `BackOff` counts when the message says
/// memory or the container's last termination was an OOM kill (the crash loop is the OOM loop).
pub(crate) fn memory_event(e: &Event, oom_killed: bool) -> Option<PodEvent> {
    let reason = e.reason.clone().unwrap_or_default();
    let message = one_line(e.message.as_deref().unwrap_or(""));
    let lower = message.to_ascii_lowercase();
    let says_oom = message.contains("OOM") || lower.contains("out of memory") || lower.contains("oomkill");
    let says_memory = says_oom || lower.contains("memory");
    let keep = match reason.as_str() {
        "OOMKilling" | "OOMKilled" | "SystemOOM" => true,
        "Evicted" | "Preempting" => says_memory,
        "BackOff" => says_memory || oom_killed,
        _ => says_oom,
    };
    if !keep {
        return None;
    }
    let last_seen = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.to_string())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.to_string()))
        .or_else(|| e.first_timestamp.as_ref().map(|t| t.0.to_string()));
    let count =
        e.series.as_ref().and_then(|s| s.count).or(e.count).and_then(|c| u32::try_from(c).ok()).unwrap_or(1);
    Some(PodEvent { reason, message, count, last_seen })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(reason: &str, message: &str) -> Event {
        serde_json::from_value(json!({
            "metadata": {"name": "e"}, "involvedObject": {"name": "p"},
            "reason": reason, "message": message, "count": 3, "lastTimestamp": "2026-01-02T03:04:05Z"
        }))
        .unwrap()
    }

    #[test]
    fn keeps_oom_events() {
        let e = memory_event(
            &event("OOMKilling", "Memory cgroup out of memory: Killed process 1234 (redis-server)"),
            false,
        )
        .unwrap();
        assert_eq!(e.reason, "OOMKilling");
        assert_eq!(e.count, 3);
        assert_eq!(e.last_seen.as_deref(), Some("2026-01-02T03:04:05Z"));
        assert!(memory_event(&event("Killing", "Container redis was OOMKilled"), false).is_some());
        assert!(
            memory_event(
                &event("Evicted", "The node was low on resource: memory. Threshold quantity: 100Mi"),
                false
            )
            .is_some()
        );
        assert!(
            memory_event(&event("BackOff", "Back-off restarting failed container redis"), true).is_some()
        );
    }

    #[test]
    fn drops_the_rest() {
        assert!(
            memory_event(&event("BackOff", "Back-off restarting failed container redis"), false).is_none()
        );
        assert!(
            memory_event(&event("Evicted", "The node was low on resource: ephemeral-storage."), false)
                .is_none()
        );
        assert!(
            memory_event(&event("Pulled", "Successfully pulled image \"redis:7\" (room for zoom)"), false)
                .is_none()
        );
        assert!(memory_event(&event("Scheduled", "Successfully assigned apps/r to node-a"), false).is_none());
    }
}
