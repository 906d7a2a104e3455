//! `labelSelector` and `fieldSelector`, with the grammar and semantics of
//! k8s.io/apimachinery `pkg/labels/selector.go` and `pkg/fields/selector.go`: comma means AND,
//! `!=` and `notin` also match objects without the label, and a field the resource does not
//! index is rejected (`field label not supported: x`) rather than ignored.

use serde_json::Value;

use super::state::Resource;

#[derive(Debug, Clone, PartialEq)]
enum LabelReq {
    Exists(String),
    NotExists(String),
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Gt(String, i64),
    Lt(String, i64),
}

/// A parsed `labelSelector`; the empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct LabelSelector(Vec<LabelReq>);

impl LabelSelector {
    pub(crate) fn parse(text: &str) -> Result<LabelSelector, String> {
        let mut reqs = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(format!("unable to parse requirement: empty requirement in {text:?}"));
            }
            reqs.push(parse_requirement(part)?);
        }
        Ok(LabelSelector(reqs))
    }

    pub(crate) fn matches(&self, object: &Value) -> bool {
        let labels = object.pointer("/metadata/labels");
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            LabelReq::Exists(k) => get(k).is_some(),
            LabelReq::NotExists(k) => get(k).is_none(),
            LabelReq::Equals(k, v) => get(k) == Some(v.as_str()),
            LabelReq::NotEquals(k, v) => get(k) != Some(v.as_str()),
            LabelReq::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            LabelReq::NotIn(k, vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
            LabelReq::Gt(k, n) => get(k).and_then(|x| x.parse::<i64>().ok()).is_some_and(|x| x > *n),
            LabelReq::Lt(k, n) => get(k).and_then(|x| x.parse::<i64>().ok()).is_some_and(|x| x < *n),
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Splits on commas outside parentheses (`a in (x,y),b` is two requirements).
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(req: &str) -> Result<LabelReq, String> {
    let bad = |why: &str| format!("unable to parse requirement: {why} in {req:?}");
    if let Some(key) = req.strip_prefix('!') {
        return Ok(LabelReq::NotExists(check_key(key.trim()).map_err(|w| bad(&w))?));
    }
    if let Some(open) = req.find('(') {
        let head: Vec<&str> = req[..open].split_whitespace().collect();
        let Some(inner) = req[open + 1..].trim_end().strip_suffix(')') else {
            return Err(bad("expected ')'"));
        };
        let values: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
        for v in &values {
            check_value(v).map_err(|w| bad(&w))?;
        }
        return match head.as_slice() {
            [key, "in"] => Ok(LabelReq::In(check_key(key).map_err(|w| bad(&w))?, values)),
            [key, "notin"] => Ok(LabelReq::NotIn(check_key(key).map_err(|w| bad(&w))?, values)),
            _ => Err(bad("expected `key in (...)` or `key notin (...)`")),
        };
    }
    for (op, len) in [("!=", 2), ("==", 2), ("=", 1), (">", 1), ("<", 1)] {
        if let Some(at) = req.find(op) {
            let key = check_key(req[..at].trim()).map_err(|w| bad(&w))?;
            let value = req[at + len..].trim().to_string();
            check_value(&value).map_err(|w| bad(&w))?;
            return match op {
                "!=" => Ok(LabelReq::NotEquals(key, value)),
                ">" | "<" => {
                    let n = value.parse::<i64>().map_err(|_| bad("expected an integer after > or <"))?;
                    Ok(if op == ">" { LabelReq::Gt(key, n) } else { LabelReq::Lt(key, n) })
                }
                _ => Ok(LabelReq::Equals(key, value)),
            };
        }
    }
    Ok(LabelReq::Exists(check_key(req).map_err(|w| bad(&w))?))
}

/// A label key: optional DNS prefix and `/`, then a name of `[A-Za-z0-9._-]`.
fn check_key(key: &str) -> Result<String, String> {
    let name = key.rsplit_once('/').map_or(key, |(_, n)| n);
    let ok_chars = key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
    if name.is_empty() || !ok_chars || key.len() > 316 {
        return Err(format!("invalid label key {key:?}"));
    }
    Ok(key.to_string())
}

fn check_value(value: &str) -> Result<(), String> {
    if value.len() > 63 || !value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(format!("invalid label value {value:?}"));
    }
    Ok(())
}

/// A parsed `fieldSelector`: `(path, value, equal?)` terms, all of which must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct FieldSelector(Vec<(String, String, bool)>);

impl FieldSelector {
    /// Parses `text` for `resource`, rejecting fields that resource cannot be selected on
    /// (the real API server answers 400 with the same message).
    pub(crate) fn parse(text: &str, resource: Resource) -> Result<FieldSelector, String> {
        let mut terms = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (field, value, equal) = if let Some((f, v)) = part.split_once("!=") {
                (f, v, false)
            } else if let Some((f, v)) = part.split_once("==") {
                (f, v, true)
            } else if let Some((f, v)) = part.split_once('=') {
                (f, v, true)
            } else {
                return Err(format!("invalid selector: '{text}'; can't understand '{part}'"));
            };
            let field = field.trim();
            if !resource.selectable_fields().contains(&field) {
                return Err(format!("field label not supported: {field}"));
            }
            terms.push((field.to_string(), value.trim().to_string(), equal));
        }
        Ok(FieldSelector(terms))
    }

    pub(crate) fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, value, equal)| (field_value(object, field) == *value) == *equal)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The string value of a dotted field path; a missing field is `""`, as in the apiserver's
