//! A backup on the server's own disk: BGSAVE, verified by LASTSAVE advancing and
//! `rdb_last_bgsave_status:ok`.
//!
//! LASTSAVE is the unix second the last *successful* save finished (set in the parent when the
//! child exits with success, `backgroundSaveDoneHandlerDisk`), so "LASTSAVE advanced" proves a
//! save completed after we asked only if our save cannot finish within the second LASTSAVE
//! already shows: we wait for the server clock (TIME) to pass that second before asking.

use std::time::{Duration, Instant};

use super::{BackupError, BgsaveBackup};
use crate::{Probe, ProbeError};

const POLL: Duration = Duration::from_millis(100);

/// Runs BGSAVE and waits until it has finished and succeeded, for at most `timeout`.
///
/// A save already running when we ask (another BGSAVE, an AOF rewrite, a module fork) is waited
/// for, then ours is started: the running one forked before our request, so its snapshot can
/// miss writes made between its fork and the cleanup we are guarding; accepting it would back
/// up an older dataset than the one we are about to change. INFO cannot tell when a running
/// save forked to better than a second (`rdb_current_bgsave_time_sec`), so no running save is
/// ever accepted.
pub async fn bgsave_and_wait(probe: &mut Probe, timeout: Duration) -> Result<BgsaveBackup, BackupError> {
    let started = Instant::now();
    let deadline = started + timeout;
    let target = probe.label.clone();
    let timed_out = || BackupError::BgsaveTimeout { target: target.clone(), secs: timeout.as_secs_f64() };

    let mut waited_for_running_save = false;
    // Re-read after each refusal: the save we waited for moves LASTSAVE, and ours must be
    // seen to move it again.
    let before = loop {
        let before: i64 = probe.cmd(&redis::cmd("LASTSAVE")).await?;
        wait_past_second(probe, before, deadline).await?.ok_or_else(timed_out)?;
        match probe.cmd::<String>(&redis::cmd("BGSAVE")).await {
            Ok(_) => break before,
            Err(e) if is_busy(&e) => {
                waited_for_running_save = true;
                if Instant::now() + POLL > deadline {
                    return Err(timed_out());
                }
                tokio::time::sleep(POLL).await;
            }
            Err(ProbeError::Command { reason, .. }) => {
                return Err(BackupError::Bgsave { target: target.clone(), reason });
            }
            Err(e) => return Err(e.into()),
        }
    };

    // BGSAVE forks before it replies, so `rdb_bgsave_in_progress` is already 1 here.
    let info = loop {
        let info = persistence(probe).await?;
        if field(&info, "rdb_bgsave_in_progress") == Some("0") {
            break info;
        }
        if Instant::now() + POLL > deadline {
            return Err(timed_out());
        }
        tokio::time::sleep(POLL).await;
    };
    let status = field(&info, "rdb_last_bgsave_status").unwrap_or("unknown");
    if status != "ok" {
        return Err(BackupError::Bgsave {
            target,
            reason: format!(
                "rdb_last_bgsave_status:{status} (see the server log; is its dir writable and the disk not full?)"
            ),
        });
    }
    let lastsave: i64 = probe.cmd(&redis::cmd("LASTSAVE")).await?;
    if lastsave <= before {
        return Err(BackupError::Bgsave {
            target,
            reason: format!("LASTSAVE did not advance ({before} before, {lastsave} after)"),
        });
    }
    // No INFO field gives the file's size (`rdb_last_cow_size` is copy-on-write memory).
    Ok(BgsaveBackup { lastsave, rdb_bytes: None, waited_for_running_save, duration: started.elapsed() })
}

/// Waits until the server clock (TIME) is past the unix second `lastsave`; `None` if that
/// would pass `deadline`.
async fn wait_past_second(
    probe: &mut Probe,
    lastsave: i64,
    deadline: Instant,
) -> Result<Option<()>, ProbeError> {
    loop {
        let (secs, micros): (i64, i64) = probe.cmd(&redis::cmd("TIME")).await?;
        if secs > lastsave {
            return Ok(Some(()));
        }
        let rest =
            Duration::from_micros(u64::try_from(1_000_000 - micros).unwrap_or(0).clamp(1_000, 1_000_000));
        if Instant::now() + rest > deadline {
            return Ok(None);
        }
        tokio::time::sleep(rest).await;
    }
}

/// The server refuses a BGSAVE because another fork is running: "Background save already in
/// progress", "An AOF log rewriting in progress: can't BGSAVE right now", "Another child
/// process is active (AOF?): can't BGSAVE right now".
fn is_busy(e: &ProbeError) -> bool {
    matches!(e, ProbeError::Command { reason, .. }
        if reason.contains("already in progress") || reason.contains("can't BGSAVE right now"))
}

async fn persistence(probe: &mut Probe) -> Result<String, ProbeError> {
    probe.cmd(redis::cmd("INFO").arg("persistence")).await
}

fn field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines().find_map(|l| l.trim().strip_prefix(name)?.strip_prefix(':'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn info_fields() {
        let info = "# Persistence\r\nrdb_bgsave_in_progress:0\r\nrdb_last_bgsave_status:err\r\n";
        assert_eq!(super::field(info, "rdb_bgsave_in_progress"), Some("0"));
        assert_eq!(super::field(info, "rdb_last_bgsave_status"), Some("err"));
        assert_eq!(super::field(info, "rdb_last_bgsave"), None);
    }
}
