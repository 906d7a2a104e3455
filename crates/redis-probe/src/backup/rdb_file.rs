//! The local side of a streamed backup: a temp file next to the output path, removed on any
//! failure (or when the future is dropped), checked and renamed into place only when
//! complete. The output path therefore holds either a whole, fsynced RDB or what it held before.

use std::{
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use tokio::io::AsyncWriteExt;

/// `REDIS0011`: the magic and a 4-digit version. Valkey 9 writes `VALKEY080` (6 + 3).
const HEADER_LEN: usize = 9;
/// An RDB (version 5+, Redis 2.6+) ends with the EOF opcode and an 8-byte CRC64.
const TRAILER_LEN: usize = 9;
const RDB_OPCODE_EOF: u8 = 0xFF;

/// Why a local file operation failed, as a reason for [`super::BackupError::Write`].
pub(super) type WriteFailure = String;

/// A temp file being filled; deleted on drop unless [`PartialRdb::commit`] succeeded.
#[derive(Debug)]
pub(super) struct PartialRdb {
    file: Option<tokio::fs::File>,
    temp: PathBuf,
    out: PathBuf,
    bytes: u64,
    head: Vec<u8>,
    tail: [u8; TRAILER_LEN],
    committed: bool,
}

impl PartialRdb {
    /// Creates a fresh temp file in the directory of `out` (same file system, so the final
    /// rename is atomic).
    pub(super) async fn create(out: &Path) -> Result<PartialRdb, WriteFailure> {
        let name = out.file_name().ok_or_else(|| "not a file path".to_string())?;
        let dir = match out.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let temp = dir.join(format!(".{}.{}-{nanos}.partial", name.to_string_lossy(), std::process::id()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(|e| io_reason("cannot create a file in", &dir, &e))?;
        Ok(PartialRdb {
            file: Some(file),
            temp,
            out: out.to_path_buf(),
            bytes: 0,
            head: Vec::with_capacity(HEADER_LEN),
            tail: [0; TRAILER_LEN],
            committed: false,
        })
    }

    pub(super) async fn write(&mut self, chunk: &[u8]) -> Result<(), WriteFailure> {
        if chunk.is_empty() {
            return Ok(());
        }
        let file = self.file.as_mut().ok_or_else(|| "file already closed".to_string())?;
        file.write_all(chunk).await.map_err(|e| io_reason("write failed in", &self.temp, &e))?;
        let wanted = HEADER_LEN.saturating_sub(self.head.len()).min(chunk.len());
        self.head.extend_from_slice(&chunk[..wanted]);
        // Keep the last TRAILER_LEN bytes of the whole file.
        if chunk.len() >= TRAILER_LEN {
            self.tail.copy_from_slice(&chunk[chunk.len() - TRAILER_LEN..]);
        } else {
            self.tail.rotate_left(chunk.len());
            self.tail[TRAILER_LEN - chunk.len()..].copy_from_slice(chunk);
        }
        self.bytes += chunk.len() as u64;
        Ok(())
    }

    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The RDB version from the header, or why the payload is not an RDB.
    pub(super) fn check(&self) -> Result<u32, String> {
        let version = rdb_version(&self.head)?;
        if self.bytes < (HEADER_LEN + TRAILER_LEN) as u64 || self.tail[0] != RDB_OPCODE_EOF {
            return Err(format!("{} bytes without the RDB end marker (truncated?)", self.bytes));
        }
        Ok(version)
    }

    /// Flushes, fsyncs and renames the temp file to the output path.
    pub(super) async fn commit(mut self) -> Result<(), WriteFailure> {
        let mut file = self.file.take().ok_or_else(|| "file already closed".to_string())?;
        file.flush().await.map_err(|e| io_reason("write failed in", &self.temp, &e))?;
        file.sync_all().await.map_err(|e| io_reason("fsync failed for", &self.temp, &e))?;
        drop(file);
        tokio::fs::rename(&self.temp, &self.out)
            .await
            .map_err(|e| io_reason("cannot rename the finished file to", &self.out, &e))?;
        self.committed = true;
        // Make the rename itself durable; a file system that cannot fsync a directory still
        // has the data, so this is best effort.
        if let Some(dir) = self.out.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = tokio::fs::File::open(dir).await
        {
            let _ = d.sync_all().await;
        }
        Ok(())
    }
}

impl Drop for PartialRdb {
    fn drop(&mut self) {
        if !self.committed {
            drop(self.file.take());
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn io_reason(what: &str, path: &Path, e: &std::io::Error) -> String {
    format!("{what} {}: {e}", path.display())
}

/// `REDIS` + 4 digits (Redis, Valkey up to 8.x) or `VALKEY` + 3 digits (Valkey 9+).
pub(super) fn rdb_version(head: &[u8]) -> Result<u32, String> {
    let digits = |d: &[u8]| -> Option<u32> {
        if d.iter().all(u8::is_ascii_digit) { std::str::from_utf8(d).ok()?.parse().ok() } else { None }
    };
    let version = match head {
        [b'R', b'E', b'D', b'I', b'S', d @ ..] if d.len() == 4 => digits(d),
        [b'V', b'A', b'L', b'K', b'E', b'Y', d @ ..] if d.len() == 3 => digits(d),
        _ => None,
    };
    version.ok_or_else(|| {
        let shown: String =
            head.iter().map(|&b| if b.is_ascii_graphic() { b as char } else { '.' }).collect();
        format!("it does not start with the RDB magic (got `{shown}`)")
    })
}

#[cfg(test)]
mod tests {
    use super::rdb_version;

    #[test]
    fn headers() {
        assert_eq!(rdb_version(b"REDIS0011"), Ok(11));
        assert_eq!(rdb_version(b"REDIS0009"), Ok(9));
        assert_eq!(rdb_version(b"VALKEY080"), Ok(80));
        assert!(rdb_version(b"REDIS00x1").is_err());
        assert!(rdb_version(b"REDIS").is_err());
        assert!(rdb_version(b"-ERR oops").expect_err("not an RDB").contains("`-ERR.oops`"));
    }
}
