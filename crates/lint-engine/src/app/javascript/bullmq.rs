//! BullMQ and Bull queues that keep every completed or failed job.
//!
//! A job's `removeOnComplete`/`removeOnFail` comes from its `add()` options, else the queue's
//! `defaultJobOptions`; when neither sets it, a BullMQ (v3.9+) Worker's `removeOnComplete` /
//! `removeOnFail` applies (`getKeepJobs` in `redis-queue-backend.js`), else the job is kept
//! forever. One finding per queue constructed in the file, at the construction, or at an
//! explicit `false`. For a queue constructed elsewhere only an explicit `false` in `add()`
//! options is reported: its `defaultJobOptions` are not visible here.
//!
//! Two bounds depend on the BullMQ version, so a queue relying on them is a conditional finding
//! (reported only when a lockfile or manifest puts `bullmq` below the version, see
//! [`crate::app::versions::apply_conditional`]): a `{ age, count }` object is read from v1.67.0
//! (before, `moveToFinished` got no number and `tonumber` in the Lua script left every job), and
//! a Worker's `removeOnComplete`/`removeOnFail` from v3.9.0 (before, the Worker had no such
//! options).

use findings::Finding;
use tree_sitter::Node;

use crate::app::versions::{Clause, Conditional, Ecosystem, req::Version};

use super::{File, LibVal, Obj, Prop, args, has_spread, str_lit, strip};
use crate::app::retention::{self, Retention, Value};

pub const JOB_REMOVAL_UNSET: &str = "bullmq-job-removal-unset";

const OPTIONS: [(&str, &str, &Retention); 2] = [
    ("removeOnComplete", "completed", &retention::BULLMQ_REMOVE_ON_COMPLETE),
    ("removeOnFail", "failed", &retention::BULLMQ_REMOVE_ON_FAIL),
];

/// Which library a queue comes from: the `add()` and constructor signatures differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lib {
    BullMq,
    Bull,
}

/// What one place says about `removeOnComplete` or `removeOnFail`.
#[derive(Debug, Clone, Copy)]
enum Keep<'t> {
    /// `true`, a number: bounded.
    Set,
    /// `{ age, count }`: bounded from BullMQ 1.67.0 (a Bull queue's object is taken as bounded).
    Object,
    /// Explicit `false`: kept forever; the node to point at.
    False(Node<'t>),
    Missing,
    Unknown,
}

