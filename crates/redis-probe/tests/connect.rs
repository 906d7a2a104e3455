//! Connecting to a real redis-server: success, auth failures, refusals and any-stream mode.

#![allow(clippy::unwrap_used)]

use redis_probe::{Probe, ProbeError, Target, Timeouts};
use testkit::RedisServer;

#[tokio::test]
async fn connects_over_a_unix_socket_and_selects_the_db() {
    let server = RedisServer::start(&[]).unwrap();
    let target = Target::parse(&format!("{}?db=2", server.url())).unwrap();
    let mut p = Probe::connect(&target, Timeouts::default()).await.unwrap();
    let _: () = p.cmd(redis::cmd("SET").arg("k").arg("v")).await.unwrap();
    assert_eq!(server.cli(&["-n", "2", "GET", "k"]).trim(), "v");
}

#[tokio::test]
async fn auth_errors_are_one_line_and_never_show_the_password() {
    let server = RedisServer::start(&["--requirepass", "hunter2-secret"]).unwrap();
    let no_pw = Target::parse(&server.url()).unwrap();
    let e = Probe::connect(&no_pw, Timeouts::default()).await.unwrap_err();
    assert!(matches!(e, ProbeError::Auth { .. }), "{e}");
    assert!(e.to_string().contains("requires a password"), "{e}");
    let wrong = no_pw.clone().with_password(Some("wrong-secret-value".into()));
    let e = Probe::connect(&wrong, Timeouts::default()).await.unwrap_err().to_string();
    assert!(e.contains("wrong user name or password"), "{e}");
    assert!(!e.contains("wrong-secret-value") && !e.contains('\n'), "{e}");
    let right = no_pw.clone().with_password(Some("hunter2-secret".into()));
    assert!(Probe::connect(&right, Timeouts::default()).await.is_ok());
}

#[tokio::test]
async fn password_given_to_a_server_without_one() {
    let server = RedisServer::start(&[]).unwrap();
    let t = Target::parse(&server.url()).unwrap().with_password(Some("nope".into()));
    let e = Probe::connect(&t, Timeouts::default()).await.unwrap_err();
    assert!(matches!(e, ProbeError::Auth { .. }), "{e}");
}

#[tokio::test]
async fn refused_and_missing_sockets() {
    let t = Target::parse("/nonexistent/dir/redis.sock").unwrap();
    let e = Probe::connect(&t, Timeouts::default()).await.unwrap_err().to_string();
    assert!(e.starts_with("unix:///nonexistent/dir/redis.sock: cannot connect"), "{e}");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let t = Target::parse(&format!("redis://:pw@127.0.0.1:{port}")).unwrap();
    let e = Probe::connect(&t, Timeouts::default()).await.unwrap_err().to_string();
    assert!(e.contains("cannot connect") && !e.contains("pw@"), "{e}");
}

#[tokio::test]
async fn tls_against_a_plain_server_is_explained() {
    let server = RedisServer::start(&["--port", "0"]).unwrap();
    // A plain TCP listener that answers like a non-TLS Redis would: nothing TLS-shaped.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        if let Ok((mut s, _)) = listener.accept().await {
            use tokio::io::AsyncWriteExt;
            let _ = s.write_all(b"-ERR unknown command\r\n").await;
        }
    });
    drop(server);
    let t = Target::parse(&format!("rediss://127.0.0.1:{port}")).unwrap();
    let e = Probe::connect(&t, Timeouts::default()).await.unwrap_err().to_string();
    assert!(e.contains("TLS handshake failed"), "{e}");
}

#[tokio::test]
async fn any_stream_works_like_a_port_forward() {
    let server = RedisServer::start(&[]).unwrap();
    // A duplex pair bridged to the server, as kube-rs hands a port-forward over.
    let (client_end, mut bridge_end) = tokio::io::duplex(1 << 20);
    let mut upstream = tokio::net::UnixStream::connect(server.socket()).await.unwrap();
    tokio::spawn(async move {
        let _ = tokio::io::copy_bidirectional(&mut bridge_end, &mut upstream).await;
    });
    let label = Target::parse("redis://prod/redis-0:6379").unwrap_or_else(|_| Target::unix("pod"));
    let mut p = Probe::from_stream(client_end, &label, Timeouts::default()).await.unwrap();
    let pong: String = p.cmd(&redis::cmd("PING")).await.unwrap();
    assert_eq!(pong, "PONG");
}

#[tokio::test]
async fn tls_with_a_self_signed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let server = RedisServer::start(&[
        "--tls-port",
        &port,
        "--tls-cert-file",
        &cert,
        "--tls-key-file",
        &key,
        "--tls-ca-cert-file",
        &cert,
        "--tls-auth-clients",
        "no",
        "--bind",
        "127.0.0.1",
    ])
    .unwrap();
    let t = Target::parse(&format!("rediss://localhost:{port}?insecure=true")).unwrap();
    let mut p = Probe::connect(&t, Timeouts::default()).await.unwrap();
    let pong: String = p.cmd(&redis::cmd("PING")).await.unwrap();
    assert_eq!(pong, "PONG");
    // Not a trusted certificate without ?insecure=true: a clear TLS error, not a hang.
    let t = Target::parse(&format!("rediss://localhost:{port}")).unwrap();
    let e = Probe::connect(&t, Timeouts::default()).await.unwrap_err().to_string();
    assert!(e.contains("TLS handshake failed"), "{e}");
    // Plain text against the TLS port.
    let t = Target::parse(&format!("redis://127.0.0.1:{port}")).unwrap();
    assert!(
        Probe::connect(&t, Timeouts { connect: std::time::Duration::from_secs(2), ..Timeouts::default() })
            .await
            .is_err()
    );
    drop(server);
}
