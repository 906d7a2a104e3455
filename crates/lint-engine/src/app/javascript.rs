//! JavaScript and TypeScript rules: connect-redis and koa-redis session stores and BullMQ/Bull
//! queues.
//!
//! The three grammars (JavaScript, TypeScript, TSX) share the node kinds these rules read
//! (calls, `new`, objects, properties, imports); TypeScript wrappers (`x as T`,
//! `x satisfies T`, `x!`, `<T>x`) are looked through. Values are resolved only inside the
//! file and only when that is certain: a `const` declared once, an object without spread
//! at the property read. Anything else is unknown and never reported.

mod bullmq;
mod connect_redis;
mod koa_redis;

use std::collections::HashMap;

use findings::Finding;
use tree_sitter::Node;

use super::node::{Source, descendants};

/// Words that make a file worth parsing: every rule needs an import of one of these modules.
pub const KEYWORDS: &[&str] = &["connect-redis", "koa-redis", "bullmq", "'bull'", "\"bull\""];

/// How deep value resolution follows identifiers (guards against `const a = b, b = a`).
const MAX_DEPTH: u8 = 8;

pub fn check(
    src: &Source<'_>,
    root: Node<'_>,
    out: &mut Vec<Finding>,
    conditional: &mut Vec<super::versions::Conditional>,
) {
    let file = File::new(src, root);
    connect_redis::check(&file, out);
    koa_redis::check(&file, out);
    bullmq::check(&file, out, conditional);
}

/// One name bound by a `const`/`let`/`var` declarator.
#[derive(Debug, Clone, Copy)]
struct Decl<'t, 'a> {
    /// The initializer, if any.
    init: Option<Node<'t>>,
    /// `const { key: name } = init`: the property read from the initializer.
    key: Option<&'a str>,
    is_const: bool,
}

/// What an `import` binds a local name to.
#[derive(Debug, Clone, Copy)]
enum Import<'a> {
    Default(&'a str),
    Namespace(&'a str),
    Named(&'a str, &'a str),
}

/// What an expression is, as far as the libraries are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LibVal<'a> {
    /// The module object: `require('m')`, `import * as m`.
    Module(&'a str),
    /// An export of a module (`default` for a default import).
    Export(&'a str, &'a str),
}

/// A property looked up in an object literal.
#[derive(Debug, Clone, Copy)]
enum Prop<'t> {
    /// The property's value node (for a shorthand property, the shorthand node itself) and the
    /// pair (or shorthand) node to point a finding at.
    Found {
        value: Node<'t>,
        at: Node<'t>,
    },
    Absent,
    /// A spread or computed key could set it.
    Unknown,
}

/// An object argument or option, resolved.
#[derive(Debug, Clone, Copy)]
enum Obj<'t> {
    Object(Node<'t>),
    /// The argument is not given.
    Absent,
    Unknown,
}

/// A parsed file with its bindings indexed.
#[derive(Debug)]
struct File<'s, 't> {
    src: &'s Source<'s>,
    nodes: Vec<Node<'t>>,
    decls: HashMap<&'s str, Vec<Decl<'t, 's>>>,
    imports: HashMap<&'s str, Vec<Import<'s>>>,
}

impl<'s, 't> File<'s, 't> {
    fn new(src: &'s Source<'s>, root: Node<'t>) -> Self {
        let nodes = descendants(root);
        let mut file = File { src, nodes, decls: HashMap::new(), imports: HashMap::new() };
        let nodes = file.nodes.clone();
        for n in nodes {
            match n.kind() {
                "variable_declarator" => file.index_declarator(n),
                "import_statement" => file.index_import(n),
                _ => {}
            }
        }
        file
    }

