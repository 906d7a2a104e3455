//! Property tests: no parser and no part of the pipeline panics on any input.

use std::sync::Arc;

use lint_engine::{Input, config::Config, redis_conf};
use proptest::prelude::*;

fn lint_as(path: &str, text: &str) {
    let inputs = [Input { path: path.to_string(), text: Arc::from(text), explicit: true }];
    let outcome = lint_engine::lint(&inputs, &Config::default());
    for f in outcome.findings {
        if let findings::Location::File { span, .. } = f.location {
            assert!(span.start <= span.end, "span order");
        }
    }
}

/// Fragments that steer random text into the interesting parts of the parsers.
const PIECES: &[&str] = &[
    "apiVersion: v1\n",
    "kind: Pod\n",
    "kind: StatefulSet\n",
    "kind: List\nitems:\n",
    "kind: ConfigMap\n",
    "spec:\n",
    "  template:\n",
    "    spec:\n",
    "containers:\n",
    "- name: redis\n",
    "  image: redis:7\n",
    "  args: [--maxmemory, 1gb]\n",
    "  command: [sh, -c, \"redis-server /c/r.conf --maxmemory 5mb\"]\n",
    "resources: {limits: {memory: 1Gi}, requests: {memory: 1e9}}\n",
    "memory: 12Zi\n",
    "data:\n",
    "  redis.conf: |\n    maxmemory 10mb\n",
    "volumeMounts: [{name: c, mountPath: /c}]\n",
    "volumes: [{name: c, configMap: {name: x}}]\n",
    "&a ",
    "*a ",
    "<<: *a\n",
    "{",
    "}",
    "[",
    "]",
    "---\n",
    "architecture: standalone\n",
    "master:\n  resourcesPreset: nano\n",
    "commonConfiguration: |-\n  maxmemory 1g\n",
    "extraFlags: [\"--maxmemory 9mb\"]\n",
    "redis:\n  config:\n    maxmemory: 0\n",
    "replicas: 3\n",
    "\"",
    "'",
    "\\",
    "\t",
    "é",
    "\u{feff}",
    "\0",
    "  ",
    "\n",
    "#",
    "# redis-audit: ignore[maxmemory-unset]\n",
];

fn pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_decode_and_lint(bytes in proptest::collection::vec(any::<u8>(), 0..400), bom in 0usize..4) {
        let prefix: &[u8] = [&b""[..], b"\xFF\xFE", b"\xFE\xFF", b"\xEF\xBB\xBF"][bom];
        let all = [prefix, &bytes].concat();
        if let lint_engine::text::Decoded::Text(text, _) = lint_engine::text::decode(all) {
            lint_as("values.yaml", &text);
            lint_as("settings.py", &text);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = lint_engine::yaml::parse(&text);
        let _ = redis_conf::parse(&text, &redis_conf::OffsetMap::identity());
        let _ = redis_conf::split_args(&text);
        let _ = redis_conf::flags_in_script(&text, &redis_conf::OffsetMap::identity());
        let _ = redis_conf::looks_like_redis_conf(&text);
        for path in ["a.yaml", "values.yaml", "redis.conf", "Chart.yaml", "-"] {
            lint_as(path, &text);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = lint_engine::yaml::parse(&text);
        lint_as("x.yaml", &text);
        lint_as("x.conf", &text);
    }

    #[test]
    fn structured_fragments_never_panic(text in pieces()) {
        lint_as("m.yaml", &text);
        lint_as("values.yaml", &text);
        lint_as("redis.conf", &text);
    }
}
