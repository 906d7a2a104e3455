//! Shell completion, two ways:
//! - `redis-audit completion bash|zsh|fish|powershell|elvish`: a static script from clap (flags,
//!   subcommands, enum values), for the `redis-audit` name and `kubectl-redis_audit`.
//! - `kubectl-redis_audit __complete WORD...`: what kubectl ≥ 1.26 runs, through the
//!   `kubectl_complete-redis_audit` helper on PATH, to complete `kubectl redis-audit ...`. It
//!   prints one candidate per line and then a Cobra directive line (`:4` = no file completion),
//!   the protocol of kubectl's plugin completion (kubernetes/kubectl
//!   pkg/cmd/plugin/plugin_completion.go). Contexts come from the kubeconfig; namespaces and
//!   Redis pods from the cluster, with a short timeout so a slow API never hangs the shell.

use std::{io::Write, process::ExitCode, time::Duration};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

/// Cobra's ShellCompDirectiveNoFileComp.
const NO_FILE_COMP: u8 = 4;

pub fn script(shell: Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    for bin in ["redis-audit", "kubectl-redis_audit"] {
        // Into a buffer first: clap_complete panics on a write error, and `| head` is not one.
        let mut text = Vec::new();
        clap_complete::generate(shell, &mut cmd, bin, &mut text);
        let mut text = String::from_utf8(text)?;
        if shell == Shell::Bash {
            text = respell_bash_states(&text, cmd.get_name(), bin);
        }
        out.write_all(text.as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// clap_complete's bash script completes no flag of a subcommand when the names have a hyphen
/// (clap-rs/clap#6421, open in clap_complete 4.6.11): its loop over the typed words spells the
/// state of `redis-audit lint` from the binary name, `redis__audit__subcmd__lint`, and its case
/// arms from the command name with the hyphen taken for a separator,
/// `redis__subcmd__audit__subcmd__lint` (also for `kubectl-redis_audit`), so no arm matches.
/// The arms are respelled as the loop spells them.
fn respell_bash_states(script: &str, name: &str, bin: &str) -> String {
    let arms = format!("{}__subcmd__", name.replace('-', "__subcmd__"));
    let state = format!("{}__subcmd__", bin.replace('-', "__"));
    script.replace(&arms, &state)
}

/// `words`: what follows `kubectl redis-audit`, the last being the word under the cursor
/// (empty for a new word).
pub fn dynamic(words: &[String]) -> anyhow::Result<ExitCode> {
    let (current, before) = match words.split_last() {
        Some((c, b)) => (c.as_str(), b),
        None => ("", &[][..]),
    };
    let root = Cli::command();
    // The subcommand typed so far, if any (the first word naming one).
    let sub = before.iter().find_map(|w| root.find_subcommand(w).cloned());
    let cmd = sub.as_ref().unwrap_or(&root);
    // The subcommand's own flags plus the global ones (kubectl flags, --color).
    let args: Vec<&clap::Arg> = if sub.is_some() {
        cmd.get_arguments().chain(root.get_arguments().filter(|a| a.is_global_set())).collect()
    } else {
        root.get_arguments().collect()
    };
    let mut candidates: Vec<String> = Vec::new();
    let previous = before.last().map(String::as_str).unwrap_or("");
    if let Some(arg) = flag_taking_value(&args, previous) {
        candidates = values_for(&arg, before);
    } else if current.starts_with('-') {
        for a in args.iter().filter(|a| !a.is_hide_set()) {
            if let Some(l) = a.get_long() {
                candidates.push(format!("--{l}\t{}", help(a)));
            }
            if let Some(s) = a.get_short() {
                candidates.push(format!("-{s}\t{}", help(a)));
            }
        }
    } else {
        if sub.is_none() {
            for s in root.get_subcommands().filter(|s| !s.is_hide_set()) {
                candidates.push(format!(
                    "{}\t{}",
                    s.get_name(),
                    s.get_about().map(|a| a.to_string()).unwrap_or_default()
                ));
            }
        }
        let takes_pods =
            sub.as_ref().is_none_or(|s| matches!(s.get_name(), "audit" | "keys" | "fix" | "cleanup"));
        if takes_pods {
            candidates.extend(pods(before));
        }
    }
    let mut out = std::io::stdout().lock();
    for c in candidates.iter().filter(|c| c.starts_with(current)) {
        writeln!(out, "{c}")?;
    }
    writeln!(out, ":{NO_FILE_COMP}")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn help(a: &clap::Arg) -> String {
    a.get_help().map(|h| h.to_string().lines().next().unwrap_or_default().to_string()).unwrap_or_default()
}

/// The argument `word` names when it is a flag that takes a value (`-n`, `--context`).
fn flag_taking_value(args: &[&clap::Arg], word: &str) -> Option<clap::Arg> {
    let found = if let Some(long) = word.strip_prefix("--") {
        args.iter().find(|a| a.get_long() == Some(long))
    } else if let Some(short) = word.strip_prefix('-').filter(|s| s.chars().count() == 1) {
        args.iter().find(|a| short.starts_with(a.get_short().unwrap_or('\0')))
    } else {
        None
    }?;
    found.get_action().takes_values().then(|| (*found).clone())
}

fn values_for(arg: &clap::Arg, before: &[String]) -> Vec<String> {
    let possible: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !possible.is_empty() {
        return possible;
    }
    match arg.get_id().as_str() {
        "context" => contexts(before),
        "namespace" => namespaces(before),
        _ => Vec::new(),
    }
}

/// The value of `--flag VALUE` / `--flag=VALUE` already typed.
fn flag_value(before: &[String], long: &str, short: Option<char>) -> Option<String> {
    let long_eq = format!("--{long}=");
    let mut it = before.iter();
    while let Some(w) = it.next() {
        if let Some(v) = w.strip_prefix(&long_eq) {
            return Some(v.to_string());
        }
        if *w == format!("--{long}") || short.is_some_and(|s| *w == format!("-{s}")) {
            return it.next().cloned();
        }
    }
    None
}

fn kube_args(before: &[String]) -> crate::cli::KubeArgs {
    crate::cli::KubeArgs {
        kubeconfig: flag_value(before, "kubeconfig", None).map(Into::into),
        context: flag_value(before, "context", None),
        namespace: flag_value(before, "namespace", Some('n')),
        all_namespaces: before.iter().any(|w| w == "-A" || w == "--all-namespaces"),
        selector: flag_value(before, "selector", Some('l')),
        request_timeout: Duration::from_secs(2),
        password_from: None,
    }
}

fn contexts(before: &[String]) -> Vec<String> {
    let config = match flag_value(before, "kubeconfig", None) {
        Some(p) => kube::config::Kubeconfig::read_from(p),
        None => kube::config::Kubeconfig::read(),
    };
    config.map(|c| c.contexts.into_iter().map(|c| c.name).collect()).unwrap_or_default()
}

/// Asks the cluster, giving up after 2 s (completion must not hang the shell).
fn ask<T>(f: impl std::future::Future<Output = Option<Vec<T>>>) -> Vec<T> {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return Vec::new();
    };
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(2), f).await.ok().flatten().unwrap_or_default()
    })
}

fn namespaces(before: &[String]) -> Vec<String> {
    let args = kube_args(before);
    ask(async {
        let cluster = crate::kubernetes::connect(&args).await.ok()?;
        let api: kube::Api<k8s_openapi::api::core::v1::Namespace> = kube::Api::all(cluster.client.clone());
        let list = api.list(&Default::default()).await.ok()?;
        Some(list.items.into_iter().filter_map(|n| n.metadata.name).collect())
    })
}

fn pods(before: &[String]) -> Vec<String> {
    let args = kube_args(before);
    ask(async {
        let cluster = crate::kubernetes::connect(&args).await.ok()?;
        let scope = if args.all_namespaces {
            kube_access::Scope::All
        } else {
            kube_access::Scope::Namespace(cluster.namespace.clone())
        };
        let found =
            kube_access::find_redis_pods(&cluster, &scope, args.selector.as_deref(), &[]).await.ok()?;
        Some(found.pods.into_iter().map(|p| p.name).collect())
    })
}
