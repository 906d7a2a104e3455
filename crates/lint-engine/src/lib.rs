//! The static checker behind `redis-audit lint`.
//!
//! Data flow: [`walk`] reads files -> [`classify`] decides what each is -> [`yaml`] and
//! [`redis_conf`] parse with byte spans -> [`facts`] extractors turn documents into Redis
//! [`facts::Instance`]s (joining workloads with ConfigMaps across files, Helm values with
//! Chart.yaml) -> [`rules`] produce findings -> config, inline suppressions and the baseline
//! filter them. No network, no cluster.

pub mod app;
pub mod baseline;
pub mod classify;
pub mod config;
pub mod facts;
pub mod redis_conf;
pub mod rules;
mod source;
pub mod suppress;
pub mod text;
pub mod walk;
pub mod yaml;

use std::sync::Arc;

use findings::{Finding, Location, Severity, Span};

use classify::InputKind;
use config::Config;
use facts::{
    Instance, RoleInfo,
    configmaps::ConfigMapIndex,
    helm::ChartIndex,
    manifests::{self, BadValue},
    operators, standalone_conf,
};
use redis_conf::OffsetMap;
pub use source::YamlSource;

/// One file to lint.
#[derive(Debug, Clone)]
pub struct Input {
    /// Path as shown in findings (`-` for stdin).
    pub path: String,
    pub text: Arc<str>,
    /// Named on the command line (read whatever its name).
    pub explicit: bool,
}

/// Result of a lint run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings after config, suppressions and baseline, sorted by file, offset and rule.
    pub findings: Vec<Finding>,
    /// Texts of the files findings point into, for renderers.
    pub sources: Vec<(String, Arc<str>)>,
    pub files_scanned: usize,
    pub notes: Vec<String>,
    pub suppressed: usize,
    /// Every Redis found, for `--explain-facts` style debugging and tests.
    pub instances: Vec<Instance>,
}

enum Parsed {
    Yaml(YamlSource),
    Chart(YamlSource),
    Conf {
        path: String,
        text: Arc<str>,
    },
    HelmTemplate,
    Source(app::SourceResult),
    Lockfile(app::versions::Lockfile),
    /// A `.conf` named on the command line with no Redis directive in it.
    NotRedisConf(String),
    Skipped,
}

fn parse_input(input: &Input) -> Parsed {
    let kind = match classify::classify(&input.path, &input.text) {
        Some(k) => Some(k),
        // A named `.conf` that is not Redis's (supervisord.conf, nginx.conf) is neither YAML
        // nor a redis.conf without maxmemory: say so and leave it.
        None if input.explicit && classify::by_name(&input.path) == Some(InputKind::RedisConf) => {
            return Parsed::NotRedisConf(input.path.clone());
        }
        None if input.explicit => Some(if redis_conf::looks_like_redis_conf(&input.text) {
            InputKind::RedisConf
        } else {
            InputKind::Yaml
        }),
        None => None,
    };
    match kind {
        Some(InputKind::Yaml) => Parsed::Yaml(YamlSource {
            path: input.path.clone(),
            yaml: yaml::parse(&input.text),
            text: input.text.clone(),
        }),
        Some(InputKind::ChartYaml) => Parsed::Chart(YamlSource {
            path: input.path.clone(),
            yaml: yaml::parse(&input.text),
            text: input.text.clone(),
        }),
        Some(InputKind::RedisConf) => Parsed::Conf { path: input.path.clone(), text: input.text.clone() },
        Some(InputKind::HelmTemplate) => Parsed::HelmTemplate,
        Some(InputKind::Source(lang)) => Parsed::Source(app::lint_source(&input.path, lang, &input.text)),
        Some(InputKind::AppConfig(kind)) => Parsed::Source(app::lint_config(&input.path, kind, &input.text)),
        Some(InputKind::Lockfile(kind)) => {
            Parsed::Lockfile(app::versions::read(&input.path, kind, &input.text))
        }
        None => Parsed::Skipped,
    }
}

/// Parses inputs on all cores, keeping input order.
fn parse_all(inputs: &[Input]) -> Vec<Parsed> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    if inputs.len() < 64 || threads == 1 {
        return inputs.iter().map(parse_input).collect();
    }
    let chunk = inputs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(parse_input).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
    })
}

