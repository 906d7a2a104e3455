//! Authentication and authorization: one bearer token for user "test", and a deny list of
//! (namespace, resource, verb) that stands in for missing RBAC grants.
//!
//! RBAC only grants, so a user who cannot do something in one namespace cannot do it
//! cluster-wide either: a request at the cluster scope (`GET /api/v1/pods`) is denied by
//! every rule for its resource and verb, whatever the rule's namespace. A client must then
//! fall back to asking namespace by namespace, as it must on a real cluster.

use super::{KubeServerError, state::PREFIX};

/// One withheld permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forbid {
    /// `None`: every namespace and the cluster scope.
    pub(crate) namespace: Option<String>,
    /// `pods`, `secrets`, `events`, `namespaces`, or a subresource such as `pods/portforward`.
    pub(crate) resource: String,
    /// `get`, `list`, `watch`, `create` …, or `*`.
    pub(crate) verb: String,
}

impl Forbid {
    /// Parses a Namespace annotation such as `pods/portforward:get,create; secrets:get`.
    pub(crate) fn parse_annotation(namespace: &str, value: &str) -> Result<Vec<Forbid>, KubeServerError> {
        let mut out = Vec::new();
        for entry in value.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let Some((resource, verbs)) = entry.split_once(':') else {
                return Err(KubeServerError::Manifest(format!(
                    "{PREFIX}forbid on namespace {namespace}: expected `resource:verb,verb` in {entry:?}"
                )));
            };
            for verb in verbs.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                out.push(Forbid {
                    namespace: Some(namespace.to_string()),
                    resource: resource.trim().to_string(),
                    verb: verb.to_string(),
                });
            }
        }
        Ok(out)
    }

    fn denies(&self, namespace: Option<&str>, resource: &str, verb: &str) -> bool {
        self.resource == resource
            && (self.verb == verb || self.verb == "*")
            && match (&self.namespace, namespace) {
                (None, _) | (Some(_), None) => true,
                (Some(rule), Some(ns)) => rule == ns,
            }
    }
}

/// The verb, among `verbs`, that the rules deny for this request, if any.
pub(crate) fn denied_verb<'v>(
    rules: &[Forbid],
    namespace: Option<&str>,
    resource: &str,
    verbs: &[&'v str],
) -> Option<&'v str> {
    verbs.iter().copied().find(|verb| rules.iter().any(|r| r.denies(namespace, resource, verb)))
}

/// The message of a real API server's 403 (kubernetes/apiserver
/// `pkg/endpoints/handlers/responsewriters/errors.go`, `forbiddenMessage`), after the
/// `<resource> "<name>" is forbidden: ` prefix that the Status adds.
pub(crate) fn forbidden_reason(user: &str, verb: &str, resource: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!(
            "User {user:?} cannot {verb} resource {resource:?} in API group \"\" in the namespace {ns:?}"
        ),
        None => format!(
            "User {user:?} cannot {verb} resource {resource:?} in API group \"\" at the cluster scope"
        ),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn namespace_rules_also_deny_the_cluster_scope() {
        let rules = Forbid::parse_annotation("locked", "pods/portforward:get,create; secrets:list").unwrap();
        assert_eq!(rules.len(), 3);
        assert_eq!(denied_verb(&rules, Some("locked"), "pods/portforward", &["get", "create"]), Some("get"));
        assert_eq!(denied_verb(&rules, Some("cache"), "pods/portforward", &["get", "create"]), None);
        assert_eq!(denied_verb(&rules, None, "secrets", &["list"]), Some("list"));
        assert_eq!(denied_verb(&rules, Some("locked"), "secrets", &["get"]), None);
        assert!(Forbid::parse_annotation("x", "pods").is_err());
    }

    #[test]
    fn message_wording() {
        assert_eq!(
            forbidden_reason("test", "get", "pods/portforward", Some("ns")),
            r#"User "test" cannot get resource "pods/portforward" in API group "" in the namespace "ns""#
        );
        assert_eq!(
            forbidden_reason("test", "list", "pods", None),
            r#"User "test" cannot list resource "pods" in API group "" at the cluster scope"#
        );
    }
}
