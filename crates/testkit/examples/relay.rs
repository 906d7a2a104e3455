//! `cargo run -p testkit --example relay -- LISTEN UPSTREAM DELAY`: a TCP relay adding
//! latency, e.g. `127.0.0.1:16380 127.0.0.1:6379 500us` (500 µs each way, ~1 ms RTT).
//! UPSTREAM is `host:port` or a unix socket path. DELAY is one way: `500us`, `1ms`, `0`.

#![allow(clippy::print_stderr)]

use std::process::ExitCode;

use testkit::{LatencyRelay, Upstream};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, upstream, delay] = args.as_slice() else {
        eprintln!("usage: relay LISTEN UPSTREAM ONE_WAY_DELAY (e.g. 127.0.0.1:16380 127.0.0.1:6379 500us)");
        return ExitCode::from(2);
    };
    let Some(delay) = testkit::parse_delay(delay) else {
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
