//! `.redis-audit.yaml`: rule selection, severity overrides, path excludes and roles.
//!
//! ```yaml
//! select: [maxmemory-unset, memory-limit-missing]   # only these rules (default: all)
//! ignore: [memory-request-below-limit]               # never these
//! severity: {helm-resources-preset: error}           # per-rule severity override
//! exclude: ["vendor/**", "**/testdata/**"]          # paths not linted
//! roles:                                             # role per workload/release/values key (globs)
//!   sidekiq-redis: queue
//!   "*-cache": cache
//! ```

use std::{collections::BTreeMap, path::Path};

use findings::Severity;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::facts::Role;

/// File names looked for when `--config` is not given.
pub const CONFIG_FILE_NAMES: &[&str] = &[".redis-audit.yaml", ".redis-audit.yml"];

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: unknown rule id `{id}` (see `redis-audit rules`)")]
    UnknownRule { what: String, id: String },
    #[error("{path}: invalid glob `{glob}`: {message}")]
    Glob { path: String, glob: String, message: String },
}

/// Validated configuration, ready to use.
#[derive(Debug, Default)]
pub struct Config {
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    exclude: Option<GlobSet>,
    roles: Vec<(globset::GlobMatcher, Role, String)>,
}

fn check_rule(what: &str, id: &str) -> Result<(), ConfigError> {
    if id == crate::rules::PARSE_ERROR || findings::catalog().get(id).is_some() {
        Ok(())
    } else {
        Err(ConfigError::UnknownRule { what: what.to_string(), id: id.to_string() })
    }
}

impl Config {
    /// Parses a config file's text; `path` is only used in messages.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let file: ConfigFile = if text.trim().is_empty() {
            ConfigFile::default()
        } else {
            serde_saphyr::from_str(text)
                .map_err(|e| ConfigError::Invalid { path: path.to_string(), message: e.to_string() })?
        };
        Config::from_file(file, path)
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: shown.clone(), source })?;
        Config::parse(&text, &shown)
    }

    /// The config file in `dir`, if any.
    pub fn discover(dir: &Path) -> Option<std::path::PathBuf> {
        CONFIG_FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())
    }

    fn from_file(file: ConfigFile, path: &str) -> Result<Config, ConfigError> {
        for id in file.select.iter().chain(&file.ignore).chain(file.severity.keys()) {
            check_rule(path, id)?;
        }
        let glob = |g: &str, literal: bool| {
            GlobBuilder::new(g).literal_separator(literal).build().map_err(|e| ConfigError::Glob {
                path: path.to_string(),
                glob: g.to_string(),
                message: e.to_string(),
            })
        };
        let exclude = if file.exclude.is_empty() {
            None
        } else {
            let mut b = GlobSetBuilder::new();
            for g in &file.exclude {
                b.add(glob(g, true)?);
                // `vendor/**` also excludes `./vendor/...` and nested checkouts.
                b.add(glob(&format!("**/{}", g.trim_start_matches("./")), true)?);
            }
            Some(b.build().map_err(|e| ConfigError::Glob {
                path: path.to_string(),
                glob: file.exclude.join(", "),
                message: e.to_string(),
            })?)
        };
        let mut roles = Vec::new();
        for (pattern, role) in file.roles {
            roles.push((glob(&pattern, false)?.compile_matcher(), role, pattern));
        }
        Ok(Config { select: file.select, ignore: file.ignore, severity: file.severity, exclude, roles })
    }

    /// Adds command-line `--select`/`--ignore` lists.
    pub fn with_cli(mut self, select: &[String], ignore: &[String]) -> Result<Config, ConfigError> {
        for id in select.iter().chain(ignore) {
            check_rule("command line", id)?;
        }
        if !select.is_empty() {
            self.select = select.to_vec();
        }
        self.ignore.extend(ignore.iter().cloned());
        Ok(self)
    }

    pub fn is_excluded(&self, path: &str) -> bool {
        self.exclude.as_ref().is_some_and(|set| set.is_match(path.trim_start_matches("./")))
    }

    pub fn is_enabled(&self, rule: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| s == rule))
            && !self.ignore.iter().any(|s| s == rule)
    }

    /// A role stated for any of `names`, with the pattern that matched.
    pub fn role_for(&self, names: &[String]) -> Option<(Role, &str)> {
        self.roles
            .iter()
            .find(|(m, _, _)| names.iter().any(|n| m.is_match(n)))
            .map(|(_, r, p)| (*r, p.as_str()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates() {
        let c = Config::parse("ignore: [memory-request-below-limit]\nseverity: {helm-resources-preset: error}\nexclude: ['vendor/**']\nroles: {'*-jobs': queue}\n", "x").unwrap();
        assert!(!c.is_enabled("memory-request-below-limit"));
        assert!(c.is_excluded("vendor/a/values.yaml"));
        assert!(c.is_excluded("./sub/vendor/a.yaml"));
        assert_eq!(c.role_for(&["app-jobs".into()]).map(|r| r.0), Some(Role::Queue));
        let e = Config::parse("ignore: [no-such-rule]\n", ".redis-audit.yaml").unwrap_err();
        assert!(e.to_string().contains("no-such-rule"));
        assert!(Config::parse("selekt: []\n", "x").is_err());
    }
}
