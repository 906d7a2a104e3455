//! Building the tree from granit-parser events.

use findings::Span;
use granit_parser::{Event, Parser, ScalarStyle};

/// Deepest collection nesting accepted; deeper documents are a parse error, not a stack overflow.
const MAX_DEPTH: usize = 128;
/// Largest number of nodes kept for one file (bounds memory on hostile input).
const MAX_NODES: usize = 2_000_000;
/// How many alias hops a lookup follows (aliases can point at their own container).
const MAX_ALIAS_HOPS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NodeId(u32);

#[derive(Debug, Clone)]
pub enum NodeKind {
    Map(Vec<(NodeId, NodeId)>),
    Seq(Vec<NodeId>),
    Scalar {
        value: String,
        style: ScalarStyle,
    },
    /// Points at the anchored node.
    Alias(NodeId),
    /// An alias whose anchor is not defined.
    Unresolved,
}

#[derive(Debug, Clone)]
struct Node {
    kind: NodeKind,
    span: Span,
}

/// One YAML document of a file. All node ids index into this document.
#[derive(Debug, Clone)]
pub struct Doc {
    nodes: Vec<Node>,
    root: Option<NodeId>,
    /// Byte range of the whole document in the file.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct ParseError {
    pub message: String,
    /// Byte offset of the error in the file.
    pub offset: usize,
}

/// A parsed YAML file: documents that parsed, comments, and the errors of documents that did not.
#[derive(Debug, Clone, Default)]
pub struct YamlFile {
    pub docs: Vec<Doc>,
    pub comments: Vec<Comment>,
    pub errors: Vec<ParseError>,
}

enum Frame {
    Map { id: NodeId, pending_key: Option<NodeId> },
    Seq { id: NodeId },
}

struct Builder {
    doc: Doc,
    stack: Vec<Frame>,
    anchors: Vec<(usize, NodeId)>,
}

fn span_of(s: &granit_parser::Span, fallback: usize) -> Span {
    match s.byte_range() {
        Some(r) => Span::new(r.start, r.end),
        None => Span::new(fallback, fallback),
    }
}

impl Builder {
    fn new(start: usize) -> Self {
        Builder {
            doc: Doc { nodes: Vec::new(), root: None, span: Span::new(start, start) },
            stack: Vec::new(),
            anchors: Vec::new(),
        }
    }

    fn push_node(&mut self, kind: NodeKind, span: Span) -> Result<NodeId, String> {
        if self.doc.nodes.len() >= MAX_NODES {
            return Err(format!("document has more than {MAX_NODES} nodes"));
        }
        let id = NodeId(self.doc.nodes.len() as u32);
        self.doc.nodes.push(Node { kind, span });
        Ok(id)
    }

    /// Attaches a finished node to its parent (or as root).
    fn attach(&mut self, child: NodeId) {
        match self.stack.last_mut() {
            None => {
                if self.doc.root.is_none() {
                    self.doc.root = Some(child);
                }
            }
            Some(Frame::Seq { id }) => {
                let id = *id;
                if let NodeKind::Seq(items) = &mut self.doc.nodes[id.0 as usize].kind {
                    items.push(child);
                }
            }
            Some(Frame::Map { id, pending_key }) => match pending_key.take() {
                None => *pending_key = Some(child),
                Some(key) => {
                    let id = *id;
                    if let NodeKind::Map(entries) = &mut self.doc.nodes[id.0 as usize].kind {
                        entries.push((key, child));
                    }
                }
            },
        }
    }

    fn remember_anchor(&mut self, anchor: usize, id: NodeId) {
        if anchor != 0 {
            self.anchors.push((anchor, id));
        }
    }

    fn close(&mut self, end: usize) {
        if let Some(frame) = self.stack.pop() {
            let id = match frame {
                Frame::Map { id, .. } | Frame::Seq { id } => id,
            };
            let node = &mut self.doc.nodes[id.0 as usize];
            node.span.end = node.span.end.max(end);
            self.attach(id);
        }
    }
}

