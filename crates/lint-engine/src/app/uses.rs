//! Which Redis an application uses, and for what: role inference across a repository.
//!
//! Application files say what they keep in Redis (Sidekiq, Resque, RQ, a Celery broker,
//! BullMQ/Bull are queues; Rails and Django caches are caches; connect-redis and Rails
//! session stores hold sessions) and where that Redis is: a literal URL or host, or an
//! environment variable (`REDIS_URL`, `CELERY_BROKER_URL`...). Kubernetes manifests, ConfigMaps,
//! docker-compose files, Helm values and `.env` files give those variables their values.
//! [`link`] follows a use to a host and the host to the [`Instance`] whose Service it names,
//! so the instance gets the role its users give it.
//!
//! Only certain links count: a variable with several different values in the tree (nearest
//! directory first), a host that names several Redis deployments, an interpolated URL or an
//! external host are never linked, and the role stays whatever names and annotations said.

use std::collections::{BTreeMap, HashMap};

use findings::{Role, Span};
use tree_sitter::Node;

use super::Lang;
use super::node::{Source, descendants, span};
use crate::facts::{Instance, InstanceKind};
use crate::yaml::{Doc, NodeId, NodeKind};

/// Words that make a source file worth reading for Redis uses even when no rule needs it.
pub const KEYWORDS: &[&str] = &[
    "redis://",
    "rediss://",
    "REDIS",
    "BROKER_URL",
    "broker_url",
    "Sidekiq",
    "Resque",
    "bullmq",
    "'bull'",
    "\"bull\"",
    "connect-redis",
    "koa-redis",
    "redis_cache_store",
    "RedisCache",
];

/// Where a use says its Redis is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A literal host (from a URL or a `host` option), already normalised by [`host_of_url`].
    Host(String),
    /// An environment variable holding a URL or a host.
    Env(String),
}

/// One application use of a Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    /// `Sidekiq`, `Django cache`, `BullMQ`...
    pub framework: &'static str,
    pub role: Role,
    pub target: Target,
    pub path: String,
    pub span: Span,
    /// 1-based line of `span`, for evidence text.
    pub line: usize,
}

/// An environment variable given a value by a deployment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvValue {
    pub name: String,
    pub value: EnvVal,
    pub path: String,
    pub line: usize,
}

/// The value of an [`EnvValue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvVal {
    /// A host (from a URL or a bare host name).
    Host(String),
    /// Taken from another key (`valueFrom.configMapKeyRef.key`).
    Key(String),
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes().iter().take(offset).filter(|b| **b == b'\n').count() + 1
}

/// Whether `s` looks like an environment variable name (`REDIS_URL`).
fn env_like(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Top-level domains that show a host is outside the cluster (`redis.example.com`).
const PUBLIC_TLDS: &[&str] =
    &["com", "net", "org", "io", "dev", "cloud", "app", "co", "info", "biz", "me", "us", "eu", "uk", "de"];

/// The in-cluster name of a host: `sidekiq-redis-master.apps.svc.cluster.local` and
/// `sidekiq-redis-master.apps` give `sidekiq-redis-master`. Loopback, IP addresses, external
/// and templated hosts give `None`.
pub fn normalise_host(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty()
        || host.starts_with('[')
        || host == "localhost"
        || host.parse::<std::net::IpAddr>().is_ok()
        || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        || host.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let first = labels.first().copied().filter(|l| !l.is_empty())?;
    let in_cluster = match labels.as_slice() {
        [_] => true,
        [_, ns] => !PUBLIC_TLDS.contains(ns),
        [_, _, "svc"] => true,
        [.., "svc", "cluster", "local"] => true,
        _ => false,
    };
    in_cluster.then(|| first.to_string())
}

/// The normalised host of a `redis://` / `rediss://` URL.
pub fn host_of_url(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest =
        ["redis://", "rediss://"].iter().find_map(|p| lower.starts_with(p).then(|| &url[p.len()..]))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit('@').next().unwrap_or(authority);
    let host = hostport.split(':').next().unwrap_or("");
    normalise_host(host)
}

/// A literal string's content: quotes and prefixes removed, `None` when it interpolates.
fn string_content(text: &str) -> Option<&str> {
    let body = text.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let prefix = &text[..text.len() - body.len()];
    if prefix.contains(['f', 'F', 'b', 'B']) {
        return None;
    }
    let inner = ["\"\"\"", "'''", "\"", "'", "`"]
        .iter()
        .find_map(|q| body.strip_prefix(q).and_then(|b| b.strip_suffix(q)))?;
    (!inner.contains("#{") && !inner.contains("${") && !inner.contains('{')).then_some(inner)
}

fn is_string(kind: &str) -> bool {
    matches!(kind, "string" | "template_string")
}

/// What the code around a node makes of the Redis it names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Decision {
    Role(&'static str, Role),
    /// A client object or URL kept in a variable, judged where the variable is used.
    Bind(String),
    Nothing,
}

/// Per-file facts the classifier needs.
struct Ctx<'a> {
    src: &'a Source<'a>,
    lang: Lang,
    bullmq: bool,
    bull: bool,
    rq: bool,
    celery: bool,
    connect_redis: bool,
    koa_redis: bool,
}

