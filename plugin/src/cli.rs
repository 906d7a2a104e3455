//! Command-line definition (clap derive). Doc comments are the help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Stops Redis from silently eating your cluster's memory: lint configs before they ship.
#[derive(Debug, Parser)]
#[command(name = "redis-audit", version = crate::VERSION, about, max_term_width = 100, subcommand_precedence_over_arg = true)]
pub struct Cli {
    /// When to use colour: auto (a terminal, and NO_COLOR unset), always or never.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,
    #[command(flatten)]
    pub kube: KubeArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    /// With no subcommand: `audit` (`kubectl redis-audit -n cache` audits the Redis pods of
    /// namespace cache).
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Kubernetes manifests, Helm values, operator CRs and redis.conf files.
    ///
    /// Reads files and directories (default: the current directory), or `-` for standard
    /// input, e.g. `helm template . | redis-audit lint -`.
    Lint(LintArgs),
    /// Audit live Redis and Valkey: the pods of a cluster (the default), or one server with
    /// --redis-url. Memory, maxmemory and policy against the container limit and role,
    /// evictions, OOM kills and errors, persistence, and the keyspace (big keys, data without
    /// TTL, framework retention).
    Audit(AuditArgs),
    /// Scan the keyspace of a live Redis: biggest keys, key patterns with memory and TTL
    /// coverage, TTL histogram, frameworks, retention problems and reclaimable memory.
    Keys(KeysArgs),
    /// Recommend maxmemory (about 80% of the container memory limit) and a maxmemory-policy
    /// for the role; print the CONFIG SET commands and the Helm values patch or container args
    /// that make them survive a restart. Changes nothing unless --apply.
    Fix(FixArgs),
    /// Delete keys, or give them a TTL, by pattern, type, missing TTL, idle time or size, or
    /// with a framework preset (Sidekiq, BullMQ, Celery, RQ, sessions). A dry run that prints
    /// the plan unless --apply, which takes a verified backup first and writes a journal to
    /// --resume from.
    Cleanup(CleanupArgs),
    /// List the rules.
    Rules,
    /// Print the documentation of a rule.
    Explain {
        /// Rule id, e.g. maxmemory-unset.
        id: String,
    },
    /// Audit a bundled test cluster: real redis-servers behind a Kubernetes test API server,
    /// reached through port-forwards, as `kubectl redis-audit -A` would a real one. Needs
    /// `redis-server`; everything it starts stops when it exits.
    Demo(AuditArgs),
    /// Audit the Redis pods of a cluster again and again and serve the results as Prometheus
    /// metrics on /metrics (and /healthz). Inside a cluster it connects to pod IPs directly;
    /// see deploy/ and docs/metrics.md.
    Serve(ServeArgs),
    /// Print a shell completion script (for `redis-audit` and `kubectl-redis_audit`).
    ///
    /// bash: `source <(redis-audit completion bash)`. For `kubectl redis-audit <TAB>` put the
    /// `kubectl_complete-redis_audit` helper (plugin/completion/) on PATH instead.
    Completion {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Completion protocol of kubectl's plugin completion (used by kubectl_complete-redis_audit).
    #[command(name = "__complete", hide = true)]
    Complete {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// Pods to audit (`NAME` or `pod/NAME`); default: every Redis and Valkey pod in scope.
    #[arg(value_name = "POD", conflicts_with = "redis_url")]
    pub pods: Vec<String>,
    /// Filled from the global kubectl flags.
    #[arg(skip)]
    pub kube: KubeArgs,
    /// Audit one server directly instead of a cluster: redis://[user[:password]@]host[:port][/db],
    /// rediss://..., unix:///path. A password can also come from REDISCLI_AUTH.
    #[arg(long, value_name = "URL")]
    pub redis_url: Option<String>,
    /// Container memory limit to compare with (Kubernetes quantity, e.g. 512Mi).
    #[arg(long, value_name = "QUANTITY")]
    pub memory_limit: Option<String>,
    /// What the Redis is used for, when key fingerprints cannot tell.
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = AuditFormat::Table)]
    pub output: AuditFormat,
    /// Exit 1 when a finding has this severity or worse.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Skip the keyspace scan (server-level checks only).
    #[arg(long)]
    pub no_keys: bool,
    /// Scan at most this many keys and extrapolate (0: all).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub scan_limit: u64,
    /// Connect timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub connect_timeout: u64,
    /// Pods audited at the same time.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// Give up on one pod after this many seconds (the others go on).
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub pod_timeout: u64,
    /// Connect to each pod's IP and Redis port instead of through a port-forward (the default
    /// inside a cluster, where pod IPs are routable and no pods/portforward permission is needed).
    #[arg(long, conflicts_with = "redis_url")]
    pub direct: bool,
}

