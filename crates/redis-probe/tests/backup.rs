//! Verified backups against real servers: RDB streamed over the replication handshake (disk and
//! diskless, passwords, ACL refusals, unwritable paths, cut streams) and BGSAVE (success,
//! failure, a save already running). Also run with `REDIS_SERVER_BIN` set to Valkey and 6.2.

#![allow(clippy::unwrap_used)]

use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use redis_probe::{
    Probe, Target, Timeouts,
    backup::{self, BackupError},
};
use testkit::{LatencyRelay, RedisServer, Upstream};

/// `n` keys `k:<i>` with values of `size` bytes, in one server-side loop.
fn fill(server: &RedisServer, n: u32, size: u32) {
    let script = "local v = string.rep('x', tonumber(ARGV[2])) \
                  for i=1,tonumber(ARGV[1]) do redis.call('SET', 'k:'..i, v) end return 1";
    let out = server.cli(&["EVAL", script, "0", &n.to_string(), &size.to_string()]);
    assert_eq!(out.trim(), "1", "fill: {out}");
    assert_eq!(server.cli(&["SET", "sample", "value with spaces ✓"]).trim(), "OK");
}

/// Starts a fresh server on a copy of `rdb` (with `--dir`, which every version accepts) and
/// returns it once the dataset is loaded.
fn load(rdb: &Path) -> (RedisServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(rdb, dir.path().join("restored.rdb")).unwrap();
    let dir_s = dir.path().to_str().unwrap().to_string();
    let server = RedisServer::start(&["--dir", &dir_s, "--dbfilename", "restored.rdb"]).unwrap();
    let start = Instant::now();
    while server.cli(&["PING"]).trim() != "PONG" {
        assert!(start.elapsed() < Duration::from_secs(20), "restored server never answered PONG");
        std::thread::sleep(Duration::from_millis(20));
    }
    (server, dir)
}

/// Every file in `dir` (to see that no temp file was left behind).
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn assert_one_line_without(e: &BackupError, secret: &str) {
    let text = e.to_string();
    assert!(!text.contains('\n') && !text.contains(secret), "{text}");
}

fn target(server: &RedisServer) -> Target {
    Target::parse(&server.url()).unwrap()
}

fn assert_restores(rdb: &Path, original: &RedisServer) {
    let (restored, _dir) = load(rdb);
    assert_eq!(restored.cli(&["DBSIZE"]), original.cli(&["DBSIZE"]));
    assert_eq!(restored.cli(&["GET", "sample"]).trim(), "value with spaces ✓");
    assert_eq!(restored.cli(&["STRLEN", "k:7"]).trim(), "100");
}

#[tokio::test]
async fn disk_based_sync_over_a_given_stream_gives_a_loadable_rdb() {
    let server = RedisServer::start(&["--repl-diskless-sync", "no"]).unwrap();
    fill(&server, 5_000, 100);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup.rdb");
    let stream = tokio::net::UnixStream::connect(server.socket()).await.unwrap();
    let got = backup::stream_rdb(stream, &target(&server), &out, Timeouts::default()).await.unwrap();
    assert!(!got.diskless);
    assert_eq!(got.path, out);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"REDIS"), "{:?}", &bytes[..9]);
    assert_eq!(got.bytes, bytes.len() as u64);
    // Values compress (LZF), keys do not.
    assert!(got.bytes > 5_000 * 8, "{got:?}");
    assert!((9..=12).contains(&got.rdb_version), "{}", got.rdb_version);
    assert_eq!(files(dir.path()), ["backup.rdb"]);
    assert_restores(&out, &server);
}