/// How many variables per round [`from_source`] follows to where they are used.
const MAX_BINDINGS: usize = 256;

/// How far up from a value the classifier looks.
const MAX_UP: usize = 12;

fn last_segment(s: &str) -> &str {
    s.rsplit(['.', ':']).next().unwrap_or(s)
}

impl Ctx<'_> {
    fn text(&self, n: Node<'_>) -> &str {
        self.src.text_of(n)
    }

    fn field<'t>(&self, n: Node<'t>, name: &str) -> Option<Node<'t>> {
        n.child_by_field_name(name)
    }

    /// The key of a `pair` (or keyword argument) as a plain name.
    fn key_of(&self, n: Node<'_>) -> Option<String> {
        let k = self.field(n, "key").or_else(|| self.field(n, "name"))?;
        let t = self.text(k);
        let t = t.trim_end_matches(':').trim_start_matches(':');
        Some(string_content(t).unwrap_or(t).to_string())
    }

    /// What the code around `n` (a value or a variable) makes of it.
    fn decide(&self, n: Node<'_>) -> Decision {
        match self.lang {
            Lang::Python => self.decide_python(n),
            Lang::Ruby => self.decide_ruby(n),
            Lang::JavaScript | Lang::TypeScript | Lang::Tsx => self.decide_js(n),
            Lang::Php => Decision::Nothing,
        }
    }

    fn decide_python(&self, n: Node<'_>) -> Decision {
        let mut kw: Option<String> = None;
        let mut generic = false;
        let mut cur = n.parent();
        for _ in 0..MAX_UP {
            let Some(a) = cur else { break };
            match a.kind() {
                "keyword_argument" => kw = self.key_of(a),
                "call" => {
                    let f = self.field(a, "function").map(|f| self.text(f)).unwrap_or("");
                    let name = last_segment(f);
                    let k = kw.take();
                    match (name, k.as_deref()) {
                        ("Celery", Some("broker")) if self.celery => {
                            return Decision::Role("Celery broker", Role::Queue);
                        }
                        ("update", Some("broker_url" | "BROKER_URL")) if self.celery => {
                            return Decision::Role("Celery broker", Role::Queue);
                        }
                        ("Queue" | "Worker", Some("connection")) if self.rq => {
                            return Decision::Role("RQ", Role::Queue);
                        }
                        ("Redis" | "StrictRedis" | "from_url", _) => generic = true,
                        _ => return Decision::Nothing,
                    }
                }
                "assignment" => {
                    let left = self.field(a, "left").map(|l| self.text(l)).unwrap_or("");
                    let compact: String = left.chars().filter(|c| !c.is_whitespace()).collect();
                    if compact.ends_with("broker_url") || compact.ends_with("BROKER_URL") {
                        return Decision::Role("Celery broker", Role::Queue);
                    }
                    let right = self.field(a, "right").map(|r| self.text(r)).unwrap_or("");
                    if (compact == "CACHES" || compact.starts_with("CACHES["))
                        && right.to_ascii_lowercase().contains("redis")
                    {
                        return Decision::Role("Django cache", Role::Cache);
                    }
                    if compact == "RQ_QUEUES" || compact == "RQ_REDIS_URL" {
                        return Decision::Role("RQ", Role::Queue);
                    }
                    let is_name = self.field(a, "left").is_some_and(|l| l.kind() == "identifier");
                    return if is_name
                        && (generic
                            || a.parent().is_some_and(|p| p.parent().is_some_and(|m| m.kind() == "module")))
                    {
                        Decision::Bind(left.to_string())
                    } else {
                        Decision::Nothing
                    };
                }
                "pair"
                | "dictionary"
                | "list"
                | "argument_list"
                | "parenthesized_expression"
                | "expression_statement"
                | "subscript"
                | "attribute"
                | "boolean_operator"
                | "conditional_expression" => {}
                _ => return Decision::Nothing,
            }
            cur = a.parent();
        }
        Decision::Nothing
    }

    fn decide_ruby(&self, n: Node<'_>) -> Decision {
        let mut redis_assign = false;
        let mut cur = n.parent();
        for _ in 0..MAX_UP {
            let Some(a) = cur else { break };
            match a.kind() {
                "assignment" | "operator_assignment" => {
                    let left = self.field(a, "left").map(|l| self.text(l)).unwrap_or("");
                    let right = self.field(a, "right").map(|r| self.text(r)).unwrap_or("");
                    if left.ends_with("cache_store") && right.contains(":redis_cache_store") {
                        return Decision::Role("Rails cache", Role::Cache);
                    }
                    if left == "Resque.redis" {
                        return Decision::Role("Resque", Role::Queue);
                    }
                    if left.ends_with(".redis") {
                        redis_assign = true;
                    } else {
                        let is_name = self
                            .field(a, "left")
                            .is_some_and(|l| matches!(l.kind(), "identifier" | "constant"));
                        return if is_name { Decision::Bind(left.to_string()) } else { Decision::Nothing };
                    }
                }
                "call" => {
                    let receiver = self.field(a, "receiver").map(|r| self.text(r)).unwrap_or("");
                    let method = self.field(a, "method").map(|m| self.text(m)).unwrap_or("");
                    match (receiver, method) {
                        ("Sidekiq", "configure_server" | "configure_client") if redis_assign => {
                            return Decision::Role("Sidekiq", Role::Queue);
                        }
                        (_, "session_store")
                            if self
                                .field(a, "arguments")
                                .is_some_and(|x| self.text(x).contains(":redis")) =>
                        {
                            return Decision::Role("Rails sessions", Role::Sessions);
                        }
                        ("Redis", "new") => {}
                        _ if redis_assign => {}
                        _ => return Decision::Nothing,
                    }
                }
                "pair"
                | "hash"
                | "argument_list"
                | "array"
                | "element_reference"
                | "binary"
                | "parenthesized_statements"
                | "body_statement"
                | "do_block"
                | "block"
                | "block_body"
                | "right_assignment_list" => {}
                _ => return Decision::Nothing,
            }
            cur = a.parent();
        }
        Decision::Nothing
    }

    fn decide_js(&self, n: Node<'_>) -> Decision {
        let mut key: Option<String> = match n.kind() {
            "shorthand_property_identifier" => Some(self.text(n).to_string()),
            _ => None,
        };
        let mut cur = n.parent();
        for _ in 0..MAX_UP {
            let Some(a) = cur else { break };
            match a.kind() {
                "pair" => key = self.key_of(a),
                "new_expression" | "call_expression" => {
                    let callee = self
                        .field(a, "constructor")
                        .or_else(|| self.field(a, "function"))
                        .map(|c| self.text(c))
                        .unwrap_or("");
                    let name = last_segment(callee);
                    let k = key.take();
                    let queue_class = matches!(
                        name,
                        "Queue" | "Worker" | "QueueEvents" | "QueueScheduler" | "FlowProducer"
                    );
                    match name {
                        _ if queue_class
                            && self.bullmq
                            && matches!(k.as_deref(), Some("connection") | None) =>
                        {
                            return Decision::Role("BullMQ", Role::Queue);
                        }
                        _ if (queue_class || name == "Bull") && self.bull && !self.bullmq => {
                            return Decision::Role("Bull", Role::Queue);
                        }
                        "RedisStore"
                            if self.connect_redis && matches!(k.as_deref(), Some("client") | None) =>
                        {
                            return Decision::Role("connect-redis sessions", Role::Sessions);
                        }
                        // koa-redis is called as a factory under any name, most often `redisStore`.
                        _ if self.koa_redis
                            && name.eq_ignore_ascii_case("redisStore")
                            && matches!(k.as_deref(), Some("url" | "host" | "client") | None) =>
                        {
                            return Decision::Role("koa-redis sessions", Role::Sessions);
                        }
                        "createClient" | "Redis" | "IORedis" | "Cluster" => {}
                        _ => return Decision::Nothing,
                    }
                }
                "variable_declarator" => {
                    let name = self.field(a, "name").filter(|x| x.kind() == "identifier");
                    return match name {
                        Some(x) => Decision::Bind(self.text(x).to_string()),
                        _ => Decision::Nothing,
                    };
                }
                "object"
                | "arguments"
                | "parenthesized_expression"
                | "binary_expression"
                | "ternary_expression"
                | "as_expression"
                | "satisfies_expression"
                | "non_null_expression"
                | "template_substitution" => {}
                _ => return Decision::Nothing,
            }
            cur = a.parent();
        }
        Decision::Nothing
    }

    /// The target a node names, when it is a Redis URL, a host option or an env lookup.
    fn target(&self, n: Node<'_>) -> Option<Target> {
        let kind = n.kind();
        if is_string(kind) {
            let s = string_content(self.text(n))?;
            if let Some(h) = host_of_url(s) {
                return Some(Target::Host(h));
            }
            // `host: 'bull-redis'` (ioredis options), `host="cache-redis"` (redis-py).
            let parent = n.parent()?;
            if matches!(parent.kind(), "pair" | "keyword_argument")
                && self.key_of(parent).as_deref() == Some("host")
                && self.field(parent, "value").is_some_and(|v| v.id() == n.id())
            {
                return normalise_host(s).map(Target::Host);
            }
            return None;
        }
        let env = match (self.lang, kind) {
            (Lang::Python, "subscript") => {
                let v = self.field(n, "value").map(|v| self.text(v)).unwrap_or("");
                if !v.ends_with("environ") {
                    return None;
                }
                self.field(n, "subscript").and_then(|s| string_content(self.text(s)))
            }
            (Lang::Python, "call") => {
                let f = self.field(n, "function").map(|f| self.text(f)).unwrap_or("");
                if !matches!(
                    f,
                    "os.getenv"
                        | "getenv"
                        | "os.environ.get"
                        | "environ.get"
                        | "env"
                        | "env.str"
                        | "env.url"
                        | "config"
                ) {
                    return None;
                }
                let args = self.field(n, "arguments")?;
                let first = args.named_child(0).filter(|a| is_string(a.kind()))?;
                string_content(self.text(first))
            }
            (Lang::Ruby, "element_reference") => {
                if n.named_child(0).map(|o| self.text(o)) != Some("ENV") {
                    return None;
                }
                n.named_child(1).filter(|a| is_string(a.kind())).and_then(|a| string_content(self.text(a)))
            }
            (Lang::Ruby, "call") => {
                let receiver = self.field(n, "receiver").map(|r| self.text(r));
                let method = self.field(n, "method").map(|m| self.text(m));
                if receiver != Some("ENV") || method != Some("fetch") {
                    return None;
                }
                let args = self.field(n, "arguments")?;
                args.named_child(0).filter(|a| is_string(a.kind())).and_then(|a| string_content(self.text(a)))
            }
            (Lang::JavaScript | Lang::TypeScript | Lang::Tsx, "member_expression") => {
                if self.field(n, "object").map(|o| self.text(o)) != Some("process.env") {
                    return None;
                }
                self.field(n, "property").map(|p| self.text(p))
            }
            (Lang::JavaScript | Lang::TypeScript | Lang::Tsx, "subscript_expression") => {
                if self.field(n, "object").map(|o| self.text(o)) != Some("process.env") {
                    return None;
                }
                self.field(n, "index").and_then(|i| string_content(self.text(i)))
            }
            _ => None,
        }?;
        env_like(env).then(|| Target::Env(env.to_string()))
    }
}

