//! JavaScript/TypeScript rules over the fixtures in `testdata/app/javascript/`: each line ending
//! in `// expect: <rule>` must give that rule there, and no other line may give a finding.

use lint_engine::app::{Lang, lang_of, lint_source};
use proptest::prelude::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/app/javascript");

/// (line, rule) of every finding in a fixture, parse errors excluded.
fn findings_of(name: &str) -> (Vec<(usize, String)>, String) {
    let path = format!("{DIR}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let lang = lang_of(name).unwrap_or_else(|| panic!("{name}: not a source file"));
    let result = lint_source(name, lang, &text);
    let mut got: Vec<(usize, String)> = result
        .findings
        .into_iter()
        .filter(|f| f.rule != "parse-error")
        .map(|f| {
            let start = match f.location {
                findings::Location::File { span, .. } => span.start,
                other => panic!("{name}: finding not in a file: {other:?}"),
            };
            let line = text.get(..start).map_or(0, |t| t.matches('\n').count()) + 1;
            (line, f.rule)
        })
        .collect();
    got.sort();
    (got, text)
}

fn expected(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| l.split_once("// expect: ").map(|(_, rule)| (i + 1, rule.trim().to_string())))
        .collect()
}

fn check_fixture(name: &str) {
    let (got, text) = findings_of(name);
    assert_eq!(got, expected(&text), "{name}");
}

#[test]
fn sessions_bad() {
    check_fixture("sessions_bad.js");
}

#[test]
fn sessions_good() {
    check_fixture("sessions_good.ts");
}

#[test]
fn koa_sessions() {
    check_fixture("koa_sessions.js");
}

#[test]
fn queues_bad() {
    check_fixture("queues_bad.ts");
}

#[test]
fn queues_good() {
    check_fixture("queues_good.js");
}

#[test]
fn rules_still_run_after_a_syntax_error() {
    let text = std::fs::read_to_string(format!("{DIR}/syntax_error.js")).unwrap_or_else(|e| panic!("{e}"));
    let rules: Vec<String> = lint_source("syntax_error.js", Lang::JavaScript, &text)
        .findings
        .into_iter()
        .map(|f| f.rule)
        .collect();
    assert!(rules.iter().any(|r| r == "parse-error"), "{rules:?}");
    assert!(rules.iter().any(|r| r == "connect-redis-ttl-disabled"), "{rules:?}");
}

#[test]
fn findings_point_at_the_option() {
    let text =
        "import { RedisStore } from \"connect-redis\";\nnew RedisStore({ client, disableTTL: true });\n";
    let r = lint_source("s.mjs", Lang::JavaScript, text);
    let [f] = r.findings.as_slice() else { panic!("{:?}", r.findings) };
    let findings::Location::File { span, .. } = &f.location else { panic!("{f:?}") };
    assert_eq!(span.slice(text), Some("disableTTL: true"));
}

#[test]
fn queue_message_names_the_missing_option() {
    let text = "import { Queue } from 'bullmq';\nconst q = new Queue('q', { defaultJobOptions: { removeOnComplete: true } });\n";
    let r = lint_source("q.ts", Lang::TypeScript, text);
    let [f] = r.findings.as_slice() else { panic!("{:?}", r.findings) };
    assert!(f.message.contains("removeOnFail") && !f.message.contains("removeOnComplete"), "{}", f.message);
    assert!(f.message.contains("\"q\""), "{}", f.message);
}

#[test]
fn tsx_and_satisfies() {
    let text = "import { Queue, type QueueOptions } from 'bullmq';\n\
                const q = new Queue('q', { connection } satisfies QueueOptions);\n\
                export const App = () => <div>{q.name}</div>;\n";
    let r = lint_source("App.tsx", Lang::Tsx, text);
    let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["bullmq-job-removal-unset"]);
}

#[test]
fn files_without_the_libraries_are_not_parsed() {
    let text = "const q = new Queue('q'); new RedisStore({ disableTTL: true }); // broken (";
    assert!(lint_source("a.js", Lang::JavaScript, text).findings.is_empty());
}

const PREFIXES: &[&str] = &[
    "const { RedisStore } = require('connect-redis');\n",
    "import { Queue, Worker } from \"bullmq\";\n",
    "const Queue = require('bull');\n",
    "import session from 'express-session'; import RedisStore from 'connect-redis';\n",
];

const PIECES: &[&str] = &[
    "new Queue('q', ",
    "new RedisStore(",
    "new Worker('q', f, ",
    "session(",
    "{ defaultJobOptions: ",
    "{ removeOnComplete: ",
    "removeOnFail: false",
    "disableTTL: true",
    "ttl: 1e400",
    "cookie: { maxAge: 0x",
    "...x",
    "q.add('a', d, ",
    "q.addBulk([",
    " as QueueOptions",
    " satisfies X",
    "<any>",
    "const q = ",
    "this.q = ",
    "})",
    ")",
    "]",
    "}",
    ",",
    ";\n",
    "`${",
    "\"",
    "/*",
    "é",
];

fn assemble(prefix: usize, parts: &[usize], junk: &str) -> String {
    let mut s = PREFIXES[prefix % PREFIXES.len()].to_string();
    for p in parts {
        s.push_str(PIECES[p % PIECES.len()]);
    }
    s.push_str(junk);
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn never_panics(prefix in 0usize..4, parts in prop::collection::vec(0usize..64, 0..40), junk in "\\PC{0,80}") {
        let text = assemble(prefix, &parts, &junk);
        for lang in [Lang::JavaScript, Lang::TypeScript, Lang::Tsx] {
            let r = lint_source("x.ts", lang, &text);
            for f in r.findings {
                if let findings::Location::File { span, .. } = f.location {
                    prop_assert!(span.start <= span.end && span.end <= text.len());
                }
            }
        }
    }

    #[test]
    fn random_text_never_panics(junk in "\\PC{0,300}") {
        let text = format!("import {{ Queue }} from 'bullmq'; import {{ RedisStore }} from 'connect-redis';\n{junk}");
        for lang in [Lang::JavaScript, Lang::TypeScript, Lang::Tsx] {
            let _ = lint_source("x.js", lang, &text);
        }
    }
}
