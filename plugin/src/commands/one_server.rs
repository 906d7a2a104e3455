//! What the writing commands (`fix`, `cleanup`) share: reaching one server by URL or by pod
//! (through a port-forward), reaching it again (a second stream for the RDB backup, or a
//! reconnect after a dropped port-forward), and the backup taken before `--apply`.

use std::{path::PathBuf, sync::Arc, time::Duration};

use findings::units::{format_k8s_bytes, parse_k8s_quantity};
use kube_access::{Cluster, RedisPod, forward::Forward};
use redis_probe::{
    Probe, Target, Timeouts,
    fix::{Limit, persist::Deployment},
};

use crate::{cli::KubeArgs, kubernetes, output};

/// How long a BGSAVE backup may take.
const BGSAVE_TIMEOUT: Duration = Duration::from_secs(600);

/// Which server the command line names.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub pod: Option<&'a str>,
    pub redis_url: Option<&'a str>,
    pub kube: &'a KubeArgs,
    /// `--memory-limit`, overriding the pod's.
    pub memory_limit: Option<&'a str>,
}

/// The connection and how the server was deployed.
pub struct Connected {
    pub probe: Probe,
    /// Keeps the port-forward open while the probe lives.
    pub _forward: Option<Forward>,
    pub target: String,
    pub deployment: Deployment,
    pub limit: Option<Limit>,
    /// How to reach the server again.
    pub reach: Reach,
    pub notes: Vec<String>,
}

/// How to open another connection to the same server.
pub enum Reach {
    Url(Target),
    Pod { cluster: Box<Cluster>, pod: Box<RedisPod>, password_from: Option<String> },
}

/// What `--backup` asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackupChoice {
    None,
    File(PathBuf),
    Bgsave,
}

impl BackupChoice {
    /// From `--backup PATH|bgsave` and `--no-backup`; `None` when neither was given.
    pub fn from_args(backup: Option<&str>, no_backup: bool) -> Option<BackupChoice> {
        match (backup, no_backup) {
            (Some("bgsave"), _) => Some(BackupChoice::Bgsave),
            (Some(p), _) => Some(BackupChoice::File(PathBuf::from(p))),
            (None, true) => Some(BackupChoice::None),
            (None, false) => None,
        }
    }
}

pub async fn connect(named: Named<'_>, timeouts: Timeouts) -> anyhow::Result<Connected> {
    let asked_limit = named
        .memory_limit
        .map(|raw| {
            parse_k8s_quantity(raw)
                .map(|bytes| Limit { bytes, raw: raw.trim().to_string() })
                .map_err(|e| anyhow::anyhow!("--memory-limit: {e}"))
        })
        .transpose()?;
    if let Some(url) = named.redis_url {
        let target = output::redis_target(url)?;
        let probe = Probe::connect(&target, timeouts).await?;
        return Ok(Connected {
            target: probe.label.clone(),
            probe,
            _forward: None,
            deployment: Deployment::Url,
            limit: asked_limit,
            reach: Reach::Url(target),
            notes: Vec::new(),
        });
    }
    let name = named.pod.unwrap_or_default();
    let cluster = kubernetes::connect(named.kube).await?;
    let pod = kubernetes::find_one(&cluster, named.kube, name).await?;
    let conn = kubernetes::open(&cluster, &pod, named.kube.password_from.as_deref(), timeouts)
        .await
        .map_err(anyhow::Error::msg)?;
    let pod_limit = match (pod.memory_limit, &pod.memory_limit_text) {
        (Some(bytes), Some(raw)) => Some(Limit { bytes, raw: raw.clone() }),
        (Some(bytes), None) => Some(Limit { bytes, raw: format_k8s_bytes(bytes) }),
        _ => None,
    };
    let deployment = match (&pod.helm_chart, &pod.helm_release) {
        (Some(chart), Some(release)) => Deployment::Helm {
            chart: chart.clone(),
            release: release.clone(),
            namespace: pod.namespace.clone(),
        },
        _ => Deployment::Manifest {
            container: pod.container.clone(),
            owner: pod.owner.as_ref().map(|o| format!("{}/{}", o.kind, o.name)),
        },
    };
    Ok(Connected {
        target: kubernetes::label(&pod),
        probe: conn.probe,
        _forward: Some(conn.forward),
        deployment,
        limit: asked_limit.or(pod_limit),
        notes: conn.notes,
        reach: Reach::Pod {
            cluster: Box::new(cluster),
            pod: Box::new(pod),
            password_from: named.kube.password_from.clone(),
        },
    })
}

impl Connected {
    /// Opens a new connection on each call, for a long run to go on after a drop. Forwards
    /// opened for it are kept in `kept`, as they must outlive their probes.
    pub fn reconnector(
        &self,
        timeouts: Timeouts,
        kept: Arc<std::sync::Mutex<Vec<Forward>>>,
    ) -> Box<dyn FnMut() -> kubernetes::Reopening + Send> {
        match &self.reach {
            Reach::Url(target) => Box::new(output::url_reconnector(target.clone(), timeouts)),
            Reach::Pod { cluster, pod, password_from } => {
                Box::new(kubernetes::reconnector(cluster, pod, password_from.as_deref(), timeouts, kept))
            }
        }
    }

    /// Takes the backup asked for; `Ok(None)` for `--no-backup`. The error is one line.
    pub async fn take_backup(
        &mut self,
        choice: &BackupChoice,
        timeouts: Timeouts,
    ) -> Result<Option<String>, String> {
        match choice {
            BackupChoice::None => Ok(None),
            BackupChoice::Bgsave => {
                let b = redis_probe::backup::bgsave_and_wait(&mut self.probe, BGSAVE_TIMEOUT)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Some(format!("BGSAVE on the server finished (LASTSAVE {})", b.lastsave)))
            }
            BackupChoice::File(path) => {
                let b = match &self.reach {
                    Reach::Url(target) => redis_probe::backup::stream_rdb_to(target, path, timeouts).await,
                    Reach::Pod { cluster, pod, password_from } => {
                        // A second port-forward: the RDB stream takes over its connection.
                        let password = kube_access::password::resolve(cluster, pod, password_from.as_deref())
                            .await
                            .unwrap_or_else(|_| kube_access::password::Password::none());
                        let target = Target::stream(kubernetes::label(pod))
                            .with_password(password.expose().map(str::to_string));
                        let mut forward =
                            kube_access::forward::open_pod(cluster, pod).await.map_err(|e| e.to_string())?;
                        let stream = forward.stream().ok_or_else(|| {
                            format!("{}: the port-forward gave no stream", kubernetes::label(pod))
                        })?;
                        redis_probe::backup::stream_rdb(stream, &target, path, timeouts).await
                    }
                }
                .map_err(|e| e.to_string())?;
                Ok(Some(format!(
                    "RDB snapshot written to {} ({}, RDB version {})",
                    b.path.display(),
                    format_k8s_bytes(b.bytes),
                    b.rdb_version
                )))
            }
        }
    }
}