/// Redis uses of one parsed source file.
pub fn from_source(src: &Source<'_>, lang: Lang, root: Node<'_>) -> Vec<Use> {
    let text = src.text;
    let ctx = Ctx {
        src,
        lang,
        bullmq: text.contains("bullmq"),
        bull: text.contains("'bull'") || text.contains("\"bull\""),
        rq: text.contains("rq"),
        celery: text.contains("celery") || text.contains("Celery"),
        connect_redis: text.contains("connect-redis"),
        koa_redis: text.contains("koa-redis"),
    };
    let nodes = descendants(root);
    let mut out = Vec::new();
    let mut bound: Vec<(String, Target)> = Vec::new();
    let mut push = |n: Node<'_>, target: Target, decision: &Decision, bound: &mut Vec<(String, Target)>| {
        match decision {
            Decision::Role(framework, role) => {
                let s = span(n);
                out.push(Use {
                    framework,
                    role: *role,
                    target,
                    path: src.path.to_string(),
                    span: s,
                    line: line_of(text, s.start),
                });
            }
            Decision::Bind(var) => {
                if bound.len() < 4 * MAX_BINDINGS && !bound.iter().any(|(v, t)| v == var && *t == target) {
                    bound.push((var.clone(), target));
                }
            }
            Decision::Nothing => {}
        }
    };
    for n in &nodes {
        if let Some(target) = ctx.target(*n) {
            let d = ctx.decide(*n);
            push(*n, target, &d, &mut bound);
        }
    }
    // Variables holding a URL or client, judged where they are used (two hops at most:
    // `REDIS_URL = ...` -> `conn = Redis.from_url(REDIS_URL)` -> `Queue(connection=conn)`).
    let idents: Vec<Node<'_>> = nodes
        .iter()
        .copied()
        .filter(|n| matches!(n.kind(), "identifier" | "constant" | "shorthand_property_identifier"))
        .collect();
    let mut done = 0;
    for _ in 0..3 {
        // Bounded so a generated file with thousands of URL constants stays linear.
        let mut todo: HashMap<String, Vec<Target>> = HashMap::new();
        for (var, target) in bound.iter().skip(done).take(MAX_BINDINGS) {
            todo.entry(var.clone()).or_default().push(target.clone());
        }
        done = bound.len();
        if todo.is_empty() {
            break;
        }
        for n in &idents {
            let name = ctx.text(*n);
            let Some((var, targets)) = todo.get_key_value(name) else { continue };
            let d = ctx.decide(*n);
            if d == Decision::Bind(var.clone()) {
                continue;
            }
            for target in targets {
                push(*n, target.clone(), &d, &mut bound);
            }
        }
    }
    out
}

