//! Parsed input files as the extractors see them.

use std::sync::Arc;

use crate::yaml::{Doc, NodeId, YamlFile};
use findings::Span;
use granit_parser::ScalarStyle;

use crate::{redis_conf::OffsetMap, yaml::NodeKind};

/// A parsed YAML file.
#[derive(Debug)]
pub struct YamlSource {
    pub path: String,
    pub text: Arc<str>,
    pub yaml: YamlFile,
}

/// A Kubernetes object inside a YAML file (a document root or a `List` item).
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    pub src: &'a YamlSource,
    pub doc: &'a Doc,
    pub node: NodeId,
}

impl<'a> Object<'a> {
    pub fn kind(&self) -> &'a str {
        self.doc.get(self.node, "kind").and_then(|k| self.doc.str(k)).unwrap_or("")
    }

    pub fn api_version(&self) -> &'a str {
        self.doc.get(self.node, "apiVersion").and_then(|k| self.doc.str(k)).unwrap_or("")
    }

    pub fn name(&self) -> &'a str {
        self.doc.path(self.node, &["metadata", "name"]).and_then(|k| self.doc.str(k)).unwrap_or("")
    }

    pub fn namespace(&self) -> Option<&'a str> {
        self.doc.path(self.node, &["metadata", "namespace"]).and_then(|k| self.doc.non_null_str(k))
    }

    /// Span of the `metadata.name` value, or of the object.
    pub fn name_span(&self) -> Span {
        self.doc
            .path(self.node, &["metadata", "name"])
            .map_or_else(|| self.doc.span(self.node), |n| self.doc.span(n))
    }

    pub fn label(&self, key: &str) -> Option<&'a str> {
        self.doc.path(self.node, &["metadata", "labels", key]).and_then(|n| self.doc.non_null_str(n))
    }

    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.doc.path(self.node, &["metadata", "annotations", key]).and_then(|n| self.doc.non_null_str(n))
    }
}

impl YamlSource {
    /// Every Kubernetes object: document roots with `kind`, and the items of `kind: List`.
    pub fn objects(&self) -> Vec<Object<'_>> {
        let mut out = Vec::new();
        for doc in &self.yaml.docs {
            let Some(root) = doc.root() else { continue };
            let obj = Object { src: self, doc, node: root };
            if !is_object(doc, root) {
                continue;
            }
            if obj.kind().ends_with("List") {
                if let Some(items) = doc.get(root, "items") {
                    for item in doc.items(items) {
                        let item = doc.resolve(*item);
                        if is_object(doc, item) {
                            out.push(Object { src: self, doc, node: item });
                        }
                    }
                }
            } else {
                out.push(obj);
            }
        }
        out
    }
}

fn is_object(doc: &Doc, node: NodeId) -> bool {
    doc.get(node, "kind").and_then(|k| doc.str(k)).is_some() && doc.get(node, "apiVersion").is_some()
}

/// Text of a scalar holding embedded config, with the map from its content back to the file.
pub fn embedded_text(src: &YamlSource, doc: &Doc, node: NodeId) -> Option<(String, OffsetMap)> {
    let NodeKind::Scalar { value, style } = doc.kind(node) else { return None };
    let span = doc.span(doc.resolve(node));
    let map = match style {
        ScalarStyle::Literal => OffsetMap::literal_block(&src.text, span, value),
        ScalarStyle::Plain if !value.contains('\n') => OffsetMap::shifted(span.start),
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
            if !value.contains('\n')
                && span.slice(&src.text).is_some_and(|raw| raw.len() == value.len() + 2) =>
        {
            OffsetMap::shifted(span.start + 1)
        }
        _ => OffsetMap::whole(span),
    };
    Some((value.clone(), map))
}