/// `redis-audit serve`: the audit on a loop, as Prometheus metrics.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address of the HTTP server (`/metrics`, `/healthz`).
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:9122")]
    pub listen: std::net::SocketAddr,
    /// Time between the starts of two audit cycles (a longer cycle starts the next at once).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_interval)]
    pub interval: std::time::Duration,
    /// Keys sampled per Redis and cycle for the keyspace metrics and the role (0: no scan).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub keys_sample: u64,
    /// What the Redis is used for, when key fingerprints cannot tell.
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// Connect to each pod's IP and Redis port instead of through a port-forward (the default
    /// inside a cluster).
    #[arg(long)]
    pub direct: bool,
    /// Connect timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub connect_timeout: u64,
    /// Pods audited at the same time.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,
    /// Give up on one pod after this many seconds (it is exported with redis_audit_up 0).
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub pod_timeout: u64,
    /// Filled from the global kubectl flags.
    #[arg(skip)]
    pub kube: KubeArgs,
}

/// A `--interval`: a duration of at least one millisecond.
fn parse_interval(s: &str) -> Result<std::time::Duration, String> {
    let d = parse_duration(s)?;
    if d < std::time::Duration::from_millis(1) {
        return Err(format!("`{s}`: the interval must be at least 1ms"));
    }
    Ok(d)
}

/// The kubectl flags a plugin must implement itself (kubectl does not pass its own on).
/// Global: `kubectl redis-audit --context prod keys POD` and `... keys POD --context prod` both work.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Kubernetes options")]
pub struct KubeArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, which may list several, or ~/.kube/config).
    #[arg(long, value_name = "FILE", global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,
    /// Namespace (default: the context's, else `default`).
    #[arg(long, short = 'n', value_name = "NS", global = true)]
    pub namespace: Option<String>,
    /// All namespaces.
    #[arg(long, short = 'A', conflicts_with = "namespace", global = true)]
    pub all_namespaces: bool,
    /// Label selector, e.g. `app.kubernetes.io/instance=cache`.
    #[arg(long, short = 'l', value_name = "SELECTOR", global = true)]
    pub selector: Option<String>,
    /// Timeout of each API request, e.g. 10s, 1m (0: none).
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration, global = true)]
    pub request_timeout: std::time::Duration,
    /// Redis password from this Secret key, in the pod's namespace: `secret/NAME:KEY`
    /// (default: found from the pod's env and mounted Secrets).
    #[arg(long, value_name = "secret/NAME:KEY", global = true)]
    pub password_from: Option<String>,
}

impl Default for KubeArgs {
    fn default() -> Self {
        KubeArgs {
            kubeconfig: None,
            context: None,
            namespace: None,
            all_namespaces: false,
            selector: None,
            request_timeout: std::time::Duration::from_secs(30),
            password_from: None,
        }
    }
}

