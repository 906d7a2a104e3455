//! Command-line definition (clap derive). Doc comments are the help text.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Stops Redis from silently eating your cluster's memory: lint configs before they ship.
#[derive(Debug, Parser)]
#[command(name = "redis-audit", version, about, max_term_width = 100)]
pub struct Cli {
    /// When to use colour: auto (a terminal, and NO_COLOR unset), always or never.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,
    #[command(subcommand)]
    pub command: Command,
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
    /// Audit a live Redis: memory, maxmemory and policy against the container limit and role,
    /// evictions, OOM errors, persistence, and the keyspace (big keys, data without TTL,
    /// framework retention).
    Audit(AuditArgs),
    /// Scan the keyspace of a live Redis: biggest keys, key patterns with memory and TTL
    /// coverage, TTL histogram, frameworks, retention problems and reclaimable memory.
    Keys(KeysArgs),
    /// List the rules.
    Rules,
    /// Print the documentation of a rule.
    Explain {
        /// Rule id, e.g. maxmemory-unset.
        id: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Redis to audit: redis://[user[:password]@]host[:port][/db], rediss://..., unix:///path.
    /// A password can also come from REDISCLI_AUTH.
    #[arg(long, value_name = "URL", env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: String,
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
}

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    /// Redis to scan: redis://[user[:password]@]host[:port][/db], rediss://..., unix:///path.
    /// A password can also come from REDISCLI_AUTH.
    #[arg(long, value_name = "URL", env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: String,
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
    /// SCAN COUNT: keys asked per batch (one round trip each).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub count: u32,
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
}
