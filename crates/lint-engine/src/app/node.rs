//! Small helpers over tree-sitter nodes shared by the language modules.

use findings::{Finding, Location, Severity, Span};
use tree_sitter::Node;

/// A source file being checked.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

impl<'a> Source<'a> {
    /// The text of a node (empty when its range is not valid UTF-8 boundaries).
    pub fn text_of(&self, n: Node<'_>) -> &'a str {
        self.text.get(n.byte_range()).unwrap_or("")
    }

    /// A finding of `rule` at node `n`, with the catalog's severity.
    pub fn finding(&self, rule: &'static str, n: Node<'_>, message: String) -> Finding {
        let severity = findings::catalog().get(rule).map_or(Severity::Warning, |r| r.severity);
        let snippet = self.text_of(n).lines().next().unwrap_or("").to_string();
        Finding::new(rule, severity, message, Location::file(self.path, span(n)), &snippet)
    }
}

/// Byte span of a node.
pub fn span(n: Node<'_>) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

/// The first ERROR or MISSING node, depth first.
pub fn first_error(n: Node<'_>) -> Option<Node<'_>> {
    if n.is_error() || n.is_missing() {
        return Some(n);
    }
    let mut cursor = n.walk();
    for child in n.children(&mut cursor) {
        if child.has_error()
            && let Some(e) = first_error(child)
        {
            return Some(e);
        }
    }
    None
}

/// Every node below `n` (depth first, `n` included), for rules that look for calls anywhere.
pub fn descendants(n: Node<'_>) -> Vec<Node<'_>> {
    let mut out = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        out.push(x);
        let mut cursor = x.walk();
        let children: Vec<Node<'_>> = x.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}
