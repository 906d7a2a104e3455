//! The rule catalog: one YAML file per rule in `lint-rules/`, embedded at build time.
//!
//! Docs (`redis-audit explain`, docs/rules/, SARIF `rules[]`) and example tests are all generated
//! from these files, so a rule's facts, sources and examples live in one place.

use std::sync::OnceLock;

use crate::Severity;

include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// Where a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Lint,
    Live,
    Both,
}

/// A bad/good pair of inputs for one file kind. `bad` must give exactly this rule; `good` none.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// File name the snippet is linted as (decides the input kind), e.g. `values.yaml`.
    pub file: String,
    pub bad: String,
    pub good: String,
    /// Optional `.redis-audit.yaml` used for both snippets (e.g. to state a role).
    #[serde(default)]
    pub config: Option<String>,
}

/// Upstream fact a rule relies on.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// Library or chart and the versions the fact holds for, e.g. `bitnami/redis >= 19.0.0`.
    pub what: String,
    /// `owner/repo: path @ ref`, or a documentation URL.
    #[serde(rename = "ref")]
    pub reference: String,
}

/// One catalog entry.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub since: String,
    pub scope: Scope,
    pub applies_to: Vec<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    pub summary: String,
    pub rationale: String,
    pub fix: String,
    #[serde(default)]
    pub examples: Vec<Example>,
}

impl Rule {
    /// Anchor of the rule's page, used as help URI in SARIF and JSON.
    pub fn help_uri(&self) -> String {
        format!("{DOCS_BASE}/{}.md", self.id)
    }

    /// The rule's documentation as Markdown (what `explain` prints and docs/rules/ holds).
    pub fn markdown(&self) -> String {
        let mut md = format!(
            "# {}\n\n{}\n\n- Severity: {}\n- Scope: {}\n- Applies to: {}\n- Since: {}\n\n## Why\n\n{}\n\n## Fix\n\n{}\n",
            self.id,
            self.summary,
            self.severity,
            match self.scope {
                Scope::Lint => "lint",
                Scope::Live => "live",
                Scope::Both => "lint and live",
            },
            self.applies_to.join(", "),
            self.since,
            self.rationale.trim_end(),
            self.fix.trim_end(),
        );
        for ex in &self.examples {
            md.push_str(&format!(
                "\n## Example (`{}`)\n\nBad:\n\n```{lang}\n{}\n```\n\nGood:\n\n```{lang}\n{}\n```\n",
                ex.file,
                ex.bad.trim_end(),
                ex.good.trim_end(),
                lang = if ex.file.ends_with(".conf") { "conf" } else { "yaml" },
            ));
        }
        if !self.sources.is_empty() {
            md.push_str("\n## Sources\n\n");
            for s in &self.sources {
                md.push_str(&format!("- {}: {}\n", s.what, s.reference));
            }
        }
        md
    }
}

/// Base of the per-rule documentation pages.
pub const DOCS_BASE: &str = "https://github.com/redis-audit/redis-audit/blob/main/docs/rules";

/// The parsed catalog, sorted by id.
#[derive(Debug)]
pub struct Catalog {
    rules: Vec<Rule>,
}

/// Why an embedded rule file could not be loaded (only possible while developing a rule; the
/// catalog test fails first).
#[derive(Debug, thiserror::Error)]
#[error("lint-rules/{file}: {message}")]
pub struct CatalogError {
    pub file: String,
    pub message: String,
}

impl Catalog {
    /// Parses the embedded files.
    pub fn load() -> Result<Catalog, CatalogError> {
        let mut rules = Vec::with_capacity(RULE_FILES.len());
        for (file, text) in RULE_FILES {
            let rule: Rule = serde_saphyr::from_str(text)
                .map_err(|e| CatalogError { file: (*file).to_string(), message: e.to_string() })?;
            rules.push(rule);
        }
        rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Catalog { rules })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.binary_search_by(|r| r.id.as_str().cmp(id)).ok().map(|i| &self.rules[i])
    }

    /// Position of a rule in [`Self::rules`] (SARIF `ruleIndex`).
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.rules.binary_search_by(|r| r.id.as_str().cmp(id)).ok()
    }

    /// File names embedded, for the test that compares them with the directory.
    pub fn file_names() -> impl Iterator<Item = &'static str> {
        RULE_FILES.iter().map(|(name, _)| *name)
    }
}

/// The embedded catalog. The files are compiled in and checked by tests, so a parse failure is
/// a build defect: it aborts with the file name rather than running with rules missing.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| match Catalog::load() {
        Ok(c) => c,
        Err(e) => panic!("embedded rule catalog is invalid: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn catalog_loads_and_matches_directory() {
        let cat = Catalog::load().unwrap_or_else(|e| panic!("{e}"));
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../lint-rules");
        let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
            .expect("lint-rules/")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml"))
            .collect();
        let embedded: BTreeSet<String> = Catalog::file_names().map(str::to_string).collect();
        assert_eq!(on_disk, embedded, "rebuild: lint-rules/ changed");
        let mut ids = BTreeSet::new();
        for (rule, file) in cat.rules().iter().zip(
            // rules are sorted by id; files by name; ids must equal file stems so both orders agree
            embedded.iter(),
        ) {
            assert_eq!(format!("{}.yaml", rule.id), *file, "file name must be the rule id");
            assert!(ids.insert(rule.id.clone()), "duplicate id {}", rule.id);
            assert!(
                rule.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}: ids are kebab-case",
                rule.id
            );
            assert!(rule.fix.trim_end().ends_with('.'), "{}: fix must end with a period", rule.id);
            assert!(rule.summary.trim_end().ends_with('.'), "{}: summary must end with a period", rule.id);
            assert!(!rule.sources.is_empty(), "{}: every rule cites its sources", rule.id);
            if rule.scope != Scope::Live {
                assert!(!rule.examples.is_empty(), "{}: lint rules need bad/good examples", rule.id);
            }
        }
    }
}