pub fn check(file: &File<'_, '_>, out: &mut Vec<Finding>, conditional: &mut Vec<Conditional>) {
    if !file.imports_any(&["bullmq", "bull"]) {
        return;
    }
    let queues = file.constructions(true, |v| queue_lib(v).is_some());
    let workers = file.constructions(false, |v| v == LibVal::Export("bullmq", "Worker"));
    let adds: Vec<Node<'_>> = file.nodes.iter().copied().filter(|&n| add_method(file, n).is_some()).collect();
    let mut bound_receivers = Vec::new();
    for &queue in &queues {
        let callee =
            queue.child_by_field_name("constructor").or_else(|| queue.child_by_field_name("function"));
        let Some(lib) = callee.and_then(|c| file.lib_value(c, 0)).and_then(queue_lib) else { continue };
        let a = args(queue);
        if has_spread(&a) {
            continue;
        }
        let name = a.first().and_then(|n| str_lit(file.src, *n));
        let receiver = binding(file, queue);
        if let Some(r) = &receiver {
            bound_receivers.push(r.clone());
        }
        let defaults = file.sub_object(queue_options(file, lib, &a), "defaultJobOptions");
        let queue_adds: Vec<Node<'_>> = match &receiver {
            Some(r) => adds.iter().copied().filter(|&c| add_receiver(file, c).as_ref() == Some(r)).collect(),
            None => Vec::new(),
        };
        // The options that keep jobs forever: judged by their retention rows.
        let mut problems: Vec<String> = Vec::new();
        let mut clauses = Vec::new();
        let mut at = queue;
        let mut at_false = false;
        for (option, kind, row) in OPTIONS {
            let default = keep(file, defaults, option);
            let mut effective = Vec::new();
            for &call in &queue_adds {
                for job in job_keeps(file, lib, call, option) {
                    effective.push(if matches!(job, Keep::Missing) { default } else { job });
                }
            }
            if queue_adds.is_empty() {
                effective.push(default);
            }
            let worker_bounds = workers.iter().any(|&w| worker_bounds(file, w, name, option));
            if let Some(node) =
                effective.iter().find_map(|k| if let Keep::False(n) = k { Some(*n) } else { None })
            {
                if !at_false {
                    at = node;
                    at_false = true;
                }
                problems.extend(row.judge(&format!("`{option}: false`"), Value::Bool(false)));
            } else if effective.iter().any(|k| matches!(k, Keep::Missing)) {
                if worker_bounds {
                    clauses.push(Clause {
                        below: Version::new(&[3, 9]),
                        below_text: "3.9.0",
                        text: format!(
                            "{kind} jobs rely on a Worker's `{option}`, which BullMQ reads only from 3.9.0"
                        ),
                    });
                } else {
                    let written = format!(
                        "`{option}` is set neither in defaultJobOptions, add() options nor a Worker in this file"
                    );
                    problems.extend(row.judge(&written, Value::Absent));
                }
            } else if lib == Lib::BullMq && effective.iter().any(|k| matches!(k, Keep::Object)) {
                clauses.push(Clause {
                    below: Version::new(&[1, 67]),
                    below_text: "1.67.0",
                    text: format!(
                        "{kind} jobs rely on a `{{ age, count }}` object in `{option}`, which BullMQ reads only from 1.67.0 (before, an object removes no job)"
                    ),
                });
            }
        }
        let label = name.map_or_else(|| "this queue".to_string(), |n| format!("queue \"{n}\""));
        if problems.is_empty() {
            if !clauses.is_empty() {
                conditional.push(Conditional {
                    finding: file.src.finding(
                        JOB_REMOVAL_UNSET,
                        queue,
                        format!("{label} keeps finished jobs in Redis forever with this BullMQ: "),
                    ),
                    ecosystem: Ecosystem::Npm,
                    package: "bullmq",
                    clauses,
                });
            }
            continue;
        }
        out.push(file.src.finding(JOB_REMOVAL_UNSET, at, format!("{label}: {}", problems.join("; "))));
    }
    // Queues constructed elsewhere: only an explicit `false` is certain.
    for &call in &adds {
        if add_receiver(file, call).is_some_and(|r| bound_receivers.contains(&r)) {
            continue;
        }
        for (option, _, row) in OPTIONS {
            for job in job_keeps(file, Lib::BullMq, call, option) {
                if let Keep::False(node) = job
                    && let Some(message) = row.judge(&format!("`{option}: false`"), Value::Bool(false))
                {
                    out.push(file.src.finding(JOB_REMOVAL_UNSET, node, message));
                }
            }
        }
    }
}

/// The library of a queue class: BullMQ's `Queue` or Bull's default export.
fn queue_lib(v: LibVal<'_>) -> Option<Lib> {
    match v {
        LibVal::Export("bullmq", "Queue") => Some(Lib::BullMq),
        LibVal::Module("bull") | LibVal::Export("bull", "default" | "Queue") => Some(Lib::Bull),
        _ => None,
    }
}

/// The queue options: BullMQ `new Queue(name, opts)`; Bull `Queue(name, opts)` or
/// `Queue(name, url, opts)`.
fn queue_options<'t>(file: &File<'_, 't>, lib: Lib, a: &[Node<'t>]) -> Obj<'t> {
    let second = a.get(1).copied();
    match lib {
        Lib::BullMq => file.object(second),
        Lib::Bull => match file.object(second) {
            Obj::Object(o) => Obj::Object(o),
            Obj::Absent => Obj::Absent,
            Obj::Unknown => {
                let url = second
                    .is_some_and(|s| str_lit(file.src, s).is_some() || strip(s).kind() == "template_string");
                if url || a.len() > 2 { file.object(a.get(2).copied()) } else { Obj::Unknown }
            }
        },
    }
}

/// The name a queue is bound to (`const q = new Queue`, `q = new Queue`, `this.q = ...`, a class
/// field `q = new Queue(...)` read as `this.q`).
fn binding(file: &File<'_, '_>, queue: Node<'_>) -> Option<String> {
    let mut n = queue;
    let mut parent = n.parent()?;
    while matches!(
        parent.kind(),
        "parenthesized_expression"
            | "as_expression"
            | "satisfies_expression"
            | "non_null_expression"
            | "await_expression"
    ) {
        n = parent;
        parent = n.parent()?;
    }
    match parent.kind() {
        "variable_declarator" if parent.child_by_field_name("value").is_some_and(|v| v.id() == n.id()) => {
            let name = parent.child_by_field_name("name")?;
            (name.kind() == "identifier").then(|| file.text(name).to_string())
        }
        "assignment_expression" if parent.child_by_field_name("right").is_some_and(|v| v.id() == n.id()) => {
            parent.child_by_field_name("left").map(|l| compact(file.text(l)))
        }
        "field_definition" | "public_field_definition" => {
            let name =
                parent.child_by_field_name("property").or_else(|| parent.child_by_field_name("name"))?;
            Some(format!("this.{}", file.text(name)))
        }
        _ => None,
    }
}

