//! After a db is scanned: element counts for its top keys, big keys and framework
//! collections (O(1) length commands, one pipeline), then the top keys measured again:
//! exactly (`MEMORY USAGE ... SAMPLES 0`) when that costs little, otherwise with more samples
//! than the scan's, each command sized to hold the server well under a millisecond.

use std::collections::HashMap;

use redis::Value;

use super::{
    KeyType,
    aggregate::{Aggregates, KeyRead},
    prefix::display_key,
    scan::{Run, describe},
    top::{Candidate, TopHeap, TopKey},
    ttl::Ttl,
};

/// Samples for top keys too big to measure exactly: the 200,000-member zset of the
/// workloads reads within 0.2% of `SAMPLES 0` (64 samples: up to 2% off) in ~0.65 ms
/// (SLOWLOG after a scan of the workloads plus 1M keys, redis-server 7.0, 2026-11-23).
const REFINE_SAMPLES: u32 = 4096;

/// Hashes and sets cost far more per sample: each is three allocator lookups (`zmalloc_size`
/// of the entry, field and value) on scattered memory, ~0.7 µs on the workloads' 1,000,000-field
/// hash. At 4096 samples that hash held the server 2.8 ms, and 7-12 ms in two of five
/// benchmark runs (bench/RESULTS.md, 2026-11-23 22:50), longer than a scan may keep other
/// clients waiting; 512 samples take ~0.35 ms and read it within 0.1% of `SAMPLES 0`.
const HASHTABLE_REFINE_SAMPLES: u32 = 512;

/// How a top key is measured again, from its type and element count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refine {
    /// The scan's own SAMPLES already covered every element.
    AlreadyExact,
    /// `SAMPLES 0`, in the one pipeline of small keys.
    ExactPipelined,
    /// `MEMORY USAGE ... SAMPLES n` on its own round trip (n = 0: exact).
    Alone(u32),
    /// The scan's estimate stands.
    Keep,
}

fn refine(type_name: &str, elements: u64, scan_samples: u32, exact_max: u64) -> Refine {
    let samples = if matches!(type_name, "hash" | "set") { HASHTABLE_REFINE_SAMPLES } else { REFINE_SAMPLES };
    if elements <= u64::from(scan_samples) {
        Refine::AlreadyExact
    } else if elements <= PIPELINED_EXACT_MAX.min(exact_max) {
        Refine::ExactPipelined
    } else if elements <= exact_max {
        Refine::Alone(0)
    } else if samples > scan_samples {
        Refine::Alone(samples)
    } else {
        Refine::Keep
    }
}

/// Top keys with at most this many elements are measured exactly in one pipeline: SAMPLES 0
/// costs ~0.15 µs per element (1.5 ms for 10,000 hash fields), so even a pipeline of 30 such
/// keys holds the server for under a millisecond.
const PIPELINED_EXACT_MAX: u64 = 200;

/// Replaces a candidate's size with a new measurement, in the aggregates too.
fn remeasured(db: u32, agg: &mut Aggregates, (c, is_exact): &mut (Candidate, bool), bytes: u64, exact: bool) {
    let ttl = Ttl::from_pttl(c.pttl).unwrap_or(Ttl::Persistent);
    agg.correct(
        db,
        KeyRead { key: &c.key, type_name: &c.type_name, bytes, ttl, idle_secs: c.idle_secs },
        c.bytes,
    );
    c.bytes = bytes;
    *is_exact = exact;
}

