//! Routing and answers: authentication, authorization, discovery, get and list with
//! selectors and pagination. Everything is JSON; the `Accept` header is ignored, which is
//! what makes kubectl fall back from aggregated discovery and from server-side `as=Table`
//! printing (kubernetes/kubectl `pkg/cmd/get/get.go` prints a plain list client-side).

use std::{convert::Infallible, sync::Arc};

use http_body_util::Full;
use hyper::{
    Request, Response, StatusCode,
    body::{Bytes, Incoming},
    header,
};
use serde_json::{Value, json};

use super::{
    LoggedRequest, Shared,
    authz::{denied_verb, forbidden_reason},
    discovery,
    encoding::{base64_decode, base64_encode, query_pairs},
    portforward,
    selectors::{FieldSelector, LabelSelector},
    state::Resource,
    status::{self, ApiError},
};

pub(crate) type Body = Full<Bytes>;

/// The user every valid token authenticates as.
pub(crate) const USER: &str = "test";

/// What a path addresses.
#[derive(Debug, Clone, PartialEq)]
enum Route {
    Version,
    Api,
    Apis,
    ApiV1,
    Collection { res: Resource, namespace: Option<String> },
    Object { res: Resource, namespace: Option<String>, name: String },
    PortForward { namespace: String, name: String },
    Unknown,
}

impl Route {
    fn parse(path: &str) -> Route {
        let segs: Vec<String> =
            path.trim_end_matches('/').split('/').skip(1).map(super::encoding::percent_decode).collect();
        let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
        let res = |r: &str| Resource::from_plural(r);
        match segs.as_slice() {
            ["version"] => Route::Version,
            ["api"] => Route::Api,
            ["apis"] => Route::Apis,
            ["api", "v1"] => Route::ApiV1,
            ["api", "v1", r] => match res(r) {
                Some(res) => Route::Collection { res, namespace: None },
                None => Route::Unknown,
            },
            ["api", "v1", "namespaces", ns] => {
                Route::Object { res: Resource::Namespaces, namespace: None, name: (*ns).to_string() }
            }
            ["api", "v1", "namespaces", ns, r] => match res(r) {
                Some(res) if res.is_namespaced() => {
                    Route::Collection { res, namespace: Some((*ns).to_string()) }
                }
                _ => Route::Unknown,
            },
            ["api", "v1", "namespaces", ns, r, name] => match res(r) {
                Some(res) if res.is_namespaced() => {
                    Route::Object { res, namespace: Some((*ns).to_string()), name: (*name).to_string() }
                }
                _ => Route::Unknown,
            },
            ["api", "v1", "namespaces", ns, "pods", name, "portforward"] => {
                Route::PortForward { namespace: (*ns).to_string(), name: (*name).to_string() }
            }
            _ => Route::Unknown,
        }
    }

    /// (resource as RBAC names it, namespace attribute, name) for authorization and the log.
    fn attributes(&self) -> (Option<String>, Option<String>, Option<String>) {
        match self {
            Route::Collection { res, namespace } => (Some(res.plural().into()), namespace.clone(), None),
            // The API server authorizes `GET /api/v1/namespaces/x` in namespace x.
            Route::Object { res: Resource::Namespaces, name, .. } => {
                (Some("namespaces".into()), Some(name.clone()), Some(name.clone()))
            }
            Route::Object { res, namespace, name } => {
                (Some(res.plural().into()), namespace.clone(), Some(name.clone()))
            }
            Route::PortForward { namespace, name } => {
                (Some("pods/portforward".into()), Some(namespace.clone()), Some(name.clone()))
            }
            _ => (None, None, None),
        }
    }

    /// The verb as kube-apiserver's RequestInfoFactory derives it.
    fn verb(&self, method: &str, params: &[(String, String)]) -> Option<String> {
        let watch = params.iter().any(|(k, v)| k == "watch" && (v == "true" || v == "1"));
        let is_collection = matches!(self, Route::Collection { .. });
        let verb = match (method, self) {
            (_, Route::Unknown | Route::Version | Route::Api | Route::Apis | Route::ApiV1) => return None,
            ("GET", Route::PortForward { .. }) => "get",
            ("GET", _) if watch => "watch",
            ("GET", _) if is_collection => "list",
            ("GET", _) => "get",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", _) if is_collection => "deletecollection",
            ("DELETE", _) => "delete",
            (other, _) => return Some(other.to_ascii_lowercase()),
        };
        Some(verb.to_string())
    }
}

/// Serves one request and records it.
pub(crate) async fn serve(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let params = query_pairs(&query);
    let route = Route::parse(&path);
    let verb = route.verb(&method, &params);
    let (resource, namespace, name) = route.attributes();
    let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let has_token =
        authorization.and_then(|a| a.strip_prefix("Bearer ")).is_some_and(|t| t.trim() == shared.token);
    let response = respond(&shared, req, &route, verb.as_deref(), &params);
    shared.log(LoggedRequest {
        method,
        path,
        query,
        resource,
        verb,
        namespace,
        name,
        status: response.status().as_u16(),
        has_token,
    });
    Ok(response)
}

