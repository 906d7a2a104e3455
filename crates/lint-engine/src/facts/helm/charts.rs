//! Chart.yaml files: which chart a values file belongs to, its version, and the subcharts an
//! umbrella chart pulls in (by name or alias).

use std::collections::HashMap;

use crate::source::YamlSource;

/// `major.minor.patch` of a chart, or the lowest version a constraint like `~19.1` or
/// `19.x.x` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u64, pub u64, pub u64);

impl Version {
    /// First `N[.N[.N]]` in `s` (`">=18.14.0 <20"` -> 18.14.0, `"19.x.x"` -> 19.0.0).
    pub fn lowest_in(s: &str) -> Option<Version> {
        let start = s.find(|c: char| c.is_ascii_digit())?;
        let mut parts = s[start..]
            .split('.')
            .map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>().parse::<u64>().ok());
        let major = parts.next().flatten()?;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some(Version(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

#[derive(Debug, Clone)]
pub struct Dependency {
    pub name: String,
    pub alias: Option<String>,
    pub version: Option<Version>,
}

#[derive(Debug, Clone)]
pub struct ChartInfo {
    pub name: String,
    pub version: Option<Version>,
    pub dependencies: Vec<Dependency>,
}

impl ChartInfo {
    /// The dependency whose values live under `key` (its alias, else its name).
    pub fn dependency(&self, key: &str) -> Option<&Dependency> {
        self.dependencies.iter().find(|d| d.alias.as_deref().unwrap_or(&d.name) == key)
    }
}

/// Chart.yaml files by directory, with the versions Chart.lock pins.
#[derive(Debug, Default)]
pub struct ChartIndex {
    by_dir: HashMap<String, ChartInfo>,
    /// dir -> (dependency name, locked version) from Chart.lock.
    locked: HashMap<String, Vec<(String, Version)>>,
}

fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

impl ChartIndex {
    pub fn add(&mut self, src: &YamlSource) {
        let Some(doc) = src.yaml.docs.first() else { return };
        let Some(root) = doc.root() else { return };
        if src.path.ends_with("Chart.lock") {
            // Chart.lock records the exact version `helm dependency update` resolved.
            let mut pins = Vec::new();
            for d in doc.get(root, "dependencies").map(|d| doc.items(d).to_vec()).unwrap_or_default() {
                let g = |k: &str| doc.get(d, k).and_then(|n| doc.non_null_str(n));
                if let (Some(name), Some(v)) = (g("name"), g("version").and_then(Version::lowest_in)) {
                    pins.push((name.to_string(), v));
                }
            }
            self.locked.insert(dir_of(&src.path).to_string(), pins);
            return;
        }
        let s = |k: &str| doc.get(root, k).and_then(|n| doc.non_null_str(n)).map(str::to_string);
        let Some(name) = s("name") else { return };
        let mut dependencies = Vec::new();
        if let Some(deps) = doc.get(root, "dependencies") {
            for d in doc.items(deps) {
                let g = |k: &str| doc.get(*d, k).and_then(|n| doc.non_null_str(n)).map(str::to_string);
                if let Some(dname) = g("name") {
                    dependencies.push(Dependency {
                        name: dname,
                        alias: g("alias"),
                        version: g("version").as_deref().and_then(Version::lowest_in),
                    });
                }
            }
        }
        let info =
            ChartInfo { name, version: s("version").as_deref().and_then(Version::lowest_in), dependencies };
        self.by_dir.insert(dir_of(&src.path).to_string(), info);
    }

    /// The chart a values file at `path` belongs to (Chart.yaml in the same directory), with
    /// dependency versions replaced by the ones Chart.lock pins.
    pub fn for_values(&self, path: &str) -> Option<ChartInfo> {
        let dir = dir_of(path);
        let mut info = self.by_dir.get(dir)?.clone();
        if let Some(pins) = self.locked.get(dir) {
            for dep in &mut info.dependencies {
                if let Some((_, v)) = pins.iter().find(|(n, _)| *n == dep.name) {
                    dep.version = Some(*v);
                }
            }
        }
        Some(info)
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn versions_from_constraints() {
        assert_eq!(Version::lowest_in("19.x.x"), Some(Version(19, 0, 0)));
        assert_eq!(Version::lowest_in(">=18.14.0 <20"), Some(Version(18, 14, 0)));
        assert_eq!(Version::lowest_in("~17.3"), Some(Version(17, 3, 0)));
        assert_eq!(Version::lowest_in("*"), None);
    }
}
