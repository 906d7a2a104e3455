//! `fix --purge`: `MEMORY PURGE` where it can help, RSS and fragmentation before and after, and
//! an `activedefrag` proposal where fragmentation outlives the purge.
//!
//! `MEMORY PURGE` asks jemalloc to hand its dirty (freed but still resident) pages back to the
//! OS; under libc it does nothing, so it is only run on a jemalloc build. It is run only when
//! the live rule `fragmentation-high` would fire (same bar: [`crate::checks`]). What it cannot
//! reach is free space inside pages that still hold a live value: only moving the values frees
//! those, which is what active defragmentation does. [`assess`] and [`finish`] are pure;
//! [`purge`] talks to the server.

use std::time::Duration;

use findings::units::format_k8s_bytes;
use serde::Serialize;

use crate::{Probe, ProbeError, checks::fragmentation_is_high, info::Info};

/// How long to let the allocator settle after `MEMORY PURGE` before reading INFO again.
pub const SETTLE: Duration = Duration::from_millis(200);

/// The proposed active defragmentation settings: the defaults of redis.conf (redis/redis
/// `redis.conf`, ACTIVE DEFRAGMENTATION, Redis 7.x) written out, so what will run is visible.
pub const DEFRAG_SETTINGS: &[(&str, &str)] = &[
    ("activedefrag", "yes"),
    // Below this much fragmentation waste, never start.
    ("active-defrag-ignore-bytes", "100mb"),
    // Start at 10% fragmentation; at 100% work at full effort.
    ("active-defrag-threshold-lower", "10"),
    ("active-defrag-threshold-upper", "100"),
    // Effort, in percent of the main thread's CPU, at the lower and the upper threshold.
    ("active-defrag-cycle-min", "1"),
    ("active-defrag-cycle-max", "25"),
];

/// What active defragmentation costs and needs, printed with the proposal.
pub const DEFRAG_COST: &str = "Active defragmentation runs on Redis's main thread: while fragmentation is above active-defrag-threshold-lower (10%) and the waste above active-defrag-ignore-bytes, it takes active-defrag-cycle-min (1%) of that thread's CPU, rising to active-defrag-cycle-max (25%) as fragmentation reaches active-defrag-threshold-upper (100%). Commands are served between its cycles, so expect up to that share less throughput and somewhat higher latency until fragmentation falls below the lower threshold, where it stops by itself; on a latency-sensitive Redis lower active-defrag-cycle-max. These are the redis.conf defaults (ACTIVE DEFRAGMENTATION). It needs Redis built with its bundled, patched jemalloc (the default build and the official images); other builds refuse with \"Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc\". fix does not apply it: run the lines yourself, and put them in the deployment's config to keep them.";

/// RSS and fragmentation from INFO memory (`None`: the field is missing).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryFigures {
    /// `used_memory_rss`.
    pub rss: Option<u64>,
    /// `mem_fragmentation_ratio`: RSS / used memory.
    pub frag_ratio: Option<f64>,
    /// `mem_fragmentation_bytes` (Redis 7.0+), else RSS minus `used_memory`.
    pub frag_bytes: Option<i64>,
    /// `allocator_frag_ratio` / `allocator_frag_bytes`: waste inside jemalloc's pages, what
    /// active defragmentation works on (Redis 4+ with jemalloc).
    pub allocator_frag_ratio: Option<f64>,
    pub allocator_frag_bytes: Option<i64>,
}

impl MemoryFigures {
    pub fn from_info(info: &Info) -> MemoryFigures {
        let int = |f: &str| info.get(f).and_then(|v| v.parse::<i64>().ok());
        let rss = info.u64("used_memory_rss");
        let frag_bytes = int("mem_fragmentation_bytes")
            .or_else(|| Some(i64::try_from(rss?).ok()? - i64::try_from(info.u64("used_memory")?).ok()?));
        MemoryFigures {
            rss,
            frag_ratio: info.f64("mem_fragmentation_ratio"),
            frag_bytes,
            allocator_frag_ratio: info.f64("allocator_frag_ratio"),
            allocator_frag_bytes: int("allocator_frag_bytes"),
        }
    }

    /// `fragmentation-high` would fire.
    pub fn high(&self) -> bool {
        matches!((self.frag_ratio, self.frag_bytes), (Some(r), Some(b)) if fragmentation_is_high(r, b))
    }

