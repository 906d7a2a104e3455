//! `redis-audit demo`: the real audit against a bundled test cluster, for a first look without
//! a cluster. It starts the project's Kubernetes test API server (testkit) with the state in
//! testdata/kube/demo.yaml, whose pods are backed by real redis-servers (the installed
//! `redis-server`) holding a little realistic data, then audits every namespace through
//! port-forwards exactly as against a real cluster. Everything it started stops when it exits,
//! also on Ctrl-C.

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{AuditArgs, ColorWhen};

const DEMO_CLUSTER: &str = include_str!("../../../testdata/kube/demo.yaml");

pub fn run(args: &AuditArgs, color: ColorWhen) -> anyhow::Result<ExitCode> {
    // Take over SIGINT before starting anything: without a handler a Ctrl-C during start-up
    // would end the process at once and leave its redis-servers running. The audit itself
    // stops on Ctrl-C (returns `Interrupted`); then `server` drops and stops them.
    let signals =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("tokio runtime")?;
    #[cfg(unix)]
    let _sigint =
        signals.block_on(async { tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()) });
    let server = testkit::kube::KubeApiServer::start(DEMO_CLUSTER)
        .context("starting the demo cluster (it needs `redis-server`: apt install redis-server)")?;
    let dir = tempfile::tempdir().context("temp dir for the demo kubeconfig")?;
    let kubeconfig = server.write_kubeconfig(dir.path()).context("writing the demo kubeconfig")?;
    anstream::eprintln!(
        "demo: a test cluster at {} (pods backed by real redis-servers, reached through port-forwards); \
         this is `kubectl redis-audit -A` against it",
        server.url()
    );
    let mut args = args.clone();
    args.kube.kubeconfig = Some(kubeconfig);
    args.kube.context = None;
    args.kube.namespace = None;
    args.kube.all_namespaces = true;
    args.redis_url = None;
    // On Ctrl-C the audit returns `Interrupted`; the servers stop when `server` drops here.
    let result = super::audit::run(&args, color);
    drop(server);
    drop(signals);
    result
}
