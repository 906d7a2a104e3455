//! Baselines: a file of known findings, keyed by fingerprints (rule + file + what is flagged,
//! never the line), so adopting the linter on an existing repo only fails on new problems.

use std::collections::BTreeMap;

use findings::Finding;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BaselineEntry {
    pub rule: String,
    pub path: Option<String>,
    pub fingerprint: String,
    /// For people reading the file; not used for matching.
    pub message: String,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

#[derive(Debug, thiserror::Error)]
#[error("baseline {path}: {message}")]
pub struct BaselineError {
    pub path: String,
    pub message: String,
}

impl Baseline {
    pub fn from_findings(findings: &[Finding]) -> Baseline {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                rule: f.rule.clone(),
                path: f.location.path().map(str::to_string),
                fingerprint: f.fingerprint.clone(),
                message: f.message.clone(),
            })
            .collect();
        entries.sort_by(|a, b| (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint)));
        Baseline { version: 1, findings: entries }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    pub fn parse(text: &str, path: &str) -> Result<Baseline, BaselineError> {
        let b: Baseline = serde_json::from_str(text)
            .map_err(|e| BaselineError { path: path.to_string(), message: e.to_string() })?;
        if b.version != 1 {
            return Err(BaselineError {
                path: path.to_string(),
                message: format!("unsupported version {}", b.version),
            });
        }
        Ok(b)
    }

    /// Removes findings present in the baseline (each entry absorbs one finding); returns how
    /// many were removed.
    pub fn filter(&self, findings: &mut Vec<Finding>) -> usize {
        let mut budget: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &self.findings {
            *budget.entry(e.fingerprint.as_str()).or_default() += 1;
        }
        let before = findings.len();
        findings.retain(|f| match budget.get_mut(f.fingerprint.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        });
        before - findings.len()
    }
}
