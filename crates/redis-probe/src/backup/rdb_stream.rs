//! Streaming an RDB snapshot over the replication handshake, as `redis-cli --rdb` does
//! (redis/redis `src/redis-cli.c`: `sendCapa`, `sendReplconf("rdb-only", "1")`, `sendSync`,
//! `getRDB`). Raw RESP on a connection of its own: once SYNC is sent the server treats the
//! connection as a replica, so it can never be the [`crate::Probe`]'s.
//!
//! The reply to SYNC, after any `\n` keep-alives the master sends while it forks and writes, is
//! either `$<len>\r\n` and exactly `len` bytes (disk-based sync), or `$EOF:<40-byte mark>\r\n`
//! and the payload followed by the same mark (diskless sync; its length is not known ahead).

use std::{
    path::Path,
    time::{Duration, Instant},
};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use super::{BackupError, RdbBackup, one_line, rdb_file::PartialRdb};
use crate::{Target, Timeouts, connect::open_stream};

/// Length of the diskless end mark (`RDB_EOF_MARK_SIZE`).
const EOF_MARK_LEN: usize = 40;
/// Longest reply line accepted before the payload; a real one is under 60 bytes.
const MAX_LINE: u64 = 4096;
const CHUNK: usize = 256 * 1024;

/// Opens a new connection to `target` (TCP, TLS or unix socket) and streams its RDB to `out`
/// as [`stream_rdb`] does.
pub async fn stream_rdb_to(
    target: &Target,
    out: &Path,
    timeouts: Timeouts,
) -> Result<RdbBackup, BackupError> {
    let fail = |reason: String| BackupError::Connect { target: target.to_string(), reason };
    let stream = match tokio::time::timeout(timeouts.connect, open_stream(target)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(reason)) => return Err(fail(reason)),
        Err(_) => return Err(fail(format!("no answer within {} s", timeouts.connect.as_secs()))),
    };
    stream_rdb(stream, target, out, timeouts).await
}

/// Streams an RDB snapshot from the server at the other end of `stream` (a new connection, a
/// port-forward) to the file `out`.
///
/// Authenticates as `target` says, asks for the snapshot only (`REPLCONF rdb-only 1`, Redis 7.0+;
/// older servers refuse the option and are simply left to stream on, we stop reading), offers
/// diskless transfer (`REPLCONF capa eof`) and sends `SYNC`. The payload goes to a temp file in
/// the directory of `out`, which is fsynced, checked (RDB magic and version, the announced
/// length or the end mark, the EOF opcode) and renamed to `out`. On any failure the temp file
/// is removed and `out` is untouched. `timeouts.command` bounds each wait for data (the master
/// sends a keep-alive every second while it prepares), not the whole transfer.
pub async fn stream_rdb<S>(
    stream: S,
    target: &Target,
    out: &Path,
    timeouts: Timeouts,
) -> Result<RdbBackup, BackupError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let started = Instant::now();
    let mut ctx = Replica {
        io: BufReader::with_capacity(CHUNK, stream),
        target: target.to_string(),
        path: out.display().to_string(),
        secret: target.password().map(str::to_string),
        idle: timeouts.command,
    };
    // Before asking the server to fork: an unwritable directory fails here, at no cost to it.
    let mut file = PartialRdb::create(out).await.map_err(|reason| ctx.write_error(reason))?;

    // Two round trips: the handshake, then SYNC, which the server refuses while replies to
    // earlier commands are still queued for us ("SYNC and PSYNC are invalid with pending
    // output").
    let mut hello = Vec::new();
    if let Some(password) = target.password() {
        let mut auth = vec!["AUTH"];
        if let Some(user) = &target.username {
            auth.push(user);
        }
        auth.push(password);
        resp_command(&mut hello, &auth);
    }
    resp_command(&mut hello, &["REPLCONF", "capa", "eof"]);
    resp_command(&mut hello, &["REPLCONF", "rdb-only", "1"]);
    ctx.send(&hello).await?;

    if target.password().is_some() {
        let reply = ctx.line("waiting for the AUTH reply").await?;
        if let Some(err) = reply.strip_prefix('-') {
            return Err(ctx.auth_error(err));
        }
    }
    // `capa eof` and `rdb-only` are optional: an older server's error changes nothing (it
    // sends a length-prefixed RDB, then the command stream we never read).
    for _ in 0..2 {
        ctx.line("waiting for the REPLCONF reply").await?;
    }
    let mut sync = Vec::new();
    resp_command(&mut sync, &["SYNC"]);
    ctx.send(&sync).await?;
    let header = loop {
        let line = ctx.line("waiting for the server to start the snapshot").await?;
        // Keep-alive newlines while the master forks and writes its RDB.
        if !line.is_empty() {
            break line;
        }
    };
    let diskless = if let Some(err) = header.strip_prefix('-') {
        return Err(ctx.sync_error(err));
    } else if let Some(mark) = header.strip_prefix("$EOF:") {
        let mark = mark.as_bytes();
        if mark.len() != EOF_MARK_LEN {
            return Err(ctx.invalid(format!("end mark of {} bytes, expected {EOF_MARK_LEN}", mark.len())));
        }
        ctx.payload_until_mark(&mut file, mark).await?;
        true
    } else if let Some(len) = header.strip_prefix('$').and_then(|n| n.parse::<u64>().ok()) {
        ctx.payload_of_length(&mut file, len).await?;
        false
    } else {
        let shown = one_line(&header, ctx.secret.as_deref());
        return Err(ctx.invalid(format!("unexpected reply to SYNC `{}`", truncate(&shown, 80))));
    };
    let rdb_version = file.check().map_err(|reason| ctx.invalid(reason))?;
    let bytes = file.bytes();
    file.commit().await.map_err(|reason| ctx.write_error(reason))?;
    Ok(RdbBackup { path: out.to_path_buf(), bytes, rdb_version, diskless, duration: started.elapsed() })
}

