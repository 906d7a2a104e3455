//! One module per subcommand.

mod lint;
mod rules;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Lint(args) => lint::run(&args, cli.color),
        Command::Rules => rules::list(),
        Command::Explain { id } => rules::explain(&id),
    }
}
