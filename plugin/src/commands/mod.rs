//! One module per subcommand.

mod audit;
mod keys;
mod lint;
mod rules;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Lint(args) => lint::run(&args, cli.color),
        Command::Audit(args) => audit::run(&args, cli.color),
        Command::Keys(args) => keys::run(&args),
        Command::Rules => rules::list(),
        Command::Explain { id } => rules::explain(&id),
    }
}