/// An expression's text without whitespace, to compare receivers.
fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `x.add(...)` / `x.addBulk(...)`: the method name.
fn add_method<'s>(file: &File<'s, '_>, call: Node<'_>) -> Option<&'s str> {
    if call.kind() != "call_expression" {
        return None;
    }
    let function = call.child_by_field_name("function")?;
    if function.kind() != "member_expression" {
        return None;
    }
    let method = file.text(function.child_by_field_name("property")?);
    matches!(method, "add" | "addBulk").then_some(method)
}

fn add_receiver(file: &File<'_, '_>, call: Node<'_>) -> Option<String> {
    let object = call.child_by_field_name("function")?.child_by_field_name("object")?;
    Some(compact(file.text(strip(object))))
}

/// What an `add()`/`addBulk()` call's job options say about `option` (one entry per job).
fn job_keeps<'t>(file: &File<'_, 't>, lib: Lib, call: Node<'t>, option: &str) -> Vec<Keep<'t>> {
    let a = args(call);
    if has_spread(&a) {
        return vec![Keep::Unknown];
    }
    match add_method(file, call) {
        Some("addBulk") => {
            let Some(list) = a.first().map(|l| strip(*l)) else { return vec![Keep::Unknown] };
            if list.kind() != "array" {
                return vec![Keep::Unknown];
            }
            super::named_children(list)
                .into_iter()
                .map(|job| match file.object_at(job, 0) {
                    Obj::Object(o) => keep(file, file.sub_object(Obj::Object(o), "opts"), option),
                    _ => Keep::Unknown,
                })
                .collect()
        }
        _ => {
            let opts = match lib {
                Lib::BullMq => file.object(a.get(2).copied()),
                Lib::Bull => match a.len() {
                    0 | 1 => Obj::Absent,
                    2 => match a.first().map(|f| strip(*f).kind()) {
                        Some("string" | "template_string") => Obj::Absent,
                        Some("object" | "array") => file.object(a.get(1).copied()),
                        _ => Obj::Unknown,
                    },
                    _ => file.object(a.get(2).copied()),
                },
            };
            vec![keep(file, opts, option)]
        }
    }
}

/// `option` in an options object.
fn keep<'t>(file: &File<'_, 't>, opts: Obj<'t>, option: &str) -> Keep<'t> {
    match opts {
        Obj::Absent => Keep::Missing,
        Obj::Unknown => Keep::Unknown,
        Obj::Object(o) => match file.prop(o, option) {
            Prop::Absent => Keep::Missing,
            Prop::Unknown => Keep::Unknown,
            Prop::Found { value, at } => value_keep(file, value, at, 0),
        },
    }
}

fn value_keep<'t>(file: &File<'_, 't>, value: Node<'t>, at: Node<'t>, depth: u8) -> Keep<'t> {
    if depth > super::MAX_DEPTH {
        return Keep::Unknown;
    }
    let v = strip(value);
    match v.kind() {
        "true" | "number" => Keep::Set,
        "object" => Keep::Object,
        "false" => Keep::False(at),
        "identifier" | "shorthand_property_identifier" => match file.const_value(file.text(v)) {
            Some(init) => value_keep(file, init, at, depth + 1),
            None => Keep::Unknown,
        },
        _ => Keep::Unknown,
    }
}

/// Whether a BullMQ Worker in the file bounds `option` for the queue named `queue` (an unknown
/// name on either side counts as the same queue; unknown options count as bounding).
fn worker_bounds(file: &File<'_, '_>, worker: Node<'_>, queue: Option<&str>, option: &str) -> bool {
    let a = args(worker);
    if has_spread(&a) {
        return true;
    }
    let name = a.first().and_then(|n| str_lit(file.src, *n));
    if let (Some(q), Some(w)) = (queue, name)
        && q != w
    {
        return false;
    }
    matches!(keep(file, file.object(a.get(2).copied()), option), Keep::Set | Keep::Object | Keep::Unknown)
}