/// Environment values of a `.env` file.
pub fn from_dotenv(path: &str, text: &str) -> Vec<EnvValue> {
    super::dotenv::entries(text)
        .into_iter()
        .filter_map(|(key, key_span, value, _)| {
            let host = env_host(&key, &value)?;
            Some(EnvValue {
                name: key,
                value: EnvVal::Host(host),
                path: path.to_string(),
                line: line_of(text, key_span.start),
            })
        })
        .collect()
}

/// The host an environment value gives: a Redis URL's, or a bare host in a `*HOST*` variable.
fn env_host(name: &str, value: &str) -> Option<String> {
    if !env_like(name) {
        return None;
    }
    host_of_url(value).or_else(|| {
        (name.contains("HOST") && !value.contains("://") && !value.contains(['$', '{', ' ']))
            .then(|| normalise_host(value))
            .flatten()
    })
}

/// How deep [`from_yaml`] walks a document.
const MAX_YAML_DEPTH: usize = 40;

/// Environment values set in a YAML file: container `env` lists (`value` or
/// `valueFrom.*KeyRef.key`), ConfigMap `data`, docker-compose `environment` maps and
/// `KEY=value` lists, Helm values `env` maps.
pub fn from_yaml(y: &crate::YamlSource) -> Vec<EnvValue> {
    let mut out = Vec::new();
    for doc in &y.yaml.docs {
        if let Some(root) = doc.root() {
            yaml_walk(y, doc, root, 0, &mut std::collections::HashSet::new(), &mut out);
        }
    }
    out
}

