//! A TCP relay that adds latency, to measure clients as if through a `kubectl port-forward`.
//!
//! Each direction has a reader thread that timestamps every chunk it reads and a writer
//! thread that sends the chunk once `delay` has passed since then, so throughput is kept and
//! the delay is added once per direction: round-trip time grows by twice `one_way`. Same
//! design as the `dproxy` relay of redis-audit-anchors (appendix A).

use std::{
    io::{Read, Write},
    net::{Shutdown, SocketAddr, TcpListener, TcpStream},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    thread,
    time::{Duration, Instant},
};

/// Where the relay forwards to.
#[derive(Debug, Clone)]
pub enum Upstream {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

/// A running relay on `127.0.0.1:<port>`; stops accepting when dropped (open connections end
/// when either side closes).
#[derive(Debug)]
pub struct LatencyRelay {
    port: u16,
    /// Where to connect to wake the accept thread on drop.
    wake: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<thread::JoinHandle<()>>,
    /// Both ends of every connection relayed so far, to cut them on demand.
    open: Arc<std::sync::Mutex<Vec<Conn>>>,
}

#[derive(Debug)]
enum Conn {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

impl Conn {
    fn open(up: &Upstream) -> std::io::Result<Conn> {
        match up {
            Upstream::Tcp(a) => {
                let s = TcpStream::connect(a)?;
                s.set_nodelay(true)?;
                Ok(Conn::Tcp(s))
            }
            #[cfg(unix)]
            Upstream::Unix(p) => Ok(Conn::Unix(std::os::unix::net::UnixStream::connect(p)?)),
            #[cfg(not(unix))]
            Upstream::Unix(_) => Err(std::io::Error::other("unix sockets are not supported here")),
        }
    }

    fn try_clone(&self) -> std::io::Result<Conn> {
        match self {
            Conn::Tcp(s) => s.try_clone().map(Conn::Tcp),
            #[cfg(unix)]
            Conn::Unix(s) => s.try_clone().map(Conn::Unix),
        }
    }

    fn shutdown(&self, how: Shutdown) {
        let _ = match self {
            Conn::Tcp(s) => s.shutdown(how),
            #[cfg(unix)]
            Conn::Unix(s) => s.shutdown(how),
        };
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Conn::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write(buf),
            #[cfg(unix)]
            Conn::Unix(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LatencyRelay {
    /// Listens on `127.0.0.1:0` and forwards each connection to `upstream`, delaying every
    /// chunk by `one_way` in each direction.
    pub fn start(upstream: Upstream, one_way: Duration) -> std::io::Result<LatencyRelay> {
        Self::start_on("127.0.0.1:0", upstream, one_way)
    }

    /// As [`LatencyRelay::start`], on a given listen address (`127.0.0.1:16380`).
    pub fn start_on(listen: &str, upstream: Upstream, one_way: Duration) -> std::io::Result<LatencyRelay> {
        // A blocking accept: a new connection is relayed at once (polling added up to 5 ms to
        // every connect) and an idle relay costs no CPU. Drop wakes it with a connection.
        let listener = TcpListener::bind(listen)?;
        let local = listener.local_addr()?;
        let port = local.port();
        let wake = if local.ip().is_unspecified() { SocketAddr::from(([127, 0, 0, 1], port)) } else { local };
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let open: Arc<std::sync::Mutex<Vec<Conn>>> = Arc::default();
        let open2 = open.clone();
        let accept = thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok(_) if stop2.load(Ordering::Relaxed) => break,
                    Ok((client, _)) => {
                        let _ = client.set_nodelay(true);
                        if let Ok(server) = Conn::open(&upstream) {
                            let client = Conn::Tcp(client);
                            if let (Ok(c), Ok(s), Ok(mut list)) =
                                (client.try_clone(), server.try_clone(), open2.lock())
                            {
                                list.push(c);
                                list.push(s);
                            }
                            pipe_both(client, server, one_way);
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(LatencyRelay { port, wake, stop, accept: Some(accept), open })
    }

    /// Cuts every connection relayed so far, as a dropped port-forward or a network failure
    /// would; new connections are still accepted.
    pub fn drop_connections(&self) {
        if let Ok(mut list) = self.open.lock() {
            for c in list.drain(..) {
                c.shutdown(Shutdown::Both);
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Blocks until the process is stopped (for the `relay` example).
    pub fn wait(mut self) {
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

impl Drop for LatencyRelay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the blocking accept so the thread sees `stop`.
        let _ = TcpStream::connect_timeout(&self.wake, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn pipe_both(client: Conn, server: Conn, delay: Duration) {
    let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else { return };
    pipe_one(client, s2, delay);
    pipe_one(server, c2, delay);
}

/// Reader thread: timestamps chunks; writer thread: writes each when its time has come.
fn pipe_one(mut from: Conn, mut to: Conn, delay: Duration) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    thread::spawn(move || {
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send((Instant::now() + delay, buf[..n].to_vec())).is_err() {
                        break;
                    }
                }
            }
        }
        from.shutdown(Shutdown::Read);
    });
    thread::spawn(move || {
        for (due, chunk) in rx {
            let now = Instant::now();
            if due > now {
                thread::sleep(due - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        to.shutdown(Shutdown::Write);
    });
}

/// A one-way delay as the relay tools take it: `500us`, `1ms`, `0.5ms`, or plain microseconds.
pub fn parse_delay(s: &str) -> Option<Duration> {
    if let Some(us) = s.strip_suffix("us") {
        return us.parse().ok().map(Duration::from_micros);
    }
    if let Some(ms) = s.strip_suffix("ms") {
        return ms
            .parse::<f64>()
            .ok()
            .filter(|m| m.is_finite() && *m >= 0.0)
            .map(|m| Duration::from_secs_f64(m / 1000.0));
    }
    s.parse().ok().map(Duration::from_micros)
}
