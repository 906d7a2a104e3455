//! Library versions from lockfiles and manifests, and the version facts that change what an
//! application rule means.
//!
//! Readers ([`readers`]) turn Gemfile.lock, package-lock.json, package.json, requirements*.txt,
//! poetry.lock, uv.lock, pom.xml and build.gradle(.kts) into `package -> version or range`.
//! A source file takes its versions from the nearest ancestor directory holding a file of its
//! ecosystem (a monorepo has one per service); a lockfile's exact version is preferred over a
//! manifest's range. [`apply`] then adjusts the app findings: a stronger severity, a finding
//! dropped (with a note saying why), or a clause naming the version and file used. With no
//! version known the rules keep their version-free reading, and the message says which.
//!
//! Must not: guess a version it cannot read, or decide on a range that straddles a boundary.

mod facts;
pub mod readers;
pub mod req;

use findings::Span;

pub use facts::{Clause, Conditional, apply, apply_conditional};
use req::Req;

/// Package ecosystems, each with its own files and name rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ecosystem {
    RubyGems,
    Npm,
    PyPi,
    Maven,
}

impl Ecosystem {
    /// The files read for this ecosystem, for messages.
    pub fn files(self) -> &'static str {
        match self {
            Ecosystem::RubyGems => "a Gemfile.lock",
            Ecosystem::Npm => "a package-lock.json or package.json",
            Ecosystem::PyPi => "a requirements*.txt, poetry.lock or uv.lock",
            Ecosystem::Maven => "a pom.xml or build.gradle",
        }
    }

    fn normalize(self, name: &str) -> String {
        match self {
            Ecosystem::PyPi => readers::normalize_python(name),
            _ => name.to_ascii_lowercase(),
        }
    }
}

/// Files that pin or constrain dependency versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    GemfileLock,
    /// package-lock.json or npm-shrinkwrap.json.
    PackageLock,
    PackageJson,
    /// requirements*.txt, or any .txt in a `requirements/` directory.
    Requirements,
    PoetryLock,
    UvLock,
    Pom,
    Gradle,
}

impl LockKind {
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            LockKind::GemfileLock => Ecosystem::RubyGems,
            LockKind::PackageLock | LockKind::PackageJson => Ecosystem::Npm,
            LockKind::Requirements | LockKind::PoetryLock | LockKind::UvLock => Ecosystem::PyPi,
            LockKind::Pom | LockKind::Gradle => Ecosystem::Maven,
        }
    }

    /// Resolved versions (what is installed), not a manifest's constraints.
    pub fn is_lock(self) -> bool {
        matches!(
            self,
            LockKind::GemfileLock | LockKind::PackageLock | LockKind::PoetryLock | LockKind::UvLock
        )
    }
}

/// File names, exactly.
const NAMES: &[(&str, LockKind)] = &[
    ("Gemfile.lock", LockKind::GemfileLock),
    ("package-lock.json", LockKind::PackageLock),
    ("npm-shrinkwrap.json", LockKind::PackageLock),
    ("package.json", LockKind::PackageJson),
    ("poetry.lock", LockKind::PoetryLock),
    ("uv.lock", LockKind::UvLock),
    ("pom.xml", LockKind::Pom),
    ("build.gradle", LockKind::Gradle),
    ("build.gradle.kts", LockKind::Gradle),
];

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The kind of a lockfile or manifest, by its path.
pub fn lock_kind(path: &str) -> Option<LockKind> {
    let path = path.strip_prefix("./").unwrap_or(path);
    let name = file_name(path);
    if let Some((_, kind)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Some(*kind);
    }
    let in_requirements_dir = file_name(parent(path)) == "requirements";
    (name.ends_with(".txt") && (name.starts_with("requirements") || in_requirements_dir))
        .then_some(LockKind::Requirements)
}

/// What a file says about one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub req: Req,
    /// As written (`7.2.1`, `^7.1.0`, `>=1.15`).
    pub written: String,
    /// Where, in the file.
    pub span: Span,
}

