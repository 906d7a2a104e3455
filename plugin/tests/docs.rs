//! Generated docs, checked here: each test fails when its directory is stale, and
//! `UPDATE_DOCS=1 cargo test -p redis-audit --test docs` regenerates them.
//! - docs/rules/ from lint-rules/ (the same text `explain` prints and SARIF links to);
//! - docs/cli/ (a reference page per subcommand) and docs/man/ (man pages, clap_mangen) from
//!   the clap definition, the same text `--help` prints.

#![allow(clippy::unwrap_used)]

mod util;

use std::collections::BTreeMap;

fn generated() -> BTreeMap<String, String> {
    let catalog = findings::catalog();
    let mut files = BTreeMap::new();
    let mut index = String::from(
        "# Rules\n\nGenerated from `lint-rules/` by `cargo test -p redis-audit --test docs`; do not edit.\n\n| Rule | Severity | Summary |\n| --- | --- | --- |\n",
    );
    for r in catalog.rules() {
        index.push_str(&format!("| [{id}]({id}.md) | {} | {} |\n", r.severity, r.summary, id = r.id));
        files.insert(format!("{}.md", r.id), r.markdown());
    }
    files.insert("README.md".to_string(), index);
    files
}

#[test]
fn rule_docs_are_current() {
    check_dir("docs/rules", &generated());
}

/// The command as documented: the crate version without the git revision (which changes with
/// every commit), no `help` subcommand, built (global flags propagated, bin names set).
fn documented_command() -> clap::Command {
    let mut cmd = redis_audit::command().version(env!("CARGO_PKG_VERSION")).disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// The documented subcommands (hidden ones, like kubectl's `__complete`, are not).
fn subcommands(cmd: &clap::Command) -> Vec<&clap::Command> {
    cmd.get_subcommands().filter(|s| !s.is_hide_set()).collect()
}

/// A reference page: the long `--help` text of the command.
fn reference_page(cmd: &clap::Command, title: &str, man: &str) -> String {
    let help = cmd.clone().render_long_help().to_string();
    let help: Vec<&str> = help.lines().map(str::trim_end).collect();
    format!(
        "# {title}\n\nGenerated from the clap definition (plugin/src/cli.rs) by `cargo test -p redis-audit --test docs`; do not edit. The same text as `{title} --help`; man page: [{man}](../man/{man}).\n\n```text\n{}\n```\n",
        help.join("\n").trim_end()
    )
}

fn cli_pages() -> BTreeMap<String, String> {
    let cmd = documented_command();
    let mut files = BTreeMap::new();
    let mut index = String::from(
        "# Command reference\n\nGenerated from the clap definition (plugin/src/cli.rs) by `cargo test -p redis-audit --test docs`; do not edit. Man pages: [docs/man/](../man/).\n\n| Command | What it does |\n| --- | --- |\n",
    );
    let about = |c: &clap::Command| c.get_about().map(|a| a.to_string()).unwrap_or_default();
    files.insert("redis-audit.md".to_string(), reference_page(&cmd, "redis-audit", "redis-audit.1"));
    index.push_str(&format!(
        "| [redis-audit](redis-audit.md) | {} Without a subcommand: `audit`. |\n",
        about(&cmd)
    ));
    for sub in subcommands(&cmd) {
        let name = sub.get_name();
        let title = format!("redis-audit {name}");
        files.insert(format!("{name}.md"), reference_page(sub, &title, &format!("redis-audit-{name}.1")));
        index.push_str(&format!("| [{title}]({name}.md) | {} |\n", about(sub)));
    }
    files.insert("README.md".to_string(), index);
    files
}

fn man_pages() -> BTreeMap<String, String> {
    let cmd = documented_command();
    let source = format!("redis-audit {}", env!("CARGO_PKG_VERSION"));
    let render = |c: &clap::Command| {
        let man = clap_mangen::Man::new(c.clone()).source(source.clone()).manual("redis-audit");
        let mut out = Vec::new();
        man.render(&mut out).unwrap();
        (man.get_filename(), String::from_utf8(out).unwrap())
    };
    let mut files: BTreeMap<String, String> = subcommands(&cmd).into_iter().map(render).collect();
    let (name, text) = render(&cmd);
    files.insert(name, text);
    files
}

#[test]
fn cli_reference_pages_are_current() {
    let pages = cli_pages();
    assert!(pages.contains_key("lint.md") && pages.contains_key("completion.md"), "{:?}", pages.keys());
    assert!(!pages.contains_key("__complete.md"), "hidden commands are not documented");
    assert!(pages["lint.md"].contains("Usage: redis-audit lint [OPTIONS] [PATH]..."), "{}", pages["lint.md"]);
    check_dir("docs/cli", &pages);
}

#[test]
fn man_pages_are_current() {
    let pages = man_pages();
    assert!(
        pages.contains_key("redis-audit.1") && pages.contains_key("redis-audit-lint.1"),
        "{:?}",
        pages.keys()
    );
    assert!(
        pages["redis-audit-lint.1"].contains(".TH redis-audit-lint 1"),
        "{}",
        pages["redis-audit-lint.1"]
    );
    check_dir("docs/man", &pages);
}

/// `man -l` renders each page without a warning.
#[test]
fn man_pages_render() {
    let Some(man) = util::required_tool("man", "man_pages_render") else { return };
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in man_pages() {
        let path = dir.path().join(&name);
        std::fs::write(&path, text).unwrap();
        let out = std::process::Command::new(&man)
            .args(["--warnings", "-E", "UTF-8", "-l"])
            .arg(&path)
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && stderr.trim().is_empty(), "{name}: {stderr}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("NAME") && text.contains("SYNOPSIS"), "{name}: {text}");
    }
}

/// Compares `dir` (relative to the repository) with `want`, or writes `want` into it when
/// UPDATE_DOCS is set.
fn check_dir(dir: &str, want: &BTreeMap<String, String>) {
    let dir = util::repo().join(dir);
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            std::fs::remove_file(e.path()).unwrap();
        }
        for (name, text) in want {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut have = BTreeMap::new();
    let shown = dir.display();
    for e in std::fs::read_dir(&dir)
        .unwrap_or_else(|_| panic!("{shown} exists (UPDATE_DOCS=1 to create)"))
        .flatten()
    {
        have.insert(e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap());
    }
    let stale: std::collections::BTreeSet<&String> =
        have.keys().chain(want.keys()).filter(|k| have.get(*k) != want.get(*k)).collect();
    assert!(
        stale.is_empty(),
        "{shown} is stale ({stale:?}): run `UPDATE_DOCS=1 cargo test -p redis-audit --test docs`"
    );
}
