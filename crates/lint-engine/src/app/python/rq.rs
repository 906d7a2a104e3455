//! RQ jobs kept forever: a negative `result_ttl` / `default_result_ttl` or `failure_ttl`; and
//! a `failure_ttl` above RQ's own default of a year.
//!
//! Facts (RQ 3.0.0):
//! - `DEFAULT_RESULT_TTL = 500`, `DEFAULT_FAILURE_TTL = 31536000` (`rq/defaults.py`).
//! - `Job.cleanup` (`rq/job.py`): "If ttl is negative, don't set an expiry to it (persist
//!   forever)"; `FailedJobRegistry.add` (`rq/registry.py`) scores a negative ttl as `+inf`
//!   and calls `job.cleanup(ttl)`, so a negative `failure_ttl` keeps failed jobs (with their
//!   tracebacks) forever. `Result.save` (`rq/results.py`) persists `rq:results:*` for -1.
//! - Where they are set: `Queue.enqueue`/`enqueue_call`/`enqueue_at`/`enqueue_in`/
//!   `prepare_data`, `Job.create`, the `@job` decorator (`rq/decorators.py`) and
//!   `Worker(default_result_ttl=...)` (`rq/worker/base.py`). `Queue(...)` has no TTL default
//!   in 3.0. Values go through `parse_timeout`, so `"-1"` is -1 too.
//!
//! A TTL read from a variable or the environment is not reported: it cannot be known.

use findings::Finding;
use tree_sitter::Node;

use super::{Constants, call_name, keyword_args, literal};
use crate::app::node::Source;
use crate::app::retention::{self, Retention, Value};

/// RQ calls that take per-job TTLs.
const JOB_CALLS: &[&str] = &["enqueue", "enqueue_call", "enqueue_at", "enqueue_in", "prepare_data", "job"];

pub(super) fn check(src: &Source<'_>, nodes: &[Node<'_>], consts: &Constants, out: &mut Vec<Finding>) {
    for &call in nodes.iter().filter(|n| n.kind() == "call") {
        let Some(name) = call_name(src, call) else { continue };
        let is_job_call = JOB_CALLS.contains(&name) || (name == "create" && is_job_create(src, call));
        let is_worker = name.ends_with("Worker");
        if !is_job_call && !is_worker {
            continue;
        }
        for (kw, arg, value) in keyword_args(src, call) {
            // The rows a setting is judged by, the first that reports winning.
            let rows: &[&Retention] = match arg.as_str() {
                "result_ttl" if is_job_call => &[&retention::RQ_RESULT_TTL],
                "failure_ttl" if is_job_call => {
                    &[&retention::RQ_FAILURE_TTL, &retention::RQ_FAILURE_TTL_LONG]
                }
                "default_result_ttl" if is_worker => &[&retention::RQ_RESULT_TTL],
                _ => continue,
            };
            let Some(ttl) = literal(src, value, Some(consts)).as_f64() else { continue };
            let written = format!("{arg}={ttl}");
            if let Some((row, message)) =
                rows.iter().find_map(|row| row.judge(&written, Value::Number(ttl)).map(|m| (row, m)))
            {
                out.push(src.finding(row.rule, kw, message));
            }
        }
    }
}

/// `Job.create(...)` (not any `create`).
fn is_job_create(src: &Source<'_>, call: Node<'_>) -> bool {
    call.child_by_field_name("function")
        .and_then(|f| f.child_by_field_name("object"))
        .is_some_and(|o| src.text_of(o).ends_with("Job"))
}