/// `30s`, `1m`, `2h`, `500ms` or plain seconds, as kubectl's --request-timeout takes, and
/// days and weeks (`30d`, `2w`) for cleanup ages.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    use std::time::Duration;
    let s = s.trim();
    let (num, unit) = s.find(|c: char| !c.is_ascii_digit() && c != '.').map_or((s, ""), |i| s.split_at(i));
    let n: f64 = num.parse().map_err(|_| format!("`{s}` is not a duration (e.g. 30s, 1m)"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        "w" => n * 604_800.0,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (use ms, s, m, h, d or w)")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("`{s}` is not a duration"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Cache,
    Queue,
    Sessions,
    Mixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Wide,
    Json,
    Yaml,
    Sarif,
    Prometheus,
}

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    /// The pod to scan (`NAME` or `pod/NAME`), reached through a port-forward.
    #[arg(value_name = "POD", required_unless_present = "redis_url", conflicts_with = "redis_url")]
    pub pod: Option<String>,
    /// Filled from the global kubectl flags.
    #[arg(skip)]
    pub kube: KubeArgs,
    /// Scan one server directly instead of a pod: redis://[user[:password]@]host[:port][/db],
    /// rediss://..., unix:///path. A password can also come from REDISCLI_AUTH.
    #[arg(long, value_name = "URL")]
    pub redis_url: Option<String>,
    /// Scan only this db (default: every db that holds keys).
    #[arg(long, value_name = "N")]
    pub db: Option<u32>,
    /// Number of biggest keys to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    /// Stop after N keys and extrapolate the totals (the sampled fraction is stated).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub sample: Option<u64>,
    /// Read at most N keys per second (spares a busy primary).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub rate: Option<u64>,
    /// SCAN COUNT: keys asked per batch (one round trip each). By default it adapts between
    /// 200 and 1000: the smallest batch that keeps the server busy, since other clients wait
    /// behind each SCAN (about 1.3 ms at 1000 keys). With --rate, or when a second connection
    /// for the reads cannot be opened, the default is 1000.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub count: Option<u32>,
    /// Elements MEMORY USAGE samples per key: collections up to N elements are measured
    /// exactly, bigger ones estimated at O(N) per key (5 is the server's own default, cheaper
    /// and rougher); 0 (exact, O(elements)) is not offered.
    #[arg(long, value_name = "N", default_value_t = redis_probe::keys::DEFAULT_SAMPLES, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub samples: u32,
    /// Also read OBJECT IDLETIME (seconds since last access).
    #[arg(long)]
    pub idle: bool,
    /// Only keys matching this glob (SCAN MATCH).
    #[arg(long, value_name = "GLOB")]
    pub pattern: Option<String>,
    /// Key patterns to show in the table (all are in json/yaml).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub prefixes: usize,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = KeysFormat::Table)]
    pub output: KeysFormat,
    /// Connect timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub connect_timeout: u64,
}

#[derive(Debug, clap::Args)]
pub struct FixArgs {
    /// The pod to fix (`NAME` or `pod/NAME`), reached through a port-forward.
    #[arg(value_name = "POD", required_unless_present = "redis_url", conflicts_with = "redis_url")]
    pub pod: Option<String>,
    /// Filled from the global kubectl flags.
    #[arg(skip)]
    pub kube: KubeArgs,
    /// Fix one server directly instead of a pod: redis://[user[:password]@]host[:port][/db],
    /// rediss://..., unix:///path. A password can also come from REDISCLI_AUTH.
    #[arg(long, value_name = "URL")]
    pub redis_url: Option<String>,
    /// Container memory limit (Kubernetes quantity, e.g. 512Mi); default: the pod's limit.
    #[arg(long, value_name = "QUANTITY")]
    pub memory_limit: Option<String>,
    /// maxmemory to set: `auto` (80% of the memory limit) or a size (400mb, 400Mi).
    #[arg(long, value_name = "auto|SIZE")]
    pub maxmemory: Option<String>,
    /// maxmemory-policy to set instead of the one recommended for the role.
    #[arg(long, value_name = "POLICY")]
    pub policy: Option<String>,
    /// What the Redis is used for (default: guessed from a sample of its keys).
    #[arg(long, value_enum)]
    pub role: Option<RoleArg>,
    /// Run the CONFIG SET commands, verify them with CONFIG GET, and CONFIG REWRITE where the
    /// server has a config file. Needs --backup or --no-backup (unless only --purge would act).
    #[arg(long)]
    pub apply: bool,
    /// Before applying: stream an RDB snapshot to this file, or `bgsave` to have the server
    /// save one (verified by LASTSAVE advancing).
    #[arg(long, value_name = "PATH|bgsave", conflicts_with = "no_backup")]
    pub backup: Option<String>,
    /// Apply without a backup.
    #[arg(long)]
    pub no_backup: bool,
    /// Report RSS and memory fragmentation; with --apply, run MEMORY PURGE when the allocator
    /// is jemalloc and fragmentation is high, report the figures after, and propose
    /// activedefrag settings (not applied) where fragmentation persists. MEMORY PURGE changes
    /// no data: `--purge --apply` needs no --backup when nothing else would change.
    #[arg(long)]
    pub purge: bool,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = FixFormat::Table)]
    pub output: FixFormat,
    /// Connect timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub connect_timeout: u64,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("action").args(["delete", "expire", "trim"])))]
