//! Application sources: the code and config that decide how long data lives in Redis
//! (Sidekiq, Django, Celery, RQ, express-session/connect-redis, BullMQ, Rails). Each file is
//! parsed with tree-sitter only when a cheap look at its name and content says it can matter;
//! each language module then walks the tree and reports at the exact call or key.
//!
//! tree-sitter recovers from syntax errors: a file that does not parse gets an info
//! `parse-error` at its first error, and the rules still run on what did parse.

mod javascript;
pub mod node;
mod python;
mod ruby;

use findings::{Finding, Location, Severity, Span};

/// Languages read as source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Ruby,
    JavaScript,
    TypeScript,
    Tsx,
}

/// Sources larger than this are minified bundles or generated code: skipped with a note.
pub const MAX_SOURCE_BYTES: usize = 1 << 20;
/// A file whose lines average more than this many bytes is minified: skipped with a note.
const MINIFIED_LINE_BYTES: usize = 500;

/// The language of a file, by its name.
pub fn lang_of(path: &str) -> Option<Lang> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "py" => Some(Lang::Python),
        "rb" | "rake" => Some(Lang::Ruby),
        "js" | "mjs" | "cjs" | "jsx" => Some(Lang::JavaScript),
        "ts" | "mts" | "cts" => Some(Lang::TypeScript),
        "tsx" => Some(Lang::Tsx),
        _ => None,
    }
    .filter(|_| !name.ends_with(".min.js") && !name.ends_with(".d.ts"))
}

impl Lang {
    fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
        }
    }

    /// Words one of whose presence makes the file worth parsing (the libraries and settings
    /// the rules look at); most source files contain none and are never parsed.
    fn keywords(self) -> &'static [&'static str] {
        match self {
            Lang::Python => python::KEYWORDS,
            Lang::Ruby => ruby::KEYWORDS,
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => javascript::KEYWORDS,
        }
    }
}

/// Whether a source file can matter: one of its language's keywords appears in it.
pub fn worth_parsing(lang: Lang, text: &str) -> bool {
    lang.keywords().iter().any(|k| text.contains(k))
}

/// What linting one source file gave.
#[derive(Debug, Default)]
pub struct SourceResult {
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
}

/// Parses `text` as `lang` and runs that language's rules. Never panics.
pub fn lint_source(path: &str, lang: Lang, text: &str) -> SourceResult {
    let mut out = SourceResult::default();
    if !worth_parsing(lang, text) {
        return out;
    }
    if text.len() > MAX_SOURCE_BYTES || is_minified(text) {
        out.notes.push(format!(
            "{path}: skipped, looks minified or generated (over {} KiB or very long lines)",
            MAX_SOURCE_BYTES >> 10
        ));
        return out;
    }
    let mut parser = tree_sitter::Parser::new();
    if parser.set_language(&lang.grammar()).is_err() {
        out.notes.push(format!("{path}: the {lang:?} grammar could not be loaded"));
        return out;
    }
    let Some(tree) = parser.parse(text, None) else {
        out.notes.push(format!("{path}: not parsed"));
        return out;
    };
    let root = tree.root_node();
    if root.has_error()
        && let Some(bad) = node::first_error(root)
    {
        let span = node::span(bad);
        out.findings.push(Finding::new(
            crate::rules::PARSE_ERROR,
            Severity::Info,
            format!("this {lang:?} file does not parse here; the rules ran on the rest of it"),
            Location::file(path, Span::new(span.start, span.end.max(span.start))),
            "syntax error",
        ));
    }
    let src = node::Source { path, text };
    match lang {
        Lang::Python => python::check(&src, root, &mut out.findings),
        Lang::Ruby => ruby::check(&src, root, &mut out.findings),
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => javascript::check(&src, root, &mut out.findings),
    }
    out
}

fn is_minified(text: &str) -> bool {
    let lines = text.lines().count().max(1);
    text.len() > 10_000 && text.len() / lines > MINIFIED_LINE_BYTES
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_name() {
        assert_eq!(lang_of("app/settings.py"), Some(Lang::Python));
        assert_eq!(lang_of("config/initializers/sidekiq.rb"), Some(Lang::Ruby));
        assert_eq!(lang_of("src/queue.mjs"), Some(Lang::JavaScript));
        assert_eq!(lang_of("src/queue.ts"), Some(Lang::TypeScript));
        assert_eq!(lang_of("src/App.tsx"), Some(Lang::Tsx));
        assert_eq!(lang_of("dist/app.min.js"), None);
        assert_eq!(lang_of("types/index.d.ts"), None);
        assert_eq!(lang_of("Makefile"), None);
    }

    #[test]
    fn minified_bundles_are_skipped_with_a_note() {
        let text = format!("const bullmq=require('bullmq');{}", "a=1;".repeat(5_000));
        let r = lint_source("dist/bundle.js", Lang::JavaScript, &text);
        assert!(r.findings.is_empty());
        assert!(r.notes[0].contains("minified"), "{:?}", r.notes);
    }
}