/// Parses every document of `text`. A broken document is recorded in `errors` and parsing
/// resumes at the next `---`, so one bad document does not hide the others.
pub fn parse(text: &str) -> YamlFile {
    let mut out = YamlFile::default();
    let options = granit_parser::options! {
        emit_unresolved_aliases: true,
        block_nesting_limit: MAX_DEPTH,
        flow_nesting_limit: MAX_DEPTH,
    };
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut builder: Option<Builder> = None;
    while let Some(item) = parser.next_event() {
        let (event, gspan) = match item {
            Ok(ev) => ev,
            Err(e) => {
                let offset = e.marker().byte_offset().unwrap_or(0);
                out.errors.push(ParseError { message: e.info().to_string(), offset });
                builder = None;
                match parser.proceed_next_document() {
                    Ok(true) => continue,
                    _ => break,
                }
            }
        };
        let span = span_of(&gspan, 0);
        let step: Result<(), String> = (|| {
            match event {
                Event::StreamStart | Event::StreamEnd => {}
                Event::DocumentStart(..) => builder = Some(Builder::new(span.start)),
                Event::DocumentEnd => {
                    if let Some(mut b) = builder.take() {
                        b.doc.span.end = span.end.max(b.doc.span.start);
                        if b.doc.root.is_some() {
                            out.docs.push(b.doc);
                        }
                    }
                }
                Event::Comment(text, _) => out.comments.push(Comment { text: text.into_owned(), span }),
                Event::Scalar(value, style, anchor, _) => {
                    let b = builder.get_or_insert_with(|| Builder::new(span.start));
                    let id = b.push_node(NodeKind::Scalar { value: value.into_owned(), style }, span)?;
                    b.remember_anchor(anchor, id);
                    b.attach(id);
                }
                Event::Alias(anchor) => {
                    let b = builder.get_or_insert_with(|| Builder::new(span.start));
                    let target = b.anchors.iter().rev().find(|(a, _)| *a == anchor).map(|(_, id)| *id);
                    let kind = target.map_or(NodeKind::Unresolved, NodeKind::Alias);
                    let id = b.push_node(kind, span)?;
                    b.attach(id);
                }
                Event::UnresolvedAlias(_) => {
                    let b = builder.get_or_insert_with(|| Builder::new(span.start));
                    let id = b.push_node(NodeKind::Unresolved, span)?;
                    b.attach(id);
                }
                Event::Anchor(..) => {}
                Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                    let is_map = matches!(event, Event::MappingStart(..));
                    let b = builder.get_or_insert_with(|| Builder::new(span.start));
                    if b.stack.len() >= MAX_DEPTH {
                        return Err(format!("document is nested deeper than {MAX_DEPTH} levels"));
                    }
                    let kind = if is_map { NodeKind::Map(Vec::new()) } else { NodeKind::Seq(Vec::new()) };
                    let id = b.push_node(kind, span)?;
                    b.remember_anchor(anchor, id);
                    b.stack.push(if is_map {
                        Frame::Map { id, pending_key: None }
                    } else {
                        Frame::Seq { id }
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    if let Some(b) = builder.as_mut() {
                        b.close(span.end);
                    }
                }
                // Events added by future parser versions carry no data we use.
                _ => {}
            }
            Ok(())
        })();
        if let Err(message) = step {
            out.errors.push(ParseError { message, offset: span.start });
            builder = None;
            match parser.proceed_next_document() {
                Ok(true) => continue,
                _ => break,
            }
        }
    }
    out
}

impl Doc {
    pub fn root(&self) -> Option<NodeId> {
        self.root.map(|r| self.resolve(r))
    }

    /// Follows aliases to the node they name.
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..MAX_ALIAS_HOPS {
            match self.nodes.get(id.0 as usize).map(|n| &n.kind) {
                Some(NodeKind::Alias(target)) => id = *target,
                _ => break,
            }
        }
        id
    }

    pub fn kind(&self, id: NodeId) -> &NodeKind {
        static UNRESOLVED: NodeKind = NodeKind::Unresolved;
        self.nodes.get(self.resolve(id).0 as usize).map_or(&UNRESOLVED, |n| &n.kind)
    }

    /// Span of the node as written (an alias's own `*name`, not its target).
    pub fn span(&self, id: NodeId) -> Span {
        self.nodes.get(id.0 as usize).map_or_else(Span::default, |n| n.span)
    }

    /// Scalar text, if the node is a scalar.
    pub fn str(&self, id: NodeId) -> Option<&str> {
        match self.kind(id) {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Scalar that is not YAML null (`~`, `null`, or empty plain).
    pub fn non_null_str(&self, id: NodeId) -> Option<&str> {
        match self.kind(id) {
            NodeKind::Scalar { value, style: ScalarStyle::Plain } if is_null(value) => None,
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        matches!(self.kind(id), NodeKind::Scalar { value, style: ScalarStyle::Plain } if is_null(value))
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.kind(id), NodeKind::Map(_))
    }

    /// Map entries including those brought in by merge keys (`<<: *base`); own keys win.
    pub fn entries(&self, id: NodeId) -> Vec<(NodeId, NodeId)> {
        let mut out = Vec::new();
        self.collect_entries(id, 0, &mut out);
        out
    }

    fn collect_entries(&self, id: NodeId, depth: usize, out: &mut Vec<(NodeId, NodeId)>) {
        if depth > MAX_ALIAS_HOPS {
            return;
        }
        let NodeKind::Map(entries) = self.kind(id) else { return };
        let mut merges = Vec::new();
        for (k, v) in entries {
            if self.str(*k) == Some("<<")
                && matches!(
                    self.nodes.get(k.0 as usize).map(|n| &n.kind),
                    Some(NodeKind::Scalar { style: ScalarStyle::Plain, .. })
                )
            {
                merges.push(*v);
            } else if !out.iter().any(|(ok, _)| self.str(*ok).is_some() && self.str(*ok) == self.str(*k)) {
                out.push((*k, *v));
            }
        }
        for m in merges {
            match self.kind(m) {
                NodeKind::Seq(items) => {
                    for item in items.clone() {
                        self.collect_entries(item, depth + 1, out);
                    }
                }
                _ => self.collect_entries(m, depth + 1, out),
            }
        }
    }

    /// Value for `key` in a map (last duplicate wins, as in most YAML loaders), with merge keys.
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_entry(map, key).map(|(_, v)| v)
    }

    /// (key node, value node) for `key`.
    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let NodeKind::Map(entries) = self.kind(map) else { return None };
        if let Some(found) = entries.iter().rev().find(|(k, _)| self.str(*k) == Some(key)) {
            return Some(*found);
        }
        self.entries(map).into_iter().find(|(k, _)| self.str(*k) == Some(key))
    }

    /// Follows a path of map keys.
    pub fn path(&self, from: NodeId, keys: &[&str]) -> Option<NodeId> {
        keys.iter().try_fold(from, |node, key| self.get(node, key))
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match self.kind(id) {
            NodeKind::Seq(items) => items,
            _ => &[],
        }
    }

    /// The node written at exactly `span` (to get back from a word to its scalar).
    pub fn node_at(&self, span: Span) -> Option<NodeId> {
        self.nodes.iter().position(|n| n.span == span).map(|i| NodeId(i as u32))
    }

    /// Span covering a key and its value, for findings about the whole entry.
    pub fn entry_span(&self, key: NodeId, value: NodeId) -> Span {
        let k = self.span(key);
        let v = self.span(value);
        Span::new(k.start, v.end.max(k.end))
    }
}