fn yaml_walk(
    y: &crate::YamlSource,
    doc: &Doc,
    n: NodeId,
    depth: usize,
    seen: &mut std::collections::HashSet<NodeId>,
    out: &mut Vec<EnvValue>,
) {
    // Each node once: aliases may point at a node from many places (`*a` repeated).
    if depth > MAX_YAML_DEPTH || !seen.insert(doc.resolve(n)) {
        return;
    }
    let line = |id: NodeId| line_of(&y.text, doc.span(id).start);
    match doc.kind(n) {
        NodeKind::Map(_) => {
            let name = doc.get(n, "name").and_then(|v| doc.non_null_str(v));
            if let Some(name) = name.filter(|s| env_like(s)) {
                if let Some(v) = doc.get(n, "value").and_then(|v| doc.non_null_str(v))
                    && let Some(h) = env_host(name, v)
                {
                    out.push(EnvValue {
                        name: name.into(),
                        value: EnvVal::Host(h),
                        path: y.path.clone(),
                        line: line(n),
                    });
                }
                for r in ["configMapKeyRef", "secretKeyRef"] {
                    if let Some(k) = doc.path(n, &["valueFrom", r, "key"]).and_then(|k| doc.non_null_str(k))
                        && k != name
                    {
                        out.push(EnvValue {
                            name: name.into(),
                            value: EnvVal::Key(k.into()),
                            path: y.path.clone(),
                            line: line(n),
                        });
                    }
                }
            }
            for (k, v) in doc.entries(n) {
                if let (Some(key), Some(value)) = (doc.str(k), doc.non_null_str(v))
                    && let Some(h) = env_host(key, value)
                {
                    out.push(EnvValue {
                        name: key.into(),
                        value: EnvVal::Host(h),
                        path: y.path.clone(),
                        line: line(k),
                    });
                }
                yaml_walk(y, doc, v, depth + 1, seen, out);
            }
        }
        NodeKind::Seq(items) => {
            for item in items.clone() {
                if let Some((key, value)) = doc.non_null_str(item).and_then(|s| s.split_once('='))
                    && let Some(h) = env_host(key.trim(), value.trim())
                {
                    out.push(EnvValue {
                        name: key.trim().into(),
                        value: EnvVal::Host(h),
                        path: y.path.clone(),
                        line: line(item),
                    });
                }
                yaml_walk(y, doc, item, depth + 1, seen, out);
            }
        }
        _ => {}
    }
}

/// Length of the common directory prefix of two paths, in components.
fn shared_dirs(a: &str, b: &str) -> usize {
    // Called for every (use, definition) pair of a variable: no allocation.
    let (Some((da, _)), Some((db, _))) = (a.rsplit_once('/'), b.rsplit_once('/')) else { return 0 };
    da.split('/').zip(db.split('/')).take_while(|(x, y)| x == y).count()
}

/// The host a use points at, with the env value that gave it (if any). A variable with
/// different values among its nearest definitions is ambiguous: `None`.
fn resolve<'e>(u: &Use, env: &EnvIndex<'e>) -> Option<(String, Option<&'e EnvValue>)> {
    let name = match &u.target {
        Target::Host(h) => return Some((h.clone(), None)),
        Target::Env(name) => name,
    };
    // Names to look for: the variable, and the keys it is taken from.
    let mut names: Vec<&str> = vec![name.as_str()];
    let mut i = 0;
    while let Some(n) = names.get(i).copied() {
        for e in env.get(n).into_iter().flatten() {
            if let EnvVal::Key(k) = &e.value
                && !names.contains(&k.as_str())
            {
                names.push(k.as_str());
            }
        }
        i += 1;
    }
    let hosts: Vec<(&String, &EnvValue)> = names
        .iter()
        .flat_map(|n| env.get(n).into_iter().flatten())
        .filter_map(|e| match &e.value {
            EnvVal::Host(h) => Some((h, *e)),
            EnvVal::Key(_) => None,
        })
        .collect();
    let near: Vec<(usize, &String, &EnvValue)> =
        hosts.into_iter().map(|(h, e)| (shared_dirs(&u.path, &e.path), h, e)).collect();
    let best = near.iter().map(|(d, ..)| *d).max()?;
    let mut nearest = near.iter().filter(|(d, ..)| *d == best);
    let (_, host, from) = nearest.next()?;
    nearest.all(|(_, h, _)| h == host).then(|| ((*host).clone(), Some(*from)))
}