pub struct CleanupArgs {
    /// The pod to clean (`NAME` or `pod/NAME`), reached through a port-forward.
    #[arg(value_name = "POD", required_unless_present = "redis_url", conflicts_with = "redis_url")]
    pub pod: Option<String>,
    /// Filled from the global kubectl flags.
    #[arg(skip)]
    pub kube: KubeArgs,
    /// Clean one server directly instead of a pod: redis://[user[:password]@]host[:port][/db],
    /// rediss://..., unix:///path. A password can also come from REDISCLI_AUTH.
    #[arg(long, value_name = "URL")]
    pub redis_url: Option<String>,
    /// Keys matching this Redis glob (`SCAN MATCH` syntax); repeat for several.
    #[arg(long = "pattern", value_name = "GLOB", help_heading = "Selection")]
    pub patterns: Vec<String>,
    /// Keys of this type only; repeat for several.
    #[arg(long = "type", value_name = "TYPE", value_parser = ["string", "list", "set", "zset", "hash", "stream"], help_heading = "Selection")]
    pub types: Vec<String>,
    /// Keys without a TTL only.
    #[arg(long, help_heading = "Selection")]
    pub no_ttl: bool,
    /// Keys not read or written for at least this long (OBJECT IDLETIME): 30d, 12h, 90m, 600s.
    /// Refused under an LFU policy, where idle time is not tracked.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Selection")]
    pub idle_over: Option<std::time::Duration>,
    /// Keys whose MEMORY USAGE is over this size: 10kb, 1mb, 512Ki.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, help_heading = "Selection")]
    pub larger_than: Option<u64>,
    /// Database number (default: the URL's, or 0).
    #[arg(long, help_heading = "Selection")]
    pub db: Option<u32>,
    /// Allow a selection of every key (a bare `*` pattern, or no criterion at all).
    #[arg(long, help_heading = "Selection")]
    pub all: bool,
    /// A framework preset instead of --pattern: what it selects and how it cleans is checked
    /// against the framework's own source (see `redis-audit cleanup --help` and docs/cleanup.md).
    #[arg(long, value_enum, value_name = "NAME", conflicts_with_all = ["patterns", "types", "no_ttl", "larger_than", "all"], help_heading = "Presets")]
    pub preset: Option<PresetArg>,
    /// Presets: remove entries older than this (30d, 12h).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "preset", conflicts_with = "keep", help_heading = "Presets")]
    pub older_than: Option<std::time::Duration>,
    /// Presets (sidekiq-dead, sidekiq-retry, bullmq-*): keep the newest N entries of each set.
    #[arg(long, value_name = "N", requires = "preset", help_heading = "Presets")]
    pub keep: Option<u64>,
    /// Presets: the key prefix or namespace the framework was configured with (Sidekiq's
    /// redis-namespace, BullMQ's `prefix`, Celery's `global_keyprefix`).
    #[arg(long, value_name = "PREFIX", requires = "preset", help_heading = "Presets")]
    pub prefix: Option<String>,
    /// Preset sessions: only this framework's sessions (express, django, flask, rails);
    /// default: all of them with their default key prefixes.
    #[arg(long, value_name = "NAME", requires = "preset", help_heading = "Presets")]
    pub framework: Option<String>,
    /// Presets (bullmq-*, rq-results): only this queue; repeat for several.
    #[arg(long = "queue", value_name = "NAME", requires = "preset", help_heading = "Presets")]
    pub queues: Vec<String>,
    /// Delete the selected keys (UNLINK).
    #[arg(long, help_heading = "Action")]
    pub delete: bool,
    /// Give the selected keys this TTL where they have none (`EXPIRE ... NX`); with
    /// --preset sessions, also lower longer TTLs to it.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, help_heading = "Action")]
    pub expire: Option<std::time::Duration>,
    /// Presets sidekiq-dead, sidekiq-retry, bullmq-*: remove the old entries from the
    /// framework's sets, with their job data, as the framework does (the default for them).
    #[arg(long, requires = "preset", help_heading = "Action")]
    pub trim: bool,
    /// Keys (or set entries) per second; 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = redis_probe::cleanup::DEFAULT_RATE, help_heading = "Execution")]
    pub rate: u64,
    /// Keys per SCAN and per batch (default 500, or 2000 with --rate 0); a write command
    /// carries at most 1000 keys.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000), help_heading = "Execution")]
    pub batch: Option<u32>,
    /// Make the changes (without it: a dry run that prints the plan). Needs --backup or
    /// --no-backup.
    #[arg(long, help_heading = "Execution")]
    pub apply: bool,
    /// Before applying: stream an RDB snapshot to this file, or `bgsave` to have the server
    /// save one (verified by LASTSAVE advancing). A failed backup changes nothing.
    #[arg(long, value_name = "PATH|bgsave", conflicts_with = "no_backup", help_heading = "Execution")]
    pub backup: Option<String>,
    /// Apply without a backup.
    #[arg(long, help_heading = "Execution")]
    pub no_backup: bool,
    /// Where the journal goes (default: redis-audit-cleanup-<time>.journal.json here).
    #[arg(long, value_name = "PATH", conflicts_with = "resume", help_heading = "Execution")]
    pub journal: Option<std::path::PathBuf>,
    /// Go on with an interrupted cleanup from its journal: the selection and action come from
    /// the journal; name the same server again.
    #[arg(long, value_name = "JOURNAL", help_heading = "Execution")]
    pub resume: Option<std::path::PathBuf>,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = FixFormat::Table)]
    pub output: FixFormat,
    /// Connect timeout in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 5)]
    pub connect_timeout: u64,
}