/// The connection during the handshake and transfer, and what error messages need.
struct Replica<S> {
    io: BufReader<S>,
    target: String,
    path: String,
    secret: Option<String>,
    idle: Duration,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Replica<S> {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), BackupError> {
        let stage = "sending the handshake";
        let sent = async {
            self.io.get_mut().write_all(bytes).await?;
            self.io.get_mut().flush().await
        };
        match tokio::time::timeout(self.idle, sent).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.stream_error(format!("failed while {stage}: {e}"))),
            Err(_) => Err(self.timeout(stage)),
        }
    }

    /// One reply line without its `\r\n`; an empty string for a bare `\n` keep-alive.
    async fn line(&mut self, stage: &str) -> Result<String, BackupError> {
        let mut raw = Vec::new();
        let mut limited = (&mut self.io).take(MAX_LINE);
        let read = tokio::time::timeout(self.idle, limited.read_until(b'\n', &mut raw)).await;
        match read {
            Err(_) => Err(self.timeout(stage)),
            Ok(Err(e)) => Err(self.stream_error(format!("failed while {stage}: {e}"))),
            Ok(Ok(0)) => Err(self.stream_error(format!("closed by the server while {stage}"))),
            Ok(Ok(_)) if raw.last() != Some(&b'\n') => {
                Err(self.invalid(format!("reply line longer than {MAX_LINE} bytes while {stage}")))
            }
            Ok(Ok(_)) => {
                let text = String::from_utf8_lossy(&raw);
                Ok(text.trim_end_matches(['\r', '\n']).to_string())
            }
        }
    }

    /// Reads into `buf`; 0 means the server closed the connection.
    async fn read_some(&mut self, buf: &mut [u8], received: u64, of: &str) -> Result<usize, BackupError> {
        match tokio::time::timeout(self.idle, self.io.read(buf)).await {
            Err(_) => Err(self.timeout(&format!("after {received} bytes{of}"))),
            Ok(Err(e)) => Err(self.stream_error(format!("cut after {received} bytes{of}: {e}"))),
            Ok(Ok(n)) => Ok(n),
        }
    }

    async fn payload_of_length(&mut self, file: &mut PartialRdb, len: u64) -> Result<(), BackupError> {
        let of = format!(" of {len}");
        let mut buf = vec![0u8; CHUNK];
        let mut received = 0u64;
        while received < len {
            let want = usize::try_from(len - received).unwrap_or(CHUNK).min(CHUNK);
            let n = self.read_some(&mut buf[..want], received, &of).await?;
            if n == 0 {
                return Err(self.stream_error(format!("cut after {received} bytes{of} (connection closed)")));
            }
            file.write(&buf[..n]).await.map_err(|reason| self.write_error(reason))?;
            received += n as u64;
        }
        Ok(())
    }

    async fn payload_until_mark(&mut self, file: &mut PartialRdb, mark: &[u8]) -> Result<(), BackupError> {
        let mut buf = vec![0u8; CHUNK];
        // Bytes read but not yet written: the mark may straddle two reads, so the last
        // `EOF_MARK_LEN - 1` bytes are held back until more arrive.
        let mut pending: Vec<u8> = Vec::with_capacity(CHUNK + EOF_MARK_LEN);
        let mut received = 0u64;
        loop {
            let n = self.read_some(&mut buf, received, "").await?;
            if n == 0 {
                return Err(self.stream_error(format!(
                    "cut after {received} bytes, before the end mark (connection closed)"
                )));
            }
            received += n as u64;
            pending.extend_from_slice(&buf[..n]);
            // Search from the first place the mark could now be; anything after it (the
            // command stream of a pre-7.0 master) is not ours.
            if let Some(end) = pending.windows(EOF_MARK_LEN).position(|w| w == mark) {
                file.write(&pending[..end]).await.map_err(|reason| self.write_error(reason))?;
                return Ok(());
            }
            let keep = pending.len().min(EOF_MARK_LEN - 1);
            let flush = pending.len() - keep;
            file.write(&pending[..flush]).await.map_err(|reason| self.write_error(reason))?;
            pending.drain(..flush);
        }
    }

    fn auth_error(&self, err: &str) -> BackupError {
        let text = one_line(err, self.secret.as_deref());
        let reason = if text.contains("WRONGPASS") || text.contains("invalid username-password") {
            "authentication failed: wrong user name or password".to_string()
        } else if text.contains("without any password configured") {
            "a password was given but the server has none configured; drop it from the URL".to_string()
        } else {
            format!("authentication failed: {text}")
        };
        BackupError::Auth { target: self.target.clone(), reason }
    }

    fn sync_error(&self, err: &str) -> BackupError {
        let text = one_line(err, self.secret.as_deref());
        if text.starts_with("NOAUTH") {
            let reason = "the server requires a password: put it in the URL (redis://:PASSWORD@host) or set REDISCLI_AUTH";
            return BackupError::Auth { target: self.target.clone(), reason: reason.into() };
        }
        let hint =
            if text.starts_with("NOPERM") || text.contains("unknown command") || text.contains("disabled") {
                " (managed Redis services often block replication; back up with BGSAVE instead)"
            } else if text.starts_with("NOMASTERLINK") {
                " (this replica has lost its master; back up from the master)"
            } else if text.starts_with("LOADING") {
                " (try again when the server has loaded its dataset)"
            } else {
                ""
            };
        BackupError::Refused {
            target: self.target.clone(),
            command: "SYNC".into(),
            reason: format!("{text}{hint}"),
        }
    }

    fn stream_error(&self, reason: String) -> BackupError {
        BackupError::Stream { target: self.target.clone(), path: self.path.clone(), reason }
    }

    fn timeout(&self, stage: &str) -> BackupError {
        BackupError::Timeout {
            target: self.target.clone(),
            path: self.path.clone(),
            stage: stage.to_string(),
            secs: self.idle.as_secs(),
        }
    }

    fn invalid(&self, reason: String) -> BackupError {
        BackupError::Invalid { target: self.target.clone(), path: self.path.clone(), reason }
    }

    fn write_error(&self, reason: String) -> BackupError {
        BackupError::Write { target: self.target.clone(), path: self.path.clone(), reason }
    }
}