/// One lockfile or manifest, read.
#[derive(Debug, Clone)]
pub struct Lockfile {
    pub path: String,
    pub kind: LockKind,
    pub packages: Vec<(String, Pin)>,
}

/// Reads a lockfile or manifest. Never fails: what is not understood is left out.
pub fn read(path: &str, kind: LockKind, text: &str) -> Lockfile {
    let packages = match kind {
        LockKind::GemfileLock => readers::gemfile_lock(text),
        LockKind::PackageLock => readers::package_lock(text),
        LockKind::PackageJson => readers::package_json(text),
        LockKind::Requirements => readers::requirements(text),
        LockKind::PoetryLock | LockKind::UvLock => readers::toml_packages(text),
        LockKind::Pom => readers::pom(text),
        LockKind::Gradle => readers::gradle(text),
    };
    Lockfile { path: path.strip_prefix("./").unwrap_or(path).to_string(), kind, packages }
}

impl Lockfile {
    /// The directory whose sources this file covers (`requirements/base.txt` covers the
    /// directory holding `requirements/`).
    fn scope(&self) -> &str {
        let dir = parent(&self.path);
        if self.kind == LockKind::Requirements && file_name(dir) == "requirements" {
            parent(dir)
        } else {
            dir
        }
    }

    fn get(&self, name: &str) -> Option<&Pin> {
        self.packages.iter().find(|(n, _)| n == name).map(|(_, p)| p)
    }
}

/// A version found for a source file.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub pin: &'a Pin,
    pub path: &'a str,
    pub kind: LockKind,
}

impl Found<'_> {
    /// `sidekiq 7.2.1 in Gemfile.lock`, `connect-redis ^4.0.0 (a range) in package.json`.
    pub fn describe(&self, package: &str) -> String {
        let range = if self.pin.req.is_exact() { "" } else { " (a range)" };
        format!("{package} {}{range} in {}", self.pin.written, self.path)
    }
}

/// Every lockfile and manifest read in a run.
#[derive(Debug, Default)]
pub struct Index {
    files: Vec<Lockfile>,
}

/// Whether `dir` is `source_dir` or one of its ancestors.
fn covers(dir: &str, source_dir: &str) -> bool {
    dir.is_empty() || source_dir == dir || source_dir.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

impl Index {
    pub fn add(&mut self, file: Lockfile) {
        self.files.push(file);
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The version of `package` that applies to `source`: walking up from its directory, the
    /// first lockfile of the ecosystem decides (a package it does not list is not installed);
    /// a manifest on the way gives a range, used when no lockfile lists the package or when
    /// the lockfile's version falls outside that range (the lockfile then belongs to another
    /// project).
    pub fn lookup(&self, source: &str, ecosystem: Ecosystem, package: &str) -> Option<Found<'_>> {
        let source = source.strip_prefix("./").unwrap_or(source);
        let source_dir = parent(source);
        let name = ecosystem.normalize(package);
        let mut candidates: Vec<&Lockfile> = self
            .files
            .iter()
            .filter(|f| f.kind.ecosystem() == ecosystem && covers(f.scope(), source_dir))
            .collect();
        // Nearest first; in one directory, lockfiles before manifests, then by name.
        candidates.sort_by(|a, b| {
            b.scope()
                .len()
                .cmp(&a.scope().len())
                .then(b.kind.is_lock().cmp(&a.kind.is_lock()))
                .then(a.path.cmp(&b.path))
        });
        let mut manifest: Option<Found<'_>> = None;
        for f in candidates {
            let hit = f.get(&name).map(|pin| Found { pin, path: &f.path, kind: f.kind });
            if !f.kind.is_lock() {
                manifest = manifest.or(hit);
                continue;
            }
            return match (hit, manifest) {
                (Some(h), Some(m)) if !m.pin.req.contains(&h.pin.req) => Some(m),
                (Some(h), _) => Some(h),
                (None, m) => m,
            };
        }
        manifest
    }
}
