//! Helpers for unit tests: pods written as JSON, the way the API server returns them.

use k8s_openapi::api::core::v1::{Container, Pod};

/// A pod from JSON (panics on a typo: test input).
pub(crate) fn pod(json: serde_json::Value) -> Pod {
    serde_json::from_value(json).expect("test pod JSON")
}

/// A container from JSON.
pub(crate) fn container(json: serde_json::Value) -> Container {
    serde_json::from_value(json).expect("test container JSON")
}
