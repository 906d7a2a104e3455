//! The `redis-audit` command line, as a library so that every binary name runs the same code:
//! `kubectl-redis_audit` (the kubectl plugin, `src/main.rs`), `redis-audit` (`src/bin/`) and
//! `redis-audit-pre-commit` (the workspace root package that pre-commit's `cargo install --path .`
//! builds). Parses the command line, runs the command and maps the result to an exit code:
//! 0 nothing at or above `--fail-on`, 1 findings at or above it, 2 usage, configuration, I/O or
//! connection error. Not an API: only [`main`], [`command`] and [`VERSION`] are public.

mod cli;
mod commands;
mod kubernetes;
mod output;

use std::process::ExitCode;

/// `0.1.0 (git 1a2b3c4)`: the crate version and the commit it was built from (`unknown` when
/// built outside a git checkout), as `--version` prints it; see build.rs.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (git ", env!("REDIS_AUDIT_GIT_REV"), ")");

/// The clap definition, for generated docs (reference pages, man pages) and completions.
pub fn command() -> clap::Command {
    <cli::Cli as clap::CommandFactory>::command()
}

/// Runs the command line of this process.
pub fn main() -> ExitCode {
    // kubectl's plugin completion passes the typed words verbatim, global flags included:
    // they must not reach clap's parser (which would take `--context` as this call's own).
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).is_some_and(|a| a == "__complete") {
        return commands::complete(&argv[2..]);
    }
    let cli = cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`| head`) is not an error.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            if err.downcast_ref::<commands::Interrupted>().is_some() {
                anstream::eprintln!("interrupted");
                return ExitCode::from(130);
            }
            anstream::eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