fn is_null(value: &str) -> bool {
    matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn spans_aliases_merges_and_errors() {
        let src = "base: &b {a: 1}\nm:\n  <<: *b\n  c: two # note\n---\nbad: [1, 2\n---\nok: 3\n";
        let f = parse(src);
        assert_eq!(f.docs.len(), 2, "{:?}", f.errors);
        assert_eq!(f.errors.len(), 1);
        let d = &f.docs[0];
        let root = d.root().unwrap();
        let m = d.get(root, "m").unwrap();
        let a = d.get(m, "a").unwrap();
        assert_eq!(d.str(a), Some("1"));
        let c = d.get(m, "c").unwrap();
        assert_eq!(d.span(c).slice(src), Some("two"));
        assert!(f.comments.iter().any(|c| c.text == " note"));
        let d2 = &f.docs[1];
        assert_eq!(d2.str(d2.get(d2.root().unwrap(), "ok").unwrap()), Some("3"));
    }

    #[test]
    fn alias_bomb_and_self_reference_are_cheap() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..40 {
            let p = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let f = parse(&src);
        assert_eq!(f.docs.len(), 1);
        let d = &f.docs[0];
        assert!(d.get(d.root().unwrap(), "a39").is_some());
        let f = parse("a: &a {<<: *a, b: 1}\n");
        if let Some(d) = f.docs.first() {
            let a = d.get(d.root().unwrap(), "a").unwrap();
            let _ = d.entries(a);
            let _ = d.get(a, "zz");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let f = parse(&src);
        assert!(f.docs.is_empty());
        assert!(!f.errors.is_empty());
        let block: String = (0..300).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect();
        let f = parse(&block);
        assert!(!f.errors.is_empty());
    }
}
