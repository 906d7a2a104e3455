//! `--rate`: items per second, spread evenly: a batch waits until the items before it would
//! have taken their share of time.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct Pacer {
    rate: Option<u64>,
    started: Instant,
    done: u64,
}

impl Pacer {
    pub fn new(rate: Option<u64>) -> Pacer {
        Pacer { rate: rate.filter(|r| *r > 0), started: Instant::now(), done: 0 }
    }

    /// Waits until `n` more items may go.
    pub async fn wait(&mut self, n: u64) {
        if let Some(rate) = self.rate {
            let due = self.started + Duration::from_secs_f64(self.done as f64 / rate as f64);
            let now = Instant::now();
            if due > now {
                tokio::time::sleep(due - now).await;
            }
        }
        self.done += n;
    }
}