/// Env values by variable name, built once per run.
type EnvIndex<'e> = HashMap<&'e str, Vec<&'e EnvValue>>;

fn env_index(env: &[EnvValue]) -> EnvIndex<'_> {
    let mut index: EnvIndex<'_> = HashMap::new();
    for e in env {
        index.entry(e.name.as_str()).or_default().push(e);
    }
    index
}

/// Suffixes charts and operators add to a release or resource name for their Services.
const SERVICE_SUFFIXES: &[&str] = &[
    "",
    "-master",
    "-headless",
    "-replicas",
    "-redis",
    "-redis-master",
    "-redis-headless",
    "-redis-replicas",
    "-leader",
    "-follower",
    "-primary",
];

/// Service names an instance can be reached by, with a score: the instance's own name (the
/// workload, CR or values key) scores 2, other names (labels, parent chart) 1.
fn service_names(inst: &Instance) -> Vec<(String, u8)> {
    let mut bases: Vec<(String, u8)> = Vec::new();
    let own = match &inst.kind {
        InstanceKind::Container { workload, .. } => Some(workload.clone()),
        InstanceKind::OperatorCr { name, .. } => Some(name.clone()),
        InstanceKind::HelmRole { values_prefix, .. } => {
            Some(values_prefix.trim_end_matches('.').to_string()).filter(|s| !s.is_empty())
        }
        InstanceKind::ConfFile => None,
    };
    if let Some(o) = &own {
        bases.push((o.to_ascii_lowercase(), 2));
    }
    for n in &inst.names {
        bases.push((n.to_ascii_lowercase(), 1));
    }
    // A subchart's Services are `<parent release>-<key>`; the parent chart's name is the
    // usual release name.
    if let (Some(o), InstanceKind::HelmRole { .. }) = (&own, &inst.kind) {
        for n in inst.names.iter().filter(|n| *n != o) {
            bases.push((format!("{}-{}", n.to_ascii_lowercase(), o.to_ascii_lowercase()), 2));
        }
    }
    let mut out: Vec<(String, u8)> = Vec::new();
    for (b, score) in bases {
        if b.is_empty() {
            continue;
        }
        for s in SERVICE_SUFFIXES {
            let name = format!("{b}{s}");
            match out.iter_mut().find(|(n, _)| *n == name) {
                Some(e) => e.1 = e.1.max(score),
                None => out.push((name, score)),
            }
        }
    }
    out
}

/// Which Redis deployment an instance belongs to (master and replicas of one release link
/// together).
fn group_of(inst: &Instance) -> String {
    match &inst.kind {
        InstanceKind::HelmRole { values_prefix, .. } => format!("{}#{values_prefix}", inst.path),
        InstanceKind::OperatorCr { kind, name, .. } => format!("{}#{kind}/{name}", inst.path),
        _ => format!("{}#{}", inst.path, inst.identity),
    }
}

/// Instances a host names: the best-scoring matches, when they are one deployment.
fn instances_for(host: &str, instances: &[Instance]) -> Vec<usize> {
    let mut best = 0;
    let mut hits: Vec<usize> = Vec::new();
    for (i, inst) in instances.iter().enumerate() {
        if !inst.has_container() {
            continue;
        }
        let Some(score) = service_names(inst).iter().filter(|(n, _)| n == host).map(|(_, s)| *s).max() else {
            continue;
        };
        if score > best {
            best = score;
            hits.clear();
        }
        if score == best {
            hits.push(i);
        }
    }
    let Some(first) = hits.first() else { return hits };
    let group = group_of(&instances[*first]);
    if hits.iter().all(|i| group_of(&instances[*i]) == group) { hits } else { Vec::new() }
}

/// One use linked to an instance, for evidence and related locations.
#[derive(Debug, Clone)]
pub struct Link {
    pub use_: Use,
    /// `REDIS_URL` from `deploy/web.yaml:21`, when the host came from an env value.
    pub via: Option<String>,
}

impl Link {
    fn evidence(&self) -> String {
        let via = self.via.as_ref().map(|v| format!(" via {v}")).unwrap_or_default();
        format!("{} at `{}:{}`{via}", self.use_.framework, self.use_.path, self.use_.line)
    }
}