/// `--preset` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresetArg {
    /// Sidekiq's dead set (`dead`): jobs that used up their retries.
    SidekiqDead,
    /// Sidekiq's retry set (`retry`), by the time the job first failed.
    SidekiqRetry,
    /// Sidekiq's daily counters `stat:processed:DATE` and `stat:failed:DATE`.
    SidekiqStats,
    /// BullMQ completed jobs (`bull:<queue>:completed` and the job keys).
    BullmqCompleted,
    /// BullMQ failed jobs (`bull:<queue>:failed` and the job keys).
    BullmqFailed,
    /// Celery results without a TTL (`celery-task-meta-*`, `celery-taskset-meta-*`).
    CeleryResults,
    /// Finished and failed RQ jobs kept forever (`result_ttl=-1`) or longer than --expire
    /// (default 7d): given that TTL, their registry entries moved along.
    RqResults,
    /// Web sessions: express-session/connect-redis, Django cache sessions, Flask-Session,
    /// Rails.
    Sessions,
}

/// A size in redis.conf notation (`10kb`, `1mb`, `1gb`, bytes) or as a Kubernetes quantity
/// (`512Ki`, `1Mi`).
pub fn parse_size(s: &str) -> Result<u64, String> {
    findings::units::parse_redis_memory(s)
        .or_else(|_| findings::units::parse_k8s_quantity(s))
        .map_err(|_| format!("`{s}` is not a size (e.g. 10kb, 1mb, 512Ki)"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeysFormat {
    Table,
    Json,
    Yaml,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files or directories to lint; `-` reads standard input.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = FormatArg::Pretty)]
    pub format: FormatArg,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration file (default: .redis-audit.yaml in the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write all current findings to this baseline file and exit 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Exit 1 when a finding has this severity or worse.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Only run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub ignore: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Pretty,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    /// Always exit 0 on findings (errors reading input still exit 2).
    Never,
}

/// Parses `std::env::args`, showing `kubectl redis-audit` in help when run as a kubectl plugin.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let argv0 = std::env::args_os().next().map(PathBuf::from);
    let invoked = argv0.as_ref().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
    let mut cmd = Cli::command();
    if invoked.starts_with("kubectl-") {
        cmd = cmd.bin_name("kubectl redis-audit");
    }
    let matches = cmd.get_matches();
    match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }

    #[test]
    fn durations_like_kubectl() {
        use std::time::Duration;
        assert_eq!(super::parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(super::parse_duration("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(super::parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(super::parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(super::parse_duration("soon").is_err());
        // Cleanup ages.
        assert_eq!(super::parse_duration("30d"), Ok(Duration::from_secs(30 * 86_400)));
        assert_eq!(super::parse_duration("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert!(super::parse_duration("5y").is_err());
        assert!(super::parse_duration("-1s").is_err());
    }
}