    /// The allocator's own fragmentation is past the same bar (the overall figures when the
    /// allocator ones are missing).
    pub fn allocator_high(&self) -> bool {
        match (self.allocator_frag_ratio, self.allocator_frag_bytes) {
            (Some(r), Some(b)) => fragmentation_is_high(r, b),
            _ => self.high(),
        }
    }

    fn ratio_text(&self) -> String {
        self.frag_ratio.map_or_else(|| "unknown".into(), |r| format!("{r:.2}"))
    }

    fn bytes_text(bytes: Option<i64>) -> String {
        match bytes {
            None => "unknown".into(),
            Some(b) if b < 0 => format!("-{}", format_k8s_bytes(b.unsigned_abs())),
            Some(b) => format_k8s_bytes(b.unsigned_abs()),
        }
    }
}

/// The purge step of one `fix` run, as `-o json` prints it under `purge`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Purge {
    /// INFO `mem_allocator`: `jemalloc-5.3.0`, `libc`, ...
    pub allocator: String,
    pub before: MemoryFigures,
    /// After `MEMORY PURGE` and [`SETTLE`]; `None` when it was not run.
    pub after: Option<MemoryFigures>,
    pub purged: bool,
    /// `CONFIG SET` lines for active defragmentation, when fragmentation outlived the purge.
    pub defrag_proposal: Option<Vec<String>>,
    /// [`DEFRAG_COST`] with the proposal.
    pub defrag_cost: Option<&'static str>,
    /// What was found and done, one sentence each.
    pub why: Vec<String>,
}

impl Purge {
    pub fn jemalloc(&self) -> bool {
        self.allocator.starts_with("jemalloc")
    }

    /// `--purge --apply` would run `MEMORY PURGE`.
    pub fn would_purge(&self) -> bool {
        self.jemalloc() && self.before.high()
    }
}

/// The figures now and what `--purge --apply` would do. Pure.
pub fn assess(info: &Info) -> Purge {
    let allocator = info.get("mem_allocator").unwrap_or("unknown").to_string();
    let before = MemoryFigures::from_info(info);
    let mut p = Purge {
        allocator,
        before,
        after: None,
        purged: false,
        defrag_proposal: None,
        defrag_cost: None,
        why: Vec::new(),
    };
    let b = &p.before;
    let figures = format!(
        "RSS {}, fragmentation ratio {} ({} of RSS not holding data)",
        b.rss.map_or_else(|| "unknown".into(), format_k8s_bytes),
        b.ratio_text(),
        MemoryFigures::bytes_text(b.frag_bytes)
    );
    let line = if !p.jemalloc() {
        format!(
            "{figures}; the allocator is {}: MEMORY PURGE does nothing there (it purges jemalloc arenas only), so --purge --apply does not run it; fragmentation under this allocator goes only with a restart (restart a replica and fail over).",
            p.allocator
        )
    } else if !b.high() {
        format!("{figures}: below the fragmentation-high bar; nothing to purge.")
    } else {
        format!(
            "{figures}: above the fragmentation-high bar; --purge --apply runs MEMORY PURGE, which has jemalloc return its freed pages to the OS (no data is touched), then reports the figures again."
        )
    };
    p.why.push(line);
    p
}

/// Records the figures after `MEMORY PURGE` and, where the allocator's fragmentation is still
/// high, the active defragmentation proposal. Pure.
pub fn finish(p: &mut Purge, after: &Info) {
    let a = MemoryFigures::from_info(after);
    let b = &p.before;
    let rss = |f: &MemoryFigures| f.rss.map_or_else(|| "unknown".into(), format_k8s_bytes);
    p.why.push(format!(
        "MEMORY PURGE: RSS {} -> {}, fragmentation ratio {} -> {}, {} -> {} not holding data.",
        rss(b),
        rss(&a),
        b.ratio_text(),
        a.ratio_text(),
        MemoryFigures::bytes_text(b.frag_bytes),
        MemoryFigures::bytes_text(a.frag_bytes)
    ));
    if a.allocator_high() {
        let (ratio, bytes) = match (a.allocator_frag_ratio, a.allocator_frag_bytes) {
            (Some(r), Some(by)) => (r, Some(by)),
            _ => (a.frag_ratio.unwrap_or_default(), a.frag_bytes),
        };
        p.why.push(format!(
            "allocator fragmentation is still {ratio:.2} ({}): the free space is inside pages that still hold values, which only moving the values frees; active defragmentation does that (proposal below, not applied).",
            MemoryFigures::bytes_text(bytes)
        ));
        p.defrag_proposal =
            Some(DEFRAG_SETTINGS.iter().map(|(k, v)| format!("CONFIG SET {k} {v}")).collect());
        p.defrag_cost = Some(DEFRAG_COST);
    }
    p.after = Some(a);
    p.purged = true;
}

