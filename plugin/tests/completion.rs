//! `redis-audit completion bash|zsh|fish`: each script parses in its real shell, and bash and
//! fish complete subcommands, flags and flag values for both names. (zsh's completion system
//! needs a terminal; it is checked to register both functions, in tests/readme.rs.)

#![allow(clippy::unwrap_used)]

mod util;

use std::{path::Path, process::Command};

fn script(shell: &str) -> String {
    let o = util::bin().args(["completion", shell]).output().unwrap();
    assert!(o.status.success(), "{shell}: {}", util::stderr(&o));
    util::stdout(&o)
}

/// Runs `shell ARGS... FILE` where FILE holds `text`; (success, stdout, stderr).
fn run_file(shell: &Path, args: &[&str], text: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script");
    std::fs::write(&file, text).unwrap();
    let o = Command::new(shell)
        .args(args)
        .arg(&file)
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path())
        .env(
            "PATH",
            format!("{}:{}", util::action::bin_dir().display(), std::env::var("PATH").unwrap_or_default()),
        )
        .output()
        .unwrap();
    (o.status.success(), util::stdout(&o), util::stderr(&o))
}

#[test]
fn scripts_parse_in_their_shells() {
    for (shell, args) in [("bash", &["-n"][..]), ("zsh", &["-n"][..]), ("fish", &["--no-execute"][..])] {
        let Some(path) = util::required_tool(shell, "scripts_parse_in_their_shells") else { continue };
        let text = script(shell);
        assert!(text.contains("redis-audit") && text.contains("kubectl-redis_audit"), "{shell}");
        let (ok, _, stderr) = run_file(&path, args, &text);
        assert!(ok && stderr.is_empty(), "{shell}: {stderr}");
    }
}

/// What bash offers after `words` (the last one being completed), through the function the
/// script registered for `words[0]`.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let bash = util::required_tool("bash", "bash_completes").unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let text = format!(
        "source <(redis-audit completion bash)\n\
         fn=$(complete -p {bin} | sed -E 's/.* -F ([^ ]+) .*/\\1/')\n\
         COMP_WORDS=({words})\n\
         COMP_CWORD={cword}\n\
         COMP_LINE=\"${{COMP_WORDS[*]}}\"\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         \"$fn\" {bin} \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        bin = words[0],
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let (ok, stdout, stderr) = run_file(&bash, &["--noprofile", "--norc"], &text);
    assert!(ok && stderr.is_empty(), "{words:?}: {stderr}");
    stdout.lines().map(str::to_string).collect()
}

/// Subcommand flags complete for both names: clap_complete's own script completes none for a
/// hyphenated name (clap-rs/clap#6421), which `completion bash` corrects.
#[test]
fn bash_completes_subcommands_flags_and_values_for_both_names() {
    for bin in ["redis-audit", "kubectl-redis_audit"] {
        assert_eq!(bash_completes(&[bin, "li"]), ["lint"], "{bin}");
        assert_eq!(bash_completes(&[bin, "lint", "--fo"]), ["--format"], "{bin}");
        assert_eq!(
            bash_completes(&[bin, "lint", "--format", ""]),
            ["pretty", "json", "sarif", "github"],
            "{bin}"
        );
        assert_eq!(bash_completes(&[bin, "lint", "--fail-on", "w"]), ["warning"], "{bin}");
        assert_eq!(bash_completes(&[bin, "cleanup", "--pre"]), ["--preset", "--prefix"], "{bin}");
    }
}

#[test]
fn fish_completes_subcommands_flags_and_values_for_both_names() {
    let Some(fish) = util::required_tool("fish", "fish_completes") else { return };
    for bin in ["redis-audit", "kubectl-redis_audit"] {
        let text = format!(
            "redis-audit completion fish | source\n\
             complete -C '{bin} li'\necho ===\ncomplete -C '{bin} lint --fo'\necho ===\ncomplete -C '{bin} lint --format '\n"
        );
        let (ok, stdout, stderr) = run_file(&fish, &["--no-config"], &text);
        assert!(ok && stderr.is_empty(), "{bin}: {stderr}");
        let parts: Vec<Vec<&str>> = stdout
            .split("===\n")
            .map(|p| p.lines().map(|l| l.split('\t').next().unwrap_or(l)).collect())
            .collect();
        assert_eq!(parts.len(), 3, "{bin}: {stdout}");
        assert!(parts[0].contains(&"lint"), "{bin}: {stdout}");
        assert_eq!(parts[1], ["--format"], "{bin}: {stdout}");
        let mut values = parts[2].clone();
        values.sort_unstable();
        assert_eq!(values, ["github", "json", "pretty", "sarif"], "{bin}: {stdout}");
    }
}

/// `completion zsh | head` is not an error (clap_complete panics on a closed pipe).
#[test]
fn closed_pipe_is_not_an_error() {
    let bash = util::required_tool("bash", "closed_pipe_is_not_an_error").unwrap();
    let (ok, stdout, stderr) =
        run_file(&bash, &[], "set -o pipefail\nredis-audit completion zsh | head -n 1\n");
    assert!(ok, "{stderr}");
    assert_eq!(stdout, "#compdef redis-audit\n");
    assert!(stderr.is_empty(), "{stderr}");
}
