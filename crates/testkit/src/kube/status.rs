//! `metav1.Status` error bodies, worded as the real API server words them
//! (k8s.io/apimachinery `pkg/api/errors/errors.go`), so clients print the same messages.

use serde_json::{Value, json};

/// An error response: HTTP status code and its `Status` body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) code: u16,
    pub(crate) body: Value,
}

fn status(code: u16, reason: &str, message: String, details: Option<Value>) -> ApiError {
    let mut body = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let (Some(d), Some(obj)) = (details, body.as_object_mut()) {
        obj.insert("details".into(), d);
    }
    ApiError { code, body }
}

/// `NewNotFound`: `pods "x" not found`.
pub(crate) fn not_found(resource: &str, name: &str) -> ApiError {
    status(
        404,
        "NotFound",
        format!("{resource} {name:?} not found"),
        Some(json!({"name": name, "kind": resource})),
    )
}

/// The 404 for a path no resource lives at (`NewGenericServerResponse` with no details).
pub(crate) fn no_such_path() -> ApiError {
    status(404, "NotFound", "the server could not find the requested resource".into(), Some(json!({})))
}

/// `NewForbidden`: `pods "x" is forbidden: <reason>`, or `pods is forbidden: ...` for lists.
pub(crate) fn forbidden(resource: &str, name: Option<&str>, reason: &str) -> ApiError {
    let (message, details) = match name {
        Some(n) => (format!("{resource} {n:?} is forbidden: {reason}"), json!({"name": n, "kind": resource})),
        None => (format!("{resource} is forbidden: {reason}"), json!({"kind": resource})),
    };
    status(403, "Forbidden", message, Some(details))
}

/// What an API server answers a bad or expired token with.
pub(crate) fn unauthorized() -> ApiError {
    status(401, "Unauthorized", "Unauthorized".into(), None)
}

pub(crate) fn bad_request(message: String) -> ApiError {
    status(400, "BadRequest", message, None)
}

pub(crate) fn method_not_allowed(message: String) -> ApiError {
    status(405, "MethodNotAllowed", message, Some(json!({})))
}
