//! `redis-audit lint`.

use std::{io::Read, path::PathBuf, process::ExitCode, sync::Arc};

use anyhow::{Context, bail};
use lint_engine::{Input, baseline::Baseline, config::Config};
use report::{Format, RenderContext, SourceMap};

use crate::{
    cli::{ColorWhen, FormatArg, LintArgs},
    output,
};

fn load_config(args: &LintArgs) -> anyhow::Result<Config> {
    let path = match &args.config {
        Some(p) => Some(p.clone()),
        None => Config::discover(&std::env::current_dir().context("current directory")?),
    };
    let config = match path {
        Some(p) => Config::load(&p)?,
        None => Config::default(),
    };
    Ok(config.with_cli(&args.select, &args.ignore)?)
}

pub fn run(args: &LintArgs, color: ColorWhen) -> anyhow::Result<ExitCode> {
    let config = load_config(args)?;
    let paths: Vec<PathBuf> =
        if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    let mut inputs = Vec::new();
    let mut notes = Vec::new();
    let mut files = Vec::new();
    for p in &paths {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin().lock().read_to_end(&mut bytes).context("reading standard input")?;
            let text = match lint_engine::text::decode(bytes) {
                lint_engine::text::Decoded::Text(text, note) => {
                    notes.extend(note.map(|n| format!("-: {n}")));
                    text
                }
                lint_engine::text::Decoded::Skipped(why) => bail!("standard input: {why}"),
            };
            inputs.push(Input { path: "-".into(), text: Arc::from(text), explicit: true });
        } else if !p.exists() {
            bail!("{}: no such file or directory", p.display());
        } else {
            files.push(p.clone());
        }
    }
    let (found, walk_notes) = lint_engine::walk::collect(&files, &config);
    inputs.extend(found);
    notes.extend(walk_notes);

    let mut outcome = lint_engine::lint(&inputs, &config);
    if let Some(path) = &args.write_baseline {
        std::fs::write(path, Baseline::from_findings(&outcome.findings).to_json())
            .with_context(|| format!("cannot write {}", path.display()))?;
        anstream::eprintln!("wrote {} findings to {}", outcome.findings.len(), path.display());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read baseline {}", path.display()))?;
        let baseline = Baseline::parse(&text, &path.display().to_string())?;
        let n = baseline.filter(&mut outcome.findings);
        if n > 0 {
            notes.push(format!("{n} findings already in the baseline {} are not shown", path.display()));
        }
    }
    if outcome.suppressed > 0 {
        notes.push(format!(
            "{} findings suppressed by `redis-audit: ignore[...]` comments",
            outcome.suppressed
        ));
    }
    notes.append(&mut outcome.notes);

    let mut sources = SourceMap::default();
    for (path, text) in &outcome.sources {
        sources.insert(path.clone(), text.clone());
    }
    let format = match args.format {
        FormatArg::Pretty => Format::Pretty,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
    };
    let ctx = RenderContext {
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        color: format == Format::Pretty && output::use_color(color, args.output.is_some()),
        files_scanned: outcome.files_scanned,
        notes,
    };
    let mut out = output::writer(args.output.as_deref())?;
    report::render(format, &outcome.findings, &sources, &ctx, &mut out)?;
    out.flush()?;
    Ok(output::exit_code(&outcome.findings, args.fail_on))
}