    fn text(&self, n: Node<'_>) -> &'s str {
        self.src.text_of(n)
    }

    fn index_declarator(&mut self, n: Node<'t>) {
        let init = n.child_by_field_name("value");
        let is_const = n.parent().is_some_and(|p| {
            p.kind() == "lexical_declaration" && p.child(0).is_some_and(|k| self.text(k) == "const")
        });
        let Some(name) = n.child_by_field_name("name") else { return };
        match name.kind() {
            "identifier" => {
                let decl = Decl { init, key: None, is_const };
                self.decls.entry(self.text(name)).or_default().push(decl);
            }
            "object_pattern" => {
                for part in named_children(name) {
                    let (local, key) = match part.kind() {
                        "shorthand_property_identifier_pattern" => (part, self.text(part)),
                        "pair_pattern" => {
                            let (Some(k), Some(v)) =
                                (part.child_by_field_name("key"), part.child_by_field_name("value"))
                            else {
                                continue;
                            };
                            if v.kind() != "identifier" {
                                continue;
                            }
                            (v, key_text(self.src, k).unwrap_or(""))
                        }
                        _ => continue,
                    };
                    let decl = Decl { init, key: Some(key), is_const };
                    self.decls.entry(self.text(local)).or_default().push(decl);
                }
            }
            _ => {}
        }
    }

    fn index_import(&mut self, n: Node<'t>) {
        let Some(module) = n.child_by_field_name("source").and_then(|s| str_lit(self.src, s)) else { return };
        for clause in named_children(n).into_iter().filter(|c| c.kind() == "import_clause") {
            for part in named_children(clause) {
                match part.kind() {
                    "identifier" => self.add_import(part, Import::Default(module)),
                    "namespace_import" => {
                        if let Some(id) = named_children(part).into_iter().find(|c| c.kind() == "identifier")
                        {
                            self.add_import(id, Import::Namespace(module));
                        }
                    }
                    "named_imports" => {
                        for spec in
                            named_children(part).into_iter().filter(|c| c.kind() == "import_specifier")
                        {
                            let Some(name) = spec.child_by_field_name("name") else { continue };
                            let local = spec.child_by_field_name("alias").unwrap_or(name);
                            let imported = str_lit(self.src, name).unwrap_or(self.text(name));
                            self.add_import(local, Import::Named(module, imported));
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn add_import(&mut self, local: Node<'t>, import: Import<'s>) {
        self.imports.entry(self.text(local)).or_default().push(import);
    }

    /// The only declaration of `name` in the file, if it has exactly one.
    fn single_decl(&self, name: &str) -> Option<Decl<'t, 's>> {
        if self.imports.contains_key(name) {
            return None;
        }
        match self.decls.get(name).map(Vec::as_slice) {
            Some([d]) => Some(*d),
            _ => None,
        }
    }

    /// The value of a `const` declared once without destructuring.
    fn const_value(&self, name: &str) -> Option<Node<'t>> {
        self.single_decl(name).filter(|d| d.is_const && d.key.is_none()).and_then(|d| d.init)
    }

    /// What `expr` is in terms of library modules and exports.
    fn lib_value(&self, expr: Node<'t>, depth: u8) -> Option<LibVal<'s>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let expr = strip(expr);
        match expr.kind() {
            "identifier" => {
                let name = self.text(expr);
                if !self.decls.contains_key(name) {
                    return match self.imports.get(name).map(Vec::as_slice) {
                        Some([Import::Default(m)]) => Some(LibVal::Export(m, "default")),
                        Some([Import::Namespace(m)]) => Some(LibVal::Module(m)),
                        Some([Import::Named(m, e)]) => Some(LibVal::Export(m, e)),
                        _ => None,
                    };
                }
                let decl = self.single_decl(name)?;
                let init = self.lib_value(decl.init?, depth + 1)?;
                match decl.key {
                    None => Some(init),
                    Some(key) => member(init, key),
                }
            }
            "member_expression" => {
                let object = self.lib_value(expr.child_by_field_name("object")?, depth + 1)?;
                member(object, self.text(expr.child_by_field_name("property")?))
            }
            "call_expression" => {
                let function = expr.child_by_field_name("function")?;
                if function.kind() == "identifier" && self.text(function) == "require" {
                    let arg = *args(expr).first()?;
                    return str_lit(self.src, arg).map(LibVal::Module);
                }
                // `require('connect-redis')(session)`: the v3..v6 factory returns the store class.
                match self.lib_value(function, depth + 1)? {
                    LibVal::Module(m @ "connect-redis") | LibVal::Export(m @ "connect-redis", "default") => {
                        Some(LibVal::Export(m, "RedisStore"))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Resolves an options argument to an object literal.
    fn object(&self, arg: Option<Node<'t>>) -> Obj<'t> {
        let Some(arg) = arg else { return Obj::Absent };
        self.object_at(arg, 0)
    }

    fn object_at(&self, expr: Node<'t>, depth: u8) -> Obj<'t> {
        if depth > MAX_DEPTH {
            return Obj::Unknown;
        }
        let expr = strip(expr);
        match expr.kind() {
            "object" => Obj::Object(expr),
            "identifier" | "shorthand_property_identifier" => match self.const_value(self.text(expr)) {
                Some(v) => self.object_at(v, depth + 1),
                None => Obj::Unknown,
            },
            _ => Obj::Unknown,
        }
    }

    /// Looks up `key` in an object literal.
    fn prop(&self, obj: Node<'t>, key: &str) -> Prop<'t> {
        let mut found = Prop::Absent;
        for part in named_children(obj) {
            match part.kind() {
                "pair" => {
                    let Some(k) = part.child_by_field_name("key") else { continue };
                    match key_text(self.src, k) {
                        Some(name) if name == key => {
                            if let Some(value) = part.child_by_field_name("value") {
                                found = Prop::Found { value, at: part };
                            }
                        }
                        Some(_) => {}
                        None => found = Prop::Unknown,
                    }
                }
                "shorthand_property_identifier" if self.text(part) == key => {
                    found = Prop::Found { value: part, at: part };
                }
                "spread_element" => found = Prop::Unknown,
                _ => {}
            }
        }
        found
    }

    /// A property of an options object that is itself an object.
    fn sub_object(&self, obj: Obj<'t>, key: &str) -> Obj<'t> {
        match obj {
            Obj::Object(o) => match self.prop(o, key) {
                Prop::Found { value, .. } => self.object_at(value, 0),
                Prop::Absent => Obj::Absent,
                Prop::Unknown => Obj::Unknown,
            },
            Obj::Absent => Obj::Absent,
            Obj::Unknown => Obj::Unknown,
        }
    }

    /// A numeric constant: literals, `+ - * / **`, parentheses and `const` names.
    fn number(&self, expr: Node<'t>, depth: u8) -> Option<f64> {
        if depth > MAX_DEPTH {
            return None;
        }
        let expr = strip(expr);
        match expr.kind() {
            "number" => parse_number(self.text(expr)),
            "identifier" | "shorthand_property_identifier" => {
                self.number(self.const_value(self.text(expr))?, depth + 1)
            }
            "unary_expression" => {
                let arg = self.number(expr.child_by_field_name("argument")?, depth + 1)?;
                match self.text(expr.child_by_field_name("operator")?) {
                    "-" => Some(-arg),
                    "+" => Some(arg),
                    _ => None,
                }
            }
            "binary_expression" => {
                let l = self.number(expr.child_by_field_name("left")?, depth + 1)?;
                let r = self.number(expr.child_by_field_name("right")?, depth + 1)?;
                let v = match self.text(expr.child_by_field_name("operator")?) {
                    "+" => l + r,
                    "-" => l - r,
                    "*" => l * r,
                    "/" if r != 0.0 => l / r,
                    "**" => l.powf(r),
                    _ => return None,
                };
                v.is_finite().then_some(v)
            }
            _ => None,
        }
    }

    /// A boolean constant (`true`, `false`, or a `const` holding one).
    fn boolean(&self, expr: Node<'t>, depth: u8) -> Option<bool> {
        if depth > MAX_DEPTH {
            return None;
        }
        let expr = strip(expr);
        match expr.kind() {
            "true" => Some(true),
            "false" => Some(false),
            "identifier" | "shorthand_property_identifier" => {
                self.boolean(self.const_value(self.text(expr))?, depth + 1)
            }
            _ => None,
        }
    }

    /// `new C(...)` nodes (and, for `call_too`, calls `C(...)`) whose callee satisfies `is`.
    fn constructions(&self, call_too: bool, is: impl Fn(LibVal<'s>) -> bool) -> Vec<Node<'t>> {
        self.nodes
            .iter()
            .filter_map(|&n| {
                let callee = match n.kind() {
                    "new_expression" => n.child_by_field_name("constructor")?,
                    "call_expression" if call_too => n.child_by_field_name("function")?,
                    _ => return None,
                };
                self.lib_value(callee, 0).filter(|v| is(*v)).map(|_| n)
            })
            .collect()
    }

    /// Whether the file imports any of `modules`.
    fn imports_any(&self, modules: &[&str]) -> bool {
        let imported = self.imports.values().flatten().any(|i| match i {
            Import::Default(m) | Import::Namespace(m) | Import::Named(m, _) => modules.contains(m),
        });
        imported
            || self.nodes.iter().any(|&n| {
                n.kind() == "call_expression"
                    && matches!(self.lib_value(n, 0), Some(LibVal::Module(m)) if modules.contains(&m))
            })
    }
}

/// `value.key`, for a module or an export (`require('m').default.X` reads like `require('m').X`).
fn member<'a>(value: LibVal<'a>, key: &'a str) -> Option<LibVal<'a>> {
    match value {
        LibVal::Module(m) => Some(LibVal::Export(m, key)),
        LibVal::Export(m, "default") => Some(LibVal::Export(m, key)),
        LibVal::Export(..) => None,
    }
}

/// Looks through parentheses and TypeScript-only wrappers.
fn strip(mut n: Node<'_>) -> Node<'_> {
    for _ in 0..32 {
        let inner = match n.kind() {
            "parenthesized_expression" | "as_expression" | "satisfies_expression" | "non_null_expression" => {
                named_children(n).first().copied()
            }
            "type_assertion" => named_children(n).last().copied(),
            _ => None,
        };
        match inner {
            Some(i) => n = i,
            None => break,
        }
    }
    n
}

/// Named children without comments.
fn named_children(n: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = n.walk();
    n.named_children(&mut cursor).filter(|c| c.kind() != "comment").collect()
}

/// The arguments of a call or `new` expression.
fn args(call: Node<'_>) -> Vec<Node<'_>> {
    call.child_by_field_name("arguments").map(named_children).unwrap_or_default()
}

/// Whether an argument list contains a spread (positions are then unknown).
fn has_spread(args: &[Node<'_>]) -> bool {
    args.iter().any(|a| a.kind() == "spread_element")
}

/// The content of a string literal (or a template string without substitutions).
fn str_lit<'a>(src: &Source<'a>, n: Node<'_>) -> Option<&'a str> {
    let n = strip(n);
    match n.kind() {
        "string" => {}
        "template_string" if named_children(n).iter().all(|c| c.kind() == "string_fragment") => {}
        _ => return None,
    }
    let text = src.text_of(n);
    text.get(1..text.len().checked_sub(1)?)
}

/// The name of a property key: an identifier, a string or a number; `None` for a computed key.
fn key_text<'a>(src: &Source<'a>, key: Node<'_>) -> Option<&'a str> {
    match key.kind() {
        "property_identifier" | "number" | "private_property_identifier" => Some(src.text_of(key)),
        "string" => str_lit(src, key),
        _ => None,
    }
}

/// A JavaScript numeric literal (decimal, exponent, `_` separators, hex/octal/binary).
fn parse_number(text: &str) -> Option<f64> {
    let t: String = text.chars().filter(|c| *c != '_').collect();
    let t = t.strip_suffix('n').unwrap_or(&t);
    let radix = |p: &str, r: u32| u64::from_str_radix(p, r).ok().map(|v| v as f64);
    let lower = t.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        radix(h, 16)
    } else if let Some(o) = lower.strip_prefix("0o") {
        radix(o, 8)
    } else if let Some(b) = lower.strip_prefix("0b") {
        radix(b, 2)
    } else {
        lower.parse::<f64>().ok().filter(|v| v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("1_000"), Some(1000.0));
        assert_eq!(parse_number("0x10"), Some(16.0));
        assert_eq!(parse_number("1e3"), Some(1000.0));
        assert_eq!(parse_number("abc"), None);
    }
}
