//! `cargo run -p testkit --example relay -- LISTEN UPSTREAM DELAY`: a TCP relay adding
//! latency, e.g. `127.0.0.1:16380 127.0.0.1:6379 500us` (500 µs each way, ~1 ms RTT).
//! UPSTREAM is `host:port` or a unix socket path. DELAY is one way: `500us`, `1ms`, `0`.

#![allow(clippy::print_stderr)]

use std::{process::ExitCode, time::Duration};

use testkit::{LatencyRelay, Upstream};

fn parse_delay(s: &str) -> Option<Duration> {
    if let Some(us) = s.strip_suffix("us") {
        return us.parse().ok().map(Duration::from_micros);
    }
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse::<f64>().ok().map(|m| Duration::from_secs_f64(m / 1000.0));
    }
    s.parse().ok().map(Duration::from_micros)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, upstream, delay] = args.as_slice() else {
        eprintln!("usage: relay LISTEN UPSTREAM ONE_WAY_DELAY (e.g. 127.0.0.1:16380 127.0.0.1:6379 500us)");
        return ExitCode::from(2);
    };
    let Some(delay) = parse_delay(delay) else {
        eprintln!("bad delay `{delay}`: use 500us or 1ms");
        return ExitCode::from(2);
    };
    let up = match upstream.parse() {
        Ok(addr) => Upstream::Tcp(addr),
        Err(_) => Upstream::Unix(upstream.into()),
    };
    match LatencyRelay::start_on(listen, up, delay) {
        Ok(r) => {
            eprintln!("relay 127.0.0.1:{} -> {upstream}, {delay:?} each way", r.port());
            r.wait();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("relay: {e}");
            ExitCode::from(2)
        }
    }
}
