use super::*;

fn ctx(op: Operation) -> ErrorContext<'static> {
    ErrorContext { server: "https://x:6443", context: Some("prod"), timeout: Duration::from_secs(5), op }
}

#[test]
fn forbidden_names_verb_resource_and_namespace() {
    let msg = "pods \"redis-0\" is forbidden: User \"alice\" cannot create resource \"pods/portforward\" in API group \"\" in the namespace \"locked\"";
    let e = ctx(Operation::portforward("locked", "redis-0")).map_status(403, msg);
    assert_eq!(e.verb_and_resource(), Some(("create", "pods/portforward")));
    let text = e.to_string();
    assert!(
        text.starts_with("forbidden: cannot create pods/portforward in namespace locked: pods \"redis-0\""),
        "{text}"
    );
    assert!(text.contains("docs/rbac.md"), "{text}");
    assert!(!text.contains('\n'));
}

#[test]
fn forbidden_falls_back_to_the_operation_verb() {
    let e = ctx(Operation::list("pods", None)).map_status(403, "access denied");
    assert_eq!(e.verb_and_resource(), Some(("list", "pods")));
    assert_eq!(
        e.to_string(),
        "forbidden: cannot list pods across all namespaces: access denied; the RBAC the tool needs is in docs/rbac.md"
    );
}

#[test]
fn secret_forbidden_suggests_alternatives() {
    let e = ctx(Operation::get("secrets", "cache", "redis")).map_status(403, "no");
    let text = e.to_string();
    assert!(text.contains("cannot get secrets in namespace cache"), "{text}");
    assert!(text.contains("--password-from") && text.contains("REDISCLI_AUTH"), "{text}");
}

#[test]
fn unauthorized_names_the_context() {
    let e = ctx(Operation::list("pods", Some("x"))).map_status(401, "Unauthorized");
    assert_eq!(
        e.to_string(),
        "the API server rejected the credentials of context prod (401 Unauthorized): they may have expired; log in again"
    );
}

#[test]
fn not_found_for_named_objects_only() {
    let e = ctx(Operation::get("pods", "apps", "ghost")).map_status(404, "pods \"ghost\" not found");
    assert_eq!(e.to_string(), "pod apps/ghost not found");
    assert!(e.is_not_found());
    let e = ctx(Operation::list("pods", Some("apps")))
        .map_status(404, "the server could not find the requested resource");
    assert!(matches!(e, KubeError::Api { code: 404, .. }));
}

#[test]
fn unreachable_mentions_the_timeout_only_when_it_timed_out() {
    let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "deadline has elapsed");
    let e = ctx(Operation::list("pods", Some("x"))).unreachable(&io);
    assert_eq!(
        e.to_string(),
        "cannot reach the API server at https://x:6443: deadline has elapsed (timed out after 5 s)"
    );
    let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused (os error 111)");
    let e = ctx(Operation::list("pods", Some("x"))).unreachable(&io);
    assert_eq!(
        e.to_string(),
        "cannot reach the API server at https://x:6443: Connection refused (os error 111)"
    );
}

#[test]
fn messages_are_one_line() {
    let e = ctx(Operation::list("pods", Some("x"))).map_status(500, "line one\nline two\r\n");
    assert_eq!(e.to_string(), "the API server answered 500 to list pods in namespace x: line one line two");
}

#[test]
fn unknown_context_lists_the_available_ones() {
    let e = KubeError::UnknownContext { context: "nope".into(), available: vec!["a".into(), "b".into()] };
    assert_eq!(e.to_string(), "context \"nope\" not found in the kubeconfig; available contexts: a, b");
}