/// Links every use to the instances it names. Returns, per instance index, its links.
pub fn link(instances: &[Instance], uses: &[Use], env: &[EnvValue]) -> BTreeMap<usize, Vec<Link>> {
    let mut out: BTreeMap<usize, Vec<Link>> = BTreeMap::new();
    let mut memo: HashMap<String, Vec<usize>> = HashMap::new();
    let env = env_index(env);
    for u in uses {
        let Some((host, from)) = resolve(u, &env) else { continue };
        let hits = memo.entry(host.clone()).or_insert_with(|| instances_for(&host, instances));
        let via = from.map(|e| format!("`{}` from `{}:{}`", e.name, e.path, e.line));
        for i in hits.iter() {
            let links = out.entry(*i).or_default();
            if !links.iter().any(|l| l.use_ == *u) {
                links.push(Link { use_: u.clone(), via: via.clone() });
            }
        }
    }
    out
}

/// Sets each linked instance's role from its users (queue, then sessions, then cache first in
/// the evidence): any queue user makes it a queue; sessions and caches together make it mixed.
/// An annotation on the Redis itself still wins.
pub fn apply(inst: &mut Instance, links: &[Link]) {
    if links.is_empty() || inst.role.evidence.starts_with("annotation") {
        return;
    }
    let order = [Role::Queue, Role::Sessions, Role::Cache];
    let roles: Vec<Role> =
        order.iter().copied().filter(|r| links.iter().any(|l| l.use_.role == *r)).collect();
    let mut sorted: Vec<&Link> = links.iter().collect();
    sorted.sort_by_key(|l| (order.iter().position(|r| *r == l.use_.role), l.use_.path.clone(), l.use_.line));
    // One mention per framework and file (Sidekiq's server and client blocks are one use).
    let mut seen: Vec<(&str, &str)> = Vec::new();
    sorted.retain(|l| {
        let key = (l.use_.framework, l.use_.path.as_str());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    let evidence: Vec<String> = sorted.iter().map(|l| l.evidence()).collect();
    let (role, evidence) = match roles.as_slice() {
        [one] => (*one, format!("used by {}", evidence.join(", "))),
        // A Redis that provably holds a queue is a queue Redis, whatever else shares it:
        // eviction would drop its jobs.
        several if several.contains(&Role::Queue) => {
            (Role::Queue, format!("used by {}", evidence.join(", ")))
        }
        _ => (
            Role::Mixed,
            sorted
                .iter()
                .map(|l| format!("{} use: {}", l.use_.role.as_str(), l.evidence()))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    inst.role = crate::facts::RoleInfo { role, evidence };
}

/// [`link`] over the facts of a whole run.
pub fn link_facts(instances: &[Instance], facts: &[super::Fact]) -> BTreeMap<usize, Vec<Link>> {
    let mut uses = Vec::new();
    let mut env = Vec::new();
    for f in facts {
        match f {
            super::Fact::RedisUse(u) => uses.push(u.clone()),
            super::Fact::Env(e) => env.push(e.clone()),
            _ => {}
        }
    }
    if uses.is_empty() {
        return BTreeMap::new();
    }
    link(instances, &uses, &env)
}

/// Rule whose finding on a linked Redis also points at the app caches that use it.
const RELATED_RULE: &str = "maxmemory-unset";

/// Adds the app cache configs that use an instance to its `maxmemory-unset` finding, so the
/// Redis and the cache that fills it are reported once, together.
pub fn relate(found: &mut [findings::Finding], links: &[Link]) {
    for f in found.iter_mut().filter(|f| f.rule == RELATED_RULE) {
        for l in links.iter().filter(|l| l.use_.role == Role::Cache) {
            let location = findings::Location::file(&l.use_.path, l.use_.span);
            if !f.related.iter().any(|r| r.location == location) {
                f.related.push(findings::Related {
                    location,
                    message: format!("{} keeps its entries in this Redis", l.use_.framework),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            host_of_url("redis://sidekiq-redis-master:6379/0").as_deref(),
            Some("sidekiq-redis-master")
        );
        assert_eq!(host_of_url("rediss://:pw@cache.apps.svc.cluster.local:6380").as_deref(), Some("cache"));
        assert_eq!(host_of_url("redis://user:p@ss@queue.apps:6379").as_deref(), Some("queue"));
        assert_eq!(host_of_url("redis://localhost:6379"), None);
        assert_eq!(host_of_url("redis://10.0.0.3:6379"), None);
        assert_eq!(host_of_url("redis://redis.example.com:6379"), None);
        assert_eq!(host_of_url("redis://${HOST}:6379"), None);
        assert_eq!(host_of_url("http://cache:80"), None);
    }

    fn uses(path: &str, lang: Lang, text: &str) -> Vec<(&'static str, Role, Target)> {
        super::super::lint_source(path, lang, text)
            .facts
            .into_iter()
            .filter_map(|f| match f {
                super::super::Fact::RedisUse(u) => Some((u.framework, u.role, u.target)),
                _ => None,
            })
            .collect()
    }

    fn host(h: &str) -> Target {
        Target::Host(h.into())
    }

    #[test]
    fn python_uses() {
        let celery = "from celery import Celery\napp = Celery('t', broker='redis://queue-redis:6379/0')\n";
        assert_eq!(uses("a.py", Lang::Python, celery), [("Celery broker", Role::Queue, host("queue-redis"))]);
        let conf = "import os\nCELERY_BROKER_URL = os.environ['CELERY_BROKER_URL']\n";
        assert_eq!(
            uses("s.py", Lang::Python, conf),
            [("Celery broker", Role::Queue, Target::Env("CELERY_BROKER_URL".into()))]
        );
        let rq = "from redis import Redis\nfrom rq import Queue\nconn = Redis.from_url('redis://rq-redis:6379')\nq = Queue(connection=conn)\n";
        assert_eq!(uses("j.py", Lang::Python, rq), [("RQ", Role::Queue, host("rq-redis"))]);
        // A plain client, a result backend, an f-string: no role.
        let none = "import redis\nr = redis.Redis(host='x-redis')\napp = Celery('t', backend='redis://r:6379')\nu = f'redis://{h}:6379'\n";
        assert!(uses("n.py", Lang::Python, none).is_empty());
    }

    #[test]
    fn javascript_uses() {
        let session = "import RedisStore from 'connect-redis';\nconst client = createClient({ url: process.env.SESSION_REDIS_URL });\napp.use(session({ store: new RedisStore({ client }) }));\n";
        assert_eq!(
            uses("a.js", Lang::JavaScript, session),
            [("connect-redis sessions", Role::Sessions, Target::Env("SESSION_REDIS_URL".into()))]
        );
        let bull =
            "const Queue = require('bull');\nconst q = new Queue('video', 'redis://bull-redis:6379');\n";
        assert_eq!(uses("b.js", Lang::JavaScript, bull), [("Bull", Role::Queue, host("bull-redis"))]);
        let bullmq = "import { Worker } from 'bullmq';\nnew Worker('q', async () => {}, { connection: { host: 'jobs-redis', port: 6379 } });\n";
        assert_eq!(uses("c.ts", Lang::TypeScript, bullmq), [("BullMQ", Role::Queue, host("jobs-redis"))]);
        let koa = "const redisStore = require('koa-redis');\napp.use(session({ store: redisStore({ url: process.env.SESSION_URL }) }));\nconst c = redisStore({ host: 'sess-redis' });\n";
        assert_eq!(
            uses("d.js", Lang::JavaScript, koa),
            [
                ("koa-redis sessions", Role::Sessions, Target::Env("SESSION_URL".into())),
                ("koa-redis sessions", Role::Sessions, host("sess-redis"))
            ]
        );
    }

    #[test]
    fn a_file_read_only_for_uses_gets_no_parse_error() {
        let r = super::super::lint_source("x.py", Lang::Python, "REDIS_URL = (\n");
        assert!(r.findings.is_empty(), "{:?}", r.findings);
    }

    #[test]
    fn a_variable_with_two_values_nearby_is_not_resolved() {
        let u = Use {
            framework: "Sidekiq",
            role: Role::Queue,
            target: Target::Env("REDIS_URL".into()),
            path: "app/config/sidekiq.rb".into(),
            span: Span::new(0, 1),
            line: 1,
        };
        let env = |h: &str, path: &str| EnvValue {
            name: "REDIS_URL".into(),
            value: EnvVal::Host(h.into()),
            path: path.into(),
            line: 1,
        };
        let values = [env("a-redis", "deploy/a.yaml"), env("b-redis", "deploy/b.yaml")];
        assert!(resolve(&u, &env_index(&values)).is_none());
        let values = [env("a-redis", "app/.env"), env("b-redis", "deploy/b.yaml")];
        let near = resolve(&u, &env_index(&values));
        assert_eq!(near.map(|(h, _)| h).as_deref(), Some("a-redis"));
    }

    #[test]
    fn repeated_yaml_aliases_are_walked_once() {
        let mut text = String::from("a0: &a0 {REDIS_URL: 'redis://q-redis:6379'}\n");
        for i in 1..30 {
            text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}]\n", p = i - 1));
        }
        let y = crate::YamlSource {
            path: "v.yaml".into(),
            yaml: crate::yaml::parse(&text),
            text: text.as_str().into(),
        };
        assert_eq!(from_yaml(&y).len(), 1);
    }

    #[test]
    fn literal_strings() {
        assert_eq!(string_content("'a'"), Some("a"));
        assert_eq!(string_content("r\"a\""), Some("a"));
        assert_eq!(string_content("f\"{x}\""), None);
        assert_eq!(string_content("\"#{x}\""), None);
        assert_eq!(string_content("'"), None);
        assert_eq!(string_content(""), None);
    }
}