/// field sets (so `spec.nodeName=` selects unscheduled pods). `source` of an Event is its
/// `source.component`.
fn field_value(object: &Value, field: &str) -> String {
    let path = if field == "source" { "source.component" } else { field };
    let mut v = object;
    for seg in path.split('.') {
        match v.get(seg) {
            Some(next) => v = next,
            None => return String::new(),
        }
    }
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pod() -> Value {
        json!({
            "metadata": {"name": "redis-master-0", "namespace": "cache",
                "labels": {"app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "master", "idx": "3"}},
            "spec": {"nodeName": "node-a"},
            "status": {"phase": "Running"}
        })
    }

    fn labels(sel: &str) -> bool {
        LabelSelector::parse(sel).unwrap().matches(&pod())
    }

    #[test]
    fn label_operators() {
        assert!(labels(""));
        assert!(labels("app.kubernetes.io/name=redis"));
        assert!(labels("app.kubernetes.io/name==redis,app.kubernetes.io/component=master"));
        assert!(!labels("app.kubernetes.io/name=redis,app.kubernetes.io/component=replica"));
        assert!(labels("app.kubernetes.io/component!=replica"));
        assert!(labels("missing!=x"));
        assert!(labels("app.kubernetes.io/component in (master, replica)"));
        assert!(!labels("app.kubernetes.io/component notin (master,replica)"));
        assert!(labels("missing notin (a)"));
        assert!(!labels("missing in (a)"));
        assert!(labels("app.kubernetes.io/name"));
        assert!(labels("!missing"));
        assert!(!labels("!app.kubernetes.io/name"));
        assert!(labels("idx>2,idx<4"));
    }

    #[test]
    fn bad_label_selectors_are_errors() {
        for bad in ["a in (x", "a b", "=x", "a=b c", "a,,b"] {
            assert!(LabelSelector::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn field_selectors() {
        let f = |s: &str| FieldSelector::parse(s, Resource::Pods).unwrap().matches(&pod());
        assert!(f("metadata.name=redis-master-0"));
        assert!(f("metadata.namespace==cache,status.phase=Running"));
        assert!(f("status.phase!=Pending"));
        assert!(!f("spec.nodeName="));
        assert_eq!(
            FieldSelector::parse("spec.foo=x", Resource::Pods).unwrap_err(),
            "field label not supported: spec.foo"
        );
        let ev = json!({"involvedObject": {"kind": "Pod", "name": "p"}, "reason": "BackOff", "source": {"component": "kubelet"}});
        let e = |s: &str| FieldSelector::parse(s, Resource::Events).unwrap().matches(&ev);
        assert!(e("involvedObject.kind=Pod,involvedObject.name=p,reason=BackOff,source=kubelet"));
        assert!(!e("involvedObject.namespace=x"));
    }
}