/// Appends a RESP array of bulk strings.
fn resp_command(buf: &mut Vec<u8>, args: &[&str]) {
    buf.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        buf.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        buf.extend_from_slice(arg.as_bytes());
        buf.extend_from_slice(b"\r\n");
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp_encoding() {
        let mut b = Vec::new();
        resp_command(&mut b, &["AUTH", "pässword"]);
        assert_eq!(b, "*2\r\n$4\r\nAUTH\r\n$9\r\npässword\r\n".as_bytes());
    }

    #[tokio::test]
    async fn a_diskless_mark_split_across_reads_is_found_and_stripped() {
        let mark = "0123456789012345678901234567890123456789";
        let mut payload = b"REDIS0011".to_vec();
        payload.extend(std::iter::repeat_n(b'x', 3 * CHUNK));
        payload.push(0xFF);
        payload.extend_from_slice(&[0; 8]);
        let (client, mut server) = tokio::io::duplex(1000);
        let sent = payload.clone();
        tokio::spawn(async move {
            let mut sink = vec![0u8; 256];
            let _ = server.read(&mut sink).await;
            let _ = server.write_all(format!("+OK\r\n+OK\r\n\n\n$EOF:{mark}\r\n").as_bytes()).await;
            let _ = server.write_all(&sent).await;
            let _ = server.write_all(mark.as_bytes()).await;
            let _ = server.write_all(b"*1\r\n$4\r\nPING\r\n").await;
            let _ = server.flush().await;
            // Keep the connection open, as a pre-7.0 master does.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("dump.rdb");
        let target = Target::stream("test");
        let got = stream_rdb(client, &target, &out, Timeouts::default()).await.expect("backup");
        assert!(got.diskless);
        assert_eq!(got.rdb_version, 11);
        assert_eq!(std::fs::read(&out).expect("read"), payload);
        assert_eq!(got.bytes, payload.len() as u64);
    }
}