/// Lints `inputs` with `config`. Never fails: unreadable content becomes `parse-error` findings.
pub fn lint(inputs: &[Input], config: &Config) -> Outcome {
    let parsed = parse_all(inputs);
    let mut findings = Vec::new();
    let mut bad: Vec<BadValue> = Vec::new();
    let mut yamls = Vec::new();
    let mut charts = ChartIndex::default();
    let mut confs = Vec::new();
    let mut templates = 0;
    let mut notes = Vec::new();
    let mut app_facts = Vec::new();
    let mut versions = app::versions::Index::default();
    let mut conditional = Vec::new();
    for p in parsed {
        match p {
            Parsed::Yaml(y) => yamls.push(y),
            Parsed::Chart(c) => {
                charts.add(&c);
                yamls_errors(&c, &mut findings);
            }
            Parsed::Conf { path, text } => confs.push((path, text)),
            Parsed::HelmTemplate => templates += 1,
            Parsed::Source(r) => {
                findings.extend(r.findings);
                notes.extend(r.notes);
                app_facts.extend(r.facts);
                conditional.extend(r.conditional);
            }
            Parsed::Lockfile(l) => versions.add(l),
            Parsed::NotRedisConf(path) => {
                notes.push(format!("{path}: skipped, no Redis directive found (not a redis.conf)"))
            }
            Parsed::Skipped => {}
        }
    }
    if templates > 0 {
        notes.push(format!(
            "{templates} Helm template files were not linted (Go templates are not YAML); lint the rendered chart: `helm template <release> <chart> | redis-audit lint -`"
        ));
    }
    for y in &yamls {
        yamls_errors(y, &mut findings);
        app_facts.extend(app::yaml_facts(y));
        findings.extend(app::yaml_findings(y));
    }
    findings.extend(app::check_facts(&app_facts));
    // Library versions from lockfiles change what some app findings mean; all are in by now.
    notes.extend(app::versions::apply(&mut findings, &versions));
    let (held, held_notes) = app::versions::apply_conditional(conditional, &versions);
    findings.extend(held);
    notes.extend(held_notes);
    let configmaps = ConfigMapIndex::build(&yamls);
    let mut instances = Vec::new();
    for y in &yamls {
        let objects = y.objects();
        if objects.is_empty() {
            instances.extend(facts::helm::extract(y, &charts, &configmaps, &mut bad));
            continue;
        }
        for obj in objects {
            match operators::extract(&obj, &configmaps, &mut bad) {
                Some(found) => instances.extend(found),
                None => instances.extend(manifests::extract(&obj, &configmaps, &mut bad)),
            }
        }
    }
    for (path, text) in &confs {
        if !redis_conf::is_sentinel_conf(text) {
            let name = path.rsplit('/').next().unwrap_or(path);
            let anchor = first_line_span(text);
            instances.push(standalone_conf::instance(path, name, text, &OffsetMap::identity(), anchor));
        }
    }
    for cm in configmaps.all() {
        if configmaps.is_used(&cm.name) {
            continue;
        }
        for e in cm.entries.iter().filter(|e| e.is_redis_conf()) {
            let anchor = e.key_span;
            instances.push(standalone_conf::instance(
                &e.path,
                &format!("{}/{}", cm.name, e.key),
                &e.text,
                &e.map,
                anchor,
            ));
        }
    }
    // Application uses linked to the Redis they name give it a role (names and annotations
    // are weaker, `.redis-audit.yaml` is stronger).
    let links = app::uses::link_facts(&instances, &app_facts);
    for (i, inst) in instances.iter_mut().enumerate() {
        let linked = links.get(&i).map_or(&[][..], Vec::as_slice);
        app::uses::apply(inst, linked);
        if let Some((role, pattern)) =
            config.role_for(&[inst.names.clone(), vec![inst.identity.clone()]].concat())
        {
            inst.role = RoleInfo { role, evidence: format!("`.redis-audit.yaml` roles `{pattern}`") };
        }
        let mut found = rules::run(inst);
        app::uses::relate(&mut found, linked);
        findings.extend(found);
    }
    for b in bad {
        findings.push(Finding::new(
            rules::PARSE_ERROR,
            Severity::Error,
            format!("invalid value: {}", b.message),
            Location::file(&b.path, b.span),
            &b.message,
        ));
    }

    // Config: selection and severity overrides.
    findings.retain(|f| config.is_enabled(&f.rule));
    for f in &mut findings {
        if let Some(sev) = config.severity.get(&f.rule) {
            f.severity = *sev;
        }
    }
    // Inline suppressions.
    let texts: std::collections::HashMap<&str, &Arc<str>> =
        inputs.iter().map(|i| (i.path.as_str(), &i.text)).collect();
    let before = findings.len();
    findings.retain(|f| {
        !f.location.path().and_then(|p| texts.get(p)).is_some_and(|t| suppress::is_suppressed(f, t))
    });
    let suppressed = before - findings.len();

    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| a.message.cmp(&b.message)));
    findings.dedup_by(|a, b| a.rule == b.rule && a.location == b.location && a.message == b.message);
    let mut sources: Vec<(String, Arc<str>)> = Vec::new();
    for f in &findings {
        for path in
            std::iter::once(f.location.path()).chain(f.related.iter().map(|r| r.location.path())).flatten()
        {
            if !sources.iter().any(|(p, _)| p == path)
                && let Some(t) = texts.get(path)
            {
                sources.push((path.to_string(), (*t).clone()));
            }
        }
    }
    Outcome { findings, sources, files_scanned: inputs.len(), notes, suppressed, instances }
}

/// The first config line that is not blank or a comment (else the first line).
fn first_line_span(text: &str) -> Span {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim();
        if !body.is_empty() && !body.starts_with('#') {
            let start = offset + (line.len() - line.trim_start().len());
            return Span::new(start, start + body.len());
        }
        offset += line.len();
    }
    Span::new(0, text.find('\n').unwrap_or(text.len()))
}

fn yamls_errors(y: &YamlSource, findings: &mut Vec<Finding>) {
    for e in &y.yaml.errors {
        let start = e.offset.min(y.text.len());
        let end = y.text[start..].find('\n').map_or(y.text.len(), |i| start + i).max(start);
        let message = format!("invalid YAML, this document was skipped: {}", e.message);
        findings.push(Finding::new(
            rules::PARSE_ERROR,
            Severity::Error,
            message,
            Location::file(&y.path, Span::new(start, end)),
            &e.message,
        ));
    }
}
