//! Application sources: the code and config that decide how long data lives in Redis
//! (Sidekiq, Django, Celery, RQ, express-session/connect-redis, BullMQ, Rails, Laravel, Spring
//! Boot). Each source file is
//! parsed with tree-sitter only when a cheap look at its name and content says it can matter;
//! each language module then walks the tree and reports at the exact call or key.
//!
//! tree-sitter recovers from syntax errors: a file that does not parse gets an info
//! `parse-error` at its first error, and the rules still run on what did parse.
//!
//! Some rules need more than one file (a Laravel `Cache::forever` is only a problem when
//! `config/cache.php` or `.env` makes the default store Redis; a Spring profile may set the TTL
//! its sibling lacks): those files give [`Fact`]s, joined by [`check_facts`] once all are read.

pub mod dotenv;
mod javascript;
pub mod laravel;
pub mod node;
mod php;
pub mod properties;
mod python;
pub mod retention;
mod ruby;
pub mod spring;
pub mod uses;
pub mod versions;

use findings::{Finding, Location, Severity, Span};

/// Languages read as source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    Ruby,
    JavaScript,
    TypeScript,
    Tsx,
    Php,
}

/// Config files read for application rules, besides YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigKind {
    /// Spring Boot `application*.properties` / `bootstrap*.properties`.
    SpringProperties,
    /// `.env`, `.env.production`, `.env.example`.
    DotEnv,
}

/// The config kind of a file, by its name.
pub fn config_kind_of(path: &str) -> Option<ConfigKind> {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if spring::config_file(path) == Some(false) {
        return Some(ConfigKind::SpringProperties);
    }
    (name == ".env" || name.starts_with(".env.")).then_some(ConfigKind::DotEnv)
}

/// What one file tells a rule that joins several files.
#[derive(Debug, Clone)]
pub enum Fact {
    Spring(spring::Unit),
    Laravel(laravel::Fact),
    /// An application use of a Redis (framework, role, where it points), see [`uses`].
    RedisUse(uses::Use),
    /// An environment variable's value set by a deployment file or `.env`, see [`uses`].
    Env(uses::EnvValue),
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
        "php" => Some(Lang::Php),
        _ => None,
    }
    // Blade templates are HTML with directives, not PHP.
    .filter(|_| !name.ends_with(".min.js") && !name.ends_with(".d.ts") && !name.ends_with(".blade.php"))
}

impl Lang {
    fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::Python => tree_sitter_python::LANGUAGE.into(),
            Lang::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Php => tree_sitter_php::LANGUAGE_PHP.into(),
        }
    }

    /// Words one of whose presence makes the file worth parsing (the libraries and settings
    /// the rules look at); most source files contain none and are never parsed.
    fn keywords(self) -> &'static [&'static str] {
        match self {
            Lang::Python => python::KEYWORDS,
            Lang::Ruby => ruby::KEYWORDS,
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => javascript::KEYWORDS,
            Lang::Php => php::KEYWORDS,
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
    /// Facts for rules that join several files, see [`check_facts`].
    pub facts: Vec<Fact>,
    /// Findings that hold only below some library version, see [`versions::apply_conditional`].
    pub conditional: Vec<versions::Conditional>,
}

/// Parses `text` as `lang` and runs that language's rules. Never panics.
pub fn lint_source(path: &str, lang: Lang, text: &str) -> SourceResult {
    let mut out = SourceResult::default();
    let for_rules = worth_parsing(lang, text);
    if !for_rules && !uses::KEYWORDS.iter().any(|k| text.contains(k)) {
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
    let src = node::Source { path, text };
    out.facts.extend(uses::from_source(&src, lang, root).into_iter().map(Fact::RedisUse));
    if !for_rules {
        return out;
    }
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
    match lang {
        Lang::Python => python::check(&src, root, &mut out.findings),
        Lang::Ruby => ruby::check(&src, root, &mut out.findings),
        Lang::JavaScript | Lang::TypeScript | Lang::Tsx => {
            javascript::check(&src, root, &mut out.findings, &mut out.conditional);
        }
        Lang::Php => {
            let mut facts = Vec::new();
            php::check(&src, root, &mut facts);
            out.facts.extend(facts.into_iter().map(Fact::Laravel));
        }
    }
    out
}

/// Reads a config file of `kind` into facts. Never panics.
pub fn lint_config(path: &str, kind: ConfigKind, text: &str) -> SourceResult {
    let mut out = SourceResult::default();
    if text.len() > MAX_SOURCE_BYTES {
        return out;
    }
    match kind {
        ConfigKind::SpringProperties => {
            out.facts.extend(spring::from_properties(path, text).into_iter().map(Fact::Spring));
        }
        ConfigKind::DotEnv => {
            out.facts.extend(laravel::env_facts(path, text).into_iter().map(Fact::Laravel));
            out.facts.extend(uses::from_dotenv(path, text).into_iter().map(Fact::Env));
        }
    }
    out
}

/// Facts of a parsed YAML file (Spring Boot `application*.yml`).
pub fn yaml_facts(y: &crate::YamlSource) -> Vec<Fact> {
    let mut out: Vec<Fact> = spring::from_yaml(y).into_iter().map(Fact::Spring).collect();
    out.extend(uses::from_yaml(y).into_iter().map(Fact::Env));
    out
}

/// Findings of a parsed YAML file read by an application rule (`config/sidekiq.yml`).
pub fn yaml_findings(y: &crate::YamlSource) -> Vec<Finding> {
    ruby::sidekiq_yml::check(y)
}

/// The findings of rules that join several files, once every file is read.
pub fn check_facts(facts: &[Fact]) -> Vec<Finding> {
    let mut out = Vec::new();
    let units: Vec<spring::Unit> = facts
        .iter()
        .filter_map(|f| match f {
            Fact::Spring(u) => Some(u.clone()),
            _ => None,
        })
        .collect();
    spring::check(&units, &mut out);
    let laravel: Vec<laravel::Fact> = facts
        .iter()
        .filter_map(|f| match f {
            Fact::Laravel(l) => Some(l.clone()),
            _ => None,
        })
        .collect();
    laravel::check(&laravel, &mut out);
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
        assert_eq!(lang_of("app/Http/Controllers/HomeController.php"), Some(Lang::Php));
        assert_eq!(lang_of("resources/views/home.blade.php"), None);
        assert_eq!(
            config_kind_of("src/main/resources/application-prod.properties"),
            Some(ConfigKind::SpringProperties)
        );
        assert_eq!(config_kind_of("app/.env"), Some(ConfigKind::DotEnv));
        assert_eq!(config_kind_of(".env.example"), Some(ConfigKind::DotEnv));
        assert_eq!(config_kind_of("gradle.properties"), None);
    }

    #[test]
    fn minified_bundles_are_skipped_with_a_note() {
        let text = format!("const bullmq=require('bullmq');{}", "a=1;".repeat(5_000));
        let r = lint_source("dist/bundle.js", Lang::JavaScript, &text);
        assert!(r.findings.is_empty());
        assert!(r.notes[0].contains("minified"), "{:?}", r.notes);
    }
}