/// Element counts for the db's candidates (top keys, big keys, framework collections), then
/// exact sizes for top keys small enough. Failures leave counts empty: the scan itself is done.
pub(super) async fn finish_db(
    run: &mut Run<'_>,
    db: u32,
    agg: &mut Aggregates,
) -> (Vec<TopKey>, Vec<TopKey>) {
    let top = std::mem::replace(&mut agg.top, TopHeap::new(agg.top_cap)).into_sorted();
    let big = std::mem::replace(&mut agg.big, TopHeap::new(1000)).into_sorted();
    let mut wanted: Vec<(Vec<u8>, KeyType)> = Vec::new();
    for c in top.iter().chain(big.iter()) {
        wanted.push((c.key.clone(), KeyType::parse(&c.type_name)));
    }
    for s in agg.fingerprints.structure.iter().filter(|s| s.db == db) {
        wanted.push((s.key.clone(), s.ktype));
    }
    wanted.sort();
    wanted.dedup();
    let mut counts: HashMap<Vec<u8>, u64> = HashMap::new();
    if run.partial.is_none() {
        for chunk in wanted.chunks(1000) {
            let mut p = redis::Pipeline::new();
            let mut asked = Vec::new();
            for (k, t) in chunk {
                if let Some(cmd) = t.length_command() {
                    p.cmd(cmd).arg(k);
                    asked.push(k);
                }
            }
            if asked.is_empty() {
                continue;
            }
            p.ignore_errors();
            match p.query_async::<Vec<Value>>(&mut run.con).await {
                Ok(vals) => {
                    for (k, v) in asked.into_iter().zip(vals) {
                        if let Value::Int(n) = v {
                            counts.insert(k.clone(), u64::try_from(n).unwrap_or(0));
                        }
                    }
                }
                Err(e) => {
                    run.partial = Some(run.fail("element counts", describe(&e)).to_string());
                    break;
                }
            }
        }
    }
    for s in agg.fingerprints.structure.iter_mut().filter(|s| s.db == db) {
        s.elements = counts.get(&s.key).copied();
    }
    // Top candidates measured again (see `refine`), big ones one command per round trip so
    // that other clients are served in between.
    let limit = run.opts.exact_top_max_elements;
    let mut top: Vec<(Candidate, bool)> = top
        .into_iter()
        .map(|c| {
            let exact = c.type_name == "string";
            (c, exact)
        })
        .collect();
    if limit > 0 && run.partial.is_none() {
        let mut small: Vec<usize> = Vec::new();
        let mut big: Vec<(usize, u32)> = Vec::new();
        for (i, (c, is_exact)) in top.iter_mut().enumerate() {
            if *is_exact {
                continue;
            }
            let Some(elements) = counts.get(&c.key).copied() else { continue };
            match refine(&c.type_name, elements, run.opts.effective_samples(), limit) {
                Refine::AlreadyExact => *is_exact = true,
                Refine::ExactPipelined => small.push(i),
                Refine::Alone(samples) => big.push((i, samples)),
                Refine::Keep => {}
            }
        }
        // Small ones in one round trip (each a few µs of server time)...
        if !small.is_empty() {
            let mut p = redis::Pipeline::new();
            for i in &small {
                p.cmd("MEMORY").arg("USAGE").arg(&top[*i].0.key).arg("SAMPLES").arg(0);
            }
            p.ignore_errors();
            if let Ok(vals) = p.query_async::<Vec<Value>>(&mut run.con).await {
                for (i, v) in small.into_iter().zip(vals) {
                    if let Value::Int(n) = v
                        && let Ok(bytes) = u64::try_from(n)
                    {
                        remeasured(db, agg, &mut top[i], bytes, true);
                    }
                }
            }
        }
        // ...big ones one per round trip, so other clients are served in between.
        for (i, samples) in big {
            let (c, _) = &top[i];
            let mut cmd = redis::cmd("MEMORY");
            cmd.arg("USAGE").arg(&c.key).arg("SAMPLES").arg(samples);
            let Ok(Value::Int(n)) = cmd.query_async::<Value>(&mut run.con).await else { continue };
            let Ok(bytes) = u64::try_from(n) else { continue };
            let elements = counts.get(&top[i].0.key).copied().unwrap_or(u64::MAX);
            remeasured(db, agg, &mut top[i], bytes, samples == 0 || elements <= u64::from(samples));
        }
    }
    top.sort_by(|a, b| b.0.cmp(&a.0));
    top.truncate(run.opts.top);
    let report = |c: &Candidate, exact: bool| TopKey {
        key: display_key(&c.key),
        db: c.db,
        type_name: c.type_name.clone(),
        bytes: c.bytes,
        bytes_exact: exact,
        ttl_secs: Ttl::from_pttl(c.pttl).and_then(Ttl::secs),
        elements: counts.get(&c.key).copied(),
        idle_secs: c.idle_secs,
    };
    let top = top.iter().map(|(c, e)| report(c, *e)).collect();
    let big = big.iter().map(|c| report(c, c.type_name == "string")).collect();
    (top, big)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_the_scan_sampled_whole_are_exact_already() {
        assert_eq!(refine("hash", 64, 64, 10_000), Refine::AlreadyExact);
        assert_eq!(refine("zset", 10, 64, 10_000), Refine::AlreadyExact);
    }

    #[test]
    fn small_collections_are_measured_exactly_in_one_pipeline() {
        assert_eq!(refine("hash", 65, 64, 2_000), Refine::ExactPipelined);
        assert_eq!(refine("list", 200, 64, 2_000), Refine::ExactPipelined);
        // ...unless the caller's exact limit is lower still.
        assert_eq!(refine("list", 150, 64, 100), Refine::Alone(REFINE_SAMPLES));
    }

    #[test]
    fn bigger_ones_are_measured_alone_hashes_and_sets_with_fewer_samples() {
        assert_eq!(refine("hash", 2_000, 64, 2_000), Refine::Alone(0));
        assert_eq!(refine("zset", 2_000, 64, 2_000), Refine::Alone(0));
        assert_eq!(refine("set", 2_001, 64, 2_000), Refine::Alone(HASHTABLE_REFINE_SAMPLES));
        assert_eq!(refine("hash", 1_000_000, 64, 2_000), Refine::Alone(HASHTABLE_REFINE_SAMPLES));
        assert_eq!(refine("zset", 200_000, 64, 2_000), Refine::Alone(REFINE_SAMPLES));
        assert_eq!(refine("list", 500_000, 64, 2_000), Refine::Alone(REFINE_SAMPLES));
    }

    #[test]
    fn more_scan_samples_than_the_refine_keep_the_estimate() {
        assert_eq!(refine("hash", 1_000_000, 1_000, 10_000), Refine::Keep);
        assert_eq!(refine("zset", 1_000_000, 5_000, 10_000), Refine::Keep);
    }
}