/// Reads INFO memory, runs `MEMORY PURGE` when [`Purge::would_purge`], waits [`SETTLE`] and
/// reads INFO memory again. MEMORY PURGE changes no data.
pub async fn purge(probe: &mut Probe) -> Result<Purge, ProbeError> {
    let mut p = assess(&info_memory(probe).await?);
    if !p.would_purge() {
        return Ok(p);
    }
    probe.cmd::<String>(redis::cmd("MEMORY").arg("PURGE")).await?;
    tokio::time::sleep(SETTLE).await;
    finish(&mut p, &info_memory(probe).await?);
    Ok(p)
}

async fn info_memory(probe: &mut Probe) -> Result<Info, ProbeError> {
    Ok(Info::parse(&probe.cmd::<String>(redis::cmd("INFO").arg("memory")).await?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn info(rss: u64, used: u64, alloc_ratio: f64, alloc_bytes: i64, allocator: &str) -> Info {
        let ratio = rss as f64 / used as f64;
        Info::parse(&format!(
            "# Memory\r\nused_memory:{used}\r\nused_memory_rss:{rss}\r\nallocator_frag_ratio:{alloc_ratio}\r\nallocator_frag_bytes:{alloc_bytes}\r\nmem_fragmentation_ratio:{ratio:.2}\r\nmem_fragmentation_bytes:{}\r\nmem_allocator:{allocator}\r\n",
            rss - used
        ))
    }

    #[test]
    fn high_fragmentation_on_jemalloc_is_purged() {
        let p = assess(&info(400 << 20, 100 << 20, 3.0, 250 << 20, "jemalloc-5.3.0"));
        assert!(p.would_purge());
        assert_eq!(p.before.rss, Some(400 << 20));
        assert_eq!(p.before.frag_bytes, Some(300 << 20));
        assert!(p.why[0].contains("runs MEMORY PURGE"), "{:?}", p.why);
    }

    #[test]
    fn low_fragmentation_or_libc_is_left_alone() {
        // A fresh server: a high ratio of a few megabytes is not worth anything.
        let p = assess(&info(6 << 20, 1 << 20, 1.1, 100_000, "jemalloc-5.3.0"));
        assert!(!p.would_purge());
        assert!(p.why[0].contains("nothing to purge"), "{:?}", p.why);
        let p = assess(&info(400 << 20, 100 << 20, 3.0, 250 << 20, "libc"));
        assert!(!p.would_purge());
        assert!(p.why[0].contains("does nothing there"), "{:?}", p.why);
    }

    #[test]
    fn fragmentation_that_outlives_the_purge_gets_a_defrag_proposal() {
        let mut p = assess(&info(400 << 20, 100 << 20, 3.0, 250 << 20, "jemalloc-5.3.0"));
        finish(&mut p, &info(380 << 20, 100 << 20, 2.9, 240 << 20, "jemalloc-5.3.0"));
        assert!(p.purged);
        assert_eq!(p.after.as_ref().unwrap().rss, Some(380 << 20));
        let lines = p.defrag_proposal.as_ref().unwrap();
        assert_eq!(lines[0], "CONFIG SET activedefrag yes");
        assert!(lines.contains(&"CONFIG SET active-defrag-cycle-max 25".to_string()));
        assert!(p.defrag_cost.unwrap().contains("main thread"));

        // Purged away: no proposal.
        let mut p = assess(&info(400 << 20, 100 << 20, 3.0, 250 << 20, "jemalloc-5.3.0"));
        finish(&mut p, &info(120 << 20, 100 << 20, 1.05, 2 << 20, "jemalloc-5.3.0"));
        assert!(p.purged && p.defrag_proposal.is_none());
    }

    #[test]
    fn old_servers_without_the_byte_fields() {
        let i = Info::parse(
            "# Memory\r\nused_memory:1000\r\nused_memory_rss:5000\r\nmem_fragmentation_ratio:5.00\r\nmem_allocator:libc\r\n",
        );
        let f = MemoryFigures::from_info(&i);
        assert_eq!(f.frag_bytes, Some(4000));
        assert_eq!(f.allocator_frag_ratio, None);
        assert!(!f.allocator_high());
    }
}
