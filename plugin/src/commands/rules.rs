//! `redis-audit rules` and `redis-audit explain ID`.

use std::{io::Write, process::ExitCode};

use anyhow::bail;

pub fn list() -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let catalog = findings::catalog();
    let width = catalog.rules().iter().map(|r| r.id.len()).max().unwrap_or(0);
    for r in catalog.rules() {
        writeln!(out, "{:width$}  {:7}  {}", r.id, r.severity.as_str(), r.summary)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn explain(id: &str) -> anyhow::Result<ExitCode> {
    let Some(rule) = findings::catalog().get(id) else {
        bail!("unknown rule `{id}`; `redis-audit rules` lists them");
    };
    write!(std::io::stdout().lock(), "{}", rule.markdown())?;
    Ok(ExitCode::SUCCESS)
}