#[tokio::test]
async fn diskless_sync_gives_a_loadable_rdb_without_the_end_mark() {
    let server =
        RedisServer::start(&["--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0"]).unwrap();
    fill(&server, 5_000, 100);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup.rdb");
    let got = backup::stream_rdb_to(&target(&server), &out, Timeouts::default()).await.unwrap();
    assert!(got.diskless);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"REDIS"));
    assert_eq!(got.bytes, bytes.len() as u64);
    // The RDB ends with the EOF opcode and its checksum, not with the 40-byte mark.
    assert_eq!(bytes[bytes.len() - 9], 0xFF);
    assert_eq!(files(dir.path()), ["backup.rdb"]);
    assert_restores(&out, &server);
    // The server is left as it was: no replica stays attached once the snapshot is taken
    // (7.0+ closes it, `rdb-only`; older servers drop it when we disconnect).
    let start = Instant::now();
    while !server.cli(&["INFO", "replication"]).contains("connected_slaves:0") {
        assert!(start.elapsed() < Duration::from_secs(5), "{}", server.cli(&["INFO", "replication"]));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn passwords_and_acl_users() {
    let server = RedisServer::start(&["--requirepass", "hunter2-secret"]).unwrap();
    let cli = |args: &[&str]| {
        let mut all = vec!["--no-auth-warning", "-a", "hunter2-secret"];
        all.extend_from_slice(args);
        server.cli(&all)
    };
    assert_eq!(cli(&["SET", "sample", "value with spaces ✓"]).trim(), "OK");
    assert_eq!(cli(&["ACL", "SETUSER", "backup", "on", ">user-secret-pw", "~*", "+@all"]).trim(), "OK");
    assert_eq!(cli(&["ACL", "SETUSER", "reader", "on", ">reader-secret-pw", "~*", "+@read"]).trim(), "OK");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.rdb");
    let t = Timeouts::default();

    let with_password = target(&server).with_password(Some("hunter2-secret".into()));
    let got = backup::stream_rdb_to(&with_password, &out, t).await.unwrap();
    assert!(got.bytes > 0);
    let mut as_user = target(&server).with_password(Some("user-secret-pw".into()));
    as_user.username = Some("backup".into());
    std::fs::remove_file(&out).unwrap();
    backup::stream_rdb_to(&as_user, &out, t).await.unwrap();
    assert!(std::fs::read(&out).unwrap().starts_with(b"REDIS"));
    std::fs::remove_file(&out).unwrap();

    let wrong = target(&server).with_password(Some("wrong-secret-value".into()));
    let e = backup::stream_rdb_to(&wrong, &out, t).await.unwrap_err();
    assert!(matches!(e, BackupError::Auth { .. }), "{e}");
    assert!(e.to_string().contains("wrong user name or password"), "{e}");
    assert_one_line_without(&e, "wrong-secret-value");

    let e = backup::stream_rdb_to(&target(&server), &out, t).await.unwrap_err();
    assert!(e.to_string().contains("requires a password"), "{e}");

    // A user that may read but not replicate, as on managed Redis services.
    let mut reader = target(&server).with_password(Some("reader-secret-pw".into()));
    reader.username = Some("reader".into());
    let e = backup::stream_rdb_to(&reader, &out, t).await.unwrap_err();
    assert!(matches!(e, BackupError::Refused { .. }), "{e}");
    assert!(e.to_string().contains("NOPERM") && e.to_string().contains("BGSAVE instead"), "{e}");
    assert_one_line_without(&e, "reader-secret-pw");
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

#[tokio::test]
async fn unwritable_output_paths_fail_before_asking_the_server() {
    let server = RedisServer::start(&[]).unwrap();
    let t = Timeouts::default();
    let dir = tempfile::tempdir().unwrap();

    let missing = dir.path().join("no-such-dir").join("b.rdb");
    let e = backup::stream_rdb_to(&target(&server), &missing, t).await.unwrap_err();
    assert!(matches!(e, BackupError::Write { .. }), "{e}");
    assert!(e.to_string().contains("cannot write the backup to") && !e.to_string().contains('\n'), "{e}");

    // /proc refuses new files even to root.
    let e = backup::stream_rdb_to(&target(&server), Path::new("/proc/redis-audit-test.rdb"), t)
        .await
        .unwrap_err();
    assert!(matches!(e, BackupError::Write { .. }), "{e}");

    // A read-only directory: only meaningful when permissions are enforced (not as root).
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
    if std::fs::write(ro.join("probe"), b"x").is_err() {
        let e = backup::stream_rdb_to(&target(&server), &ro.join("b.rdb"), t).await.unwrap_err();
        assert!(matches!(e, BackupError::Write { .. }), "{e}");
        assert!(e.to_string().contains("Permission denied"), "{e}");
        assert!(files(&ro).is_empty());
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o700)).unwrap();
    // No SYNC reached the server: it never forked for us.
    assert!(server.cli(&["INFO", "stats"]).contains("sync_full:0"));
}

/// The temp file of a transfer in progress in `dir`, once it has some data.
async fn wait_for_partial(dir: &Path) -> PathBuf {
    let start = Instant::now();
    loop {
        let partial = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().ends_with(".partial"))
            .filter(|e| e.metadata().map(|m| m.len() > 0).unwrap_or(false));
        if let Some(e) = partial {
            return e.path();
        }
        assert!(start.elapsed() < Duration::from_secs(15), "the transfer never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_stream_cut_mid_transfer_leaves_no_file() {
    // Diskless and slowed down per key (`rdb-key-save-delay`, in microseconds), so the payload
    // is still flowing when the relay cuts it: about 3 s for 30k keys.
    let server = RedisServer::start(&[
        "--repl-diskless-sync",
        "yes",
        "--repl-diskless-sync-delay",
        "0",
        "--rdb-key-save-delay",
        "100",
    ])
    .unwrap();
    fill(&server, 30_000, 1024);
    let relay =
        LatencyRelay::start(Upstream::Unix(server.socket().to_path_buf()), Duration::from_millis(1)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.rdb");
    let t = Target::parse(&relay.url()).unwrap();
    let backup = tokio::spawn({
        let out = out.clone();
        async move { backup::stream_rdb_to(&t, &out, Timeouts::default()).await }
    });
    let partial = wait_for_partial(dir.path()).await;
    relay.drop_connections();
    let e = backup.await.unwrap().unwrap_err();
    assert!(matches!(e, BackupError::Stream { .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains("cut after") && text.contains("no backup written to"), "{text}");
    assert!(text.starts_with("redis://127.0.0.1:"), "{text}");
    assert!(!out.exists() && !partial.exists());
    assert!(files(dir.path()).is_empty(), "{:?}", files(dir.path()));
}

#[tokio::test]
async fn bgsave_advances_lastsave() {
    let server = RedisServer::start(&[]).unwrap();
    fill(&server, 1_000, 10);
    let before: i64 = server.cli(&["LASTSAVE"]).trim().parse().unwrap();
    let mut probe = Probe::connect(&target(&server), Timeouts::default()).await.unwrap();
    let got = backup::bgsave_and_wait(&mut probe, Duration::from_secs(30)).await.unwrap();
    assert!(got.lastsave > before, "{got:?} vs {before}");
    assert!(!got.waited_for_running_save);
    assert!(server.cli(&["INFO", "persistence"]).contains("rdb_last_bgsave_status:ok"));
}

#[tokio::test]
async fn a_failing_bgsave_is_an_error() {
    // The server's working directory is removed under it: the child cannot create its temp
    // file, even as root (chmod would not stop root), and BGSAVE ends with status err.
    let gone = tempfile::tempdir().unwrap();
    let gone_path = gone.path().to_str().unwrap().to_string();
    let server = RedisServer::start(&["--dir", &gone_path]).unwrap();
    std::fs::remove_dir(gone.path()).unwrap();
    fill(&server, 100, 10);
    let mut probe = Probe::connect(&target(&server), Timeouts::default()).await.unwrap();
    let e = backup::bgsave_and_wait(&mut probe, Duration::from_secs(30)).await.unwrap_err();
    assert!(matches!(e, BackupError::Bgsave { .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains("BGSAVE failed: rdb_last_bgsave_status:err") && !text.contains('\n'), "{text}");
    let _ = gone.close();
}

#[tokio::test]
async fn a_running_bgsave_is_waited_for_then_ours_runs() {
    let server = RedisServer::start(&["--rdb-key-save-delay", "100"]).unwrap();
    fill(&server, 10_000, 10);
    // Someone else's save, about 1 s long.
    assert!(server.cli(&["BGSAVE"]).contains("Background saving started"));
    let before: i64 = server.cli(&["LASTSAVE"]).trim().parse().unwrap();
    let mut probe = Probe::connect(&target(&server), Timeouts::default()).await.unwrap();
    let got = backup::bgsave_and_wait(&mut probe, Duration::from_secs(60)).await.unwrap();
    assert!(got.waited_for_running_save, "{got:?}");
    assert!(got.lastsave > before);
    // Two saves of about 1 s each, one after the other.
    assert!(got.duration > Duration::from_millis(1500), "{got:?}");
}

#[tokio::test]
async fn bgsave_timeout_is_one_line() {
    let server = RedisServer::start(&["--rdb-key-save-delay", "1000"]).unwrap();
    fill(&server, 5_000, 10);
    let mut probe = Probe::connect(&target(&server), Timeouts::default()).await.unwrap();
    let e = backup::bgsave_and_wait(&mut probe, Duration::from_millis(300)).await.unwrap_err();
    assert!(matches!(e, BackupError::BgsaveTimeout { .. }), "{e}");
    assert!(
        e.to_string().ends_with(
            "BGSAVE did not finish within 0.3 s (the server goes on saving, but no backup is verified)"
        ),
        "{e}"
    );
}
