//! One module per subcommand.

mod audit;
mod cleanup;
mod cleanup_presets;
mod completion;
mod demo;
mod fix;
mod keys;
mod lint;
mod one_server;
mod rules;

use std::process::ExitCode;

use crate::cli::{Cli, Command};

/// Ctrl-C: what was started has been stopped; the process exits 130.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// `__complete WORD...` (see [`completion::dynamic`]); never fails loudly: a shell is waiting.
pub fn complete(words: &[String]) -> ExitCode {
    completion::dynamic(words).unwrap_or(ExitCode::SUCCESS)
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let kube = cli.kube;
    let with_kube = |mut a: crate::cli::AuditArgs| {
        a.kube = kube.clone();
        a
    };
    match cli.command {
        None => audit::run(&with_kube(cli.audit), cli.color),
        Some(Command::Lint(args)) => lint::run(&args, cli.color),
        Some(Command::Audit(args)) => audit::run(&with_kube(args), cli.color),
        Some(Command::Keys(mut args)) => {
            args.kube = kube.clone();
            keys::run(&args)
        }
        Some(Command::Fix(mut args)) => {
            args.kube = kube.clone();
            fix::run(&args)
        }
        Some(Command::Cleanup(mut args)) => {
            args.kube = kube.clone();
            cleanup::run(&args)
        }
        Some(Command::Rules) => rules::list(),
        Some(Command::Explain { id }) => rules::explain(&id),
        Some(Command::Demo(args)) => demo::run(&with_kube(args), cli.color),
        Some(Command::Serve(mut args)) => {
            args.kube = kube.clone();
            audit::serve::run(&args)
        }
        Some(Command::Completion { shell }) => completion::script(shell),
        Some(Command::Complete { words }) => completion::dynamic(&words),
    }
}