fn respond(
    shared: &Arc<Shared>,
    mut req: Request<Incoming>,
    route: &Route,
    verb: Option<&str>,
    params: &[(String, String)],
) -> Response<Body> {
    if !shared.is_authenticated(req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())) {
        return error(status::unauthorized());
    }
    let (resource, namespace, name) = route.attributes();
    if let (Some(resource), Some(verb)) = (&resource, verb) {
        // A port-forward upgrade is a GET, authorized as `get`; kubectl's SPDY fallback is a
        // POST, authorized as `create`; Kubernetes 1.35+ also requires `create` for the
        // WebSocket (AuthorizePodWebsocketUpgradeCreatePermission). Deny if either is withheld.
        let verbs: Vec<&str> =
            if matches!(route, Route::PortForward { .. }) { vec![verb, "create"] } else { vec![verb] };
        if let Some(denied) = denied_verb(&shared.forbidden(), namespace.as_deref(), resource, &verbs) {
            let kind = resource.split('/').next().unwrap_or(resource);
            let reason = forbidden_reason(USER, denied, resource, namespace.as_deref());
            return error(status::forbidden(kind, name.as_deref(), &reason));
        }
    }
    let method = req.method().clone();
    let result = match route {
        Route::PortForward { namespace, name } => {
            return portforward::handle(shared, &mut req, namespace, name, params);
        }
        Route::Unknown => Err(status::no_such_path()),
        _ if method != hyper::Method::GET => Err(status::method_not_allowed(format!(
            "the test API server is read-only: {method} is not supported (only GET and port-forward)"
        ))),
        Route::Version => Ok(discovery::version()),
        Route::Api => Ok(discovery::api_versions(shared.port)),
        Route::Apis => Ok(discovery::api_groups()),
        Route::ApiV1 => Ok(discovery::core_v1_resources()),
        _ if verb == Some("watch") => {
            Err(status::method_not_allowed("the test API server does not support watch".into()))
        }
        Route::Collection { res, namespace } => list(shared, *res, namespace.as_deref(), params),
        Route::Object { res, namespace, name } => match shared.store.get(*res, namespace.as_deref(), name) {
            Some(object) => Ok(object.clone()),
            None => Err(status::not_found(res.plural(), name)),
        },
    };
    match result {
        Ok(body) => json_response(StatusCode::OK, &body),
        Err(e) => error(e),
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A list as the API server returns it: items without their own kind and apiVersion,
/// `limit` counting matching items, and a `continue` token that resumes after the last key.
fn list(
    shared: &Shared,
    res: Resource,
    namespace: Option<&str>,
    params: &[(String, String)],
) -> Result<Value, ApiError> {
    let labels =
        LabelSelector::parse(param(params, "labelSelector").unwrap_or("")).map_err(status::bad_request)?;
    let fields = FieldSelector::parse(param(params, "fieldSelector").unwrap_or(""), res)
        .map_err(status::bad_request)?;
    let limit = match param(params, "limit").filter(|l| !l.is_empty()) {
        Some(l) => l.parse::<usize>().map_err(|_| status::bad_request(format!("invalid limit {l:?}")))?,
        None => 0,
    };
    let start_after = match param(params, "continue").filter(|c| !c.is_empty()) {
        Some(token) => Some(decode_continue(token)?),
        None => None,
    };
    let rv = shared.store.resource_version;
    let matching = shared
        .store
        .list(res, namespace)
        .into_iter()
        .filter(|(key, _)| start_after.as_deref().is_none_or(|s| *key > s))
        .filter(|(_, object)| labels.matches(object) && fields.matches(object));
    let mut items = Vec::new();
    let mut last_key = None;
    let mut remaining = 0u64;
    for (key, object) in matching {
        if limit > 0 && items.len() == limit {
            remaining += 1;
            continue;
        }
        let mut item = object.clone();
        if let Some(obj) = item.as_object_mut() {
            obj.remove("kind");
            obj.remove("apiVersion");
        }
        items.push(item);
        last_key = Some(key.to_string());
    }
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if remaining > 0
        && let (Some(last), Some(meta)) = (last_key, metadata.as_object_mut())
    {
        let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{last}\u{0}")});
        meta.insert("continue".into(), Value::String(base64_encode(token.to_string().as_bytes())));
        // Real servers omit the count when a selector makes it unknowable without a scan.
        if labels.is_empty() && fields.is_empty() {
            meta.insert("remainingItemCount".into(), json!(remaining));
        }
    }
    Ok(
        json!({"kind": format!("{}List", res.kind()), "apiVersion": "v1", "metadata": metadata, "items": items}),
    )
}

fn decode_continue(token: &str) -> Result<String, ApiError> {
    let bad = || status::bad_request(format!("continue key is not valid: {token:?}"));
    let bytes = base64_decode(token).ok_or_else(bad)?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let start = value.get("start").and_then(Value::as_str).ok_or_else(bad)?;
    Ok(start.trim_end_matches('\u{0}').to_string())
}

pub(crate) fn json_response(code: StatusCode, body: &Value) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = code;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache, private"));
    response
}

pub(crate) fn error(e: ApiError) -> Response<Body> {
    json_response(StatusCode::from_u16(e.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), &e.body)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(Route::parse("/api/v1/pods"), Route::Collection { res: Resource::Pods, namespace: None });
        assert_eq!(
            Route::parse("/api/v1/namespaces/cache/pods/redis-0/portforward"),
            Route::PortForward { namespace: "cache".into(), name: "redis-0".into() }
        );
        assert_eq!(
            Route::parse("/api/v1/namespaces/cache"),
            Route::Object { res: Resource::Namespaces, namespace: None, name: "cache".into() }
        );
        assert_eq!(Route::parse("/api/v1/namespaces/x/namespaces"), Route::Unknown);
        assert_eq!(Route::parse("/apis/apps/v1"), Route::Unknown);
        let pf = Route::parse("/api/v1/namespaces/a/pods/b/portforward");
        assert_eq!(pf.verb("GET", &[]).as_deref(), Some("get"));
        let list = Route::parse("/api/v1/pods");
        assert_eq!(list.verb("GET", &[("watch".into(), "1".into())]).as_deref(), Some("watch"));
        assert_eq!(list.verb("GET", &[]).as_deref(), Some("list"));
    }
}
