//! Where reports go and whether they may be coloured.

use std::{fs::File, io::Write, path::Path};

use anyhow::Context;

use crate::cli::{ColorWhen, FailOn};

/// Colour for standard output: `--color`, then `NO_COLOR` / `CLICOLOR_FORCE`, then a terminal.
pub fn use_color(when: ColorWhen, to_file: bool) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            if to_file || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                return false;
            }
            if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                return true;
            }
            use std::io::IsTerminal;
            std::io::stdout().is_terminal() && std::env::var("TERM").map_or(true, |t| t != "dumb")
        }
    }
}

/// Standard output or the `--output` file.
pub fn writer(path: Option<&Path>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) => Box::new(std::io::BufWriter::new(
            File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    })
}

/// 1 when a finding is at or above `--fail-on`, else 0.
pub fn exit_code(findings: &[findings::Finding], fail_on: FailOn) -> std::process::ExitCode {
    use findings::Severity;
    let threshold = match fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    if threshold.is_some_and(|t| findings.iter().any(|f| f.severity >= t)) {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    }
}

/// The Redis named by `--redis-url`, with the password from `REDISCLI_AUTH` (redis-cli's
/// variable) when the URL has none, so it need not appear in shell history or `ps`.
pub fn redis_target(url: &str) -> anyhow::Result<redis_probe::Target> {
    let target = redis_probe::Target::parse(url)?;
    Ok(match std::env::var("REDISCLI_AUTH") {
        Ok(pw) if target.password().is_none() => target.with_password(Some(pw)),
        _ => target,
    })
}

/// A report as pretty JSON (with a final newline) or YAML: the `-o json|yaml` of every live
/// command.
pub fn write_data(out: &mut dyn Write, value: &impl serde::Serialize, yaml: bool) -> anyhow::Result<()> {
    if yaml {
        out.write_all(serde_saphyr::to_string(value).context("YAML output")?.as_bytes())?;
    } else {
        serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
        writeln!(out)?;
    }
    Ok(())
}

/// Connects to `target` again on each call, for a scan to resume on after a dropped
/// connection (the URL twin of `kubernetes::reconnector`).
pub fn url_reconnector(
    target: redis_probe::Target,
    timeouts: redis_probe::Timeouts,
) -> impl FnMut() -> crate::kubernetes::Reopening + Send {
    move || -> crate::kubernetes::Reopening {
        let target = target.clone();
        Box::pin(async move { redis_probe::Probe::connect(&target, timeouts).await })
    }
}
