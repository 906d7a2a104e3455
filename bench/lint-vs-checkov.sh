#!/usr/bin/env bash
# Benchmark: `kubectl-redis_audit lint` against checkov (Kubernetes + Helm frameworks) on the same
# generated tree: a 10,000-file infrastructure tree (issue #3), or with BENCH_TREE=monorepo a
# 20,000-file monorepo of Rails, Django/Celery/RQ and Node/TS projects beside the same kinds of
# YAML (issue #7). See bench/README.md.
#
# Environment (all optional):
#   BENCH_TREE=k8s                 k8s: bench/gen_tree.py into $BENCH_WORK/tree;
#                                  monorepo: bench/gen_monorepo.py into $BENCH_WORK/monorepo, with
#                                  timings and reports in $BENCH_WORK/monorepo-out
#   BENCH_WORK=bench/work          work directory (tree, venv, outputs); /bench/work is gitignored
#   BENCH_FILES=10000              files in the generated tree (fixtures included; 20000 for monorepo)
#   BENCH_SEED=42                  generator seed (same seed + same fixtures = same tree)
#   BENCH_RUNS=3                   timed redis-audit runs (the median wall time is reported)
#   BENCH_CPUS=0,1                 CPU list both tools are pinned to with taskset when the machine
#                                  has more than 2 CPUs ("none" to disable pinning)
#   REDIS_AUDIT_BIN=...            binary to time (default target/release/kubectl-redis_audit,
#                                  built with `cargo build --release -p redis-audit` if missing)
#   CHECKOV_SUBSET=N               run checkov only on a deterministic subset of whole directories
#                                  holding about N files, and report its files/s from that subset
#   CHECKOV_VERSION=               pin a checkov version from PyPI (default: latest)
#   SKIP_CHECKOV=1                 time redis-audit only (no ratio; not recorded as a full run)
#   BENCH_NO_RECORD=1              do not append to bench/RESULTS.md
#   BENCH_NOTE="..."               a line added to the RESULTS.md entry (e.g. other load on the machine)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

work="${BENCH_WORK:-bench/work}"
kind="${BENCH_TREE:-k8s}"
# Per tree: generator, default file count, tree and output directories (under $work), files/s
# target, ratio target ("": reported only).
case "$kind" in
    k8s) gen=gen_tree.py; files_default=10000; tree_name=tree; out_name=.; target_fps=5000; target_ratio=50 ;;
    monorepo) gen=gen_monorepo.py; files_default=20000; tree_name=monorepo; out_name=monorepo-out
              target_fps=2000; target_ratio="" ;;
    *) echo "error: BENCH_TREE must be k8s or monorepo" >&2; exit 2 ;;
esac
files_wanted="${BENCH_FILES:-$files_default}"
seed="${BENCH_SEED:-42}"
runs="${BENCH_RUNS:-3}"
bin="${REDIS_AUDIT_BIN:-target/release/kubectl-redis_audit}"
results="$here/RESULTS.md"
mkdir -p "$work/$out_name"
work="$(cd "$work" && pwd)"
tree="$work/$tree_name"
out="$(cd "$work/$out_name" && pwd)"
venv="$work/venv"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

say() { printf '==> %s\n' "$*" >&2; }

# ------------------------------------------------------------------ prerequisites
if [[ ! -x /usr/bin/time ]]; then
    say "installing GNU time (/usr/bin/time is missing)"
    if command -v apt-get >/dev/null; then
        (apt-get update -qq && apt-get install -y -qq time) >&2
    fi
    [[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time (GNU time) is required" >&2; exit 2; }
fi

# Source of the binary, recorded in RESULTS.md: HEAD at the start of the run (+ dirty flag).
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain -- crates plugin Cargo.toml Cargo.lock 2>/dev/null)" ]]; then
    commit="$commit + uncommitted changes in crates/ or plugin/"
fi
if [[ -z "${REDIS_AUDIT_BIN:-}" ]]; then
    # Always (re)build so the figures are for the current sources; cargo is a no-op when fresh.
    say "building redis-audit (cargo build --release -p redis-audit)"
    if ! cargo build --release -p redis-audit >&2; then
        [[ -x "$bin" ]] || { echo "error: build failed and $bin does not exist" >&2; exit 2; }
        echo "warning: build failed; timing the existing (possibly stale) $bin" >&2
        commit="unknown (build failed; stale binary)"
    fi
    bin_note="built from $commit"
else
    bin_note="given by REDIS_AUDIT_BIN; working tree at $commit when run"
fi
[[ -x "$bin" ]] || { echo "error: $bin not found or not executable" >&2; exit 2; }
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
echo "redis-audit: $bin ($("$bin" --version 2>/dev/null), $bin_note)"

pin=()
ncpu="$(nproc)"
cpus="${BENCH_CPUS:-0,1}"
if [[ "$cpus" != none && "$ncpu" -gt 2 ]] && command -v taskset >/dev/null; then
    pin=(taskset -c "$cpus")
    cores_note="pinned to CPUs $cpus (taskset) of $ncpu"
else
    cores_note="$ncpu CPUs, unpinned"
fi

# ------------------------------------------------------------------ 1. the tree
say "generating $files_wanted files under $tree (seed $seed)"
fixtures=()
[[ -d testdata ]] && fixtures+=(testdata)
gen_out="$(python3 "$here/$gen" "$tree" "$files_wanted" "$seed" "${fixtures[@]}")"
echo "$gen_out"
files="$(find "$tree" -type f | wc -l | tr -d ' ')"
# Files outside the dependency directories the walk never enters (lint-engine's DEPENDENCY_DIRS).
dep_dirs=(node_modules bower_components site-packages __pycache__ venv vendor)
prune=(-name "${dep_dirs[0]}"); for d in "${dep_dirs[@]:1}"; do prune+=(-o -name "$d"); done
walked="$(find "$tree" -type d \( "${prune[@]}" \) -prune -o -type f -print | wc -l | tr -d ' ')"
echo "files outside ${dep_dirs[*]}: $walked"
bytes="$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')"
echo "tree: $tree"
echo "files: $files   total bytes: $bytes ($(awk -v b="$bytes" 'BEGIN {printf "%.1f MiB", b/1048576}'))"
[[ "$files" -eq "$files_wanted" ]] || { echo "error: generated $files files, wanted $files_wanted" >&2; exit 2; }

# ------------------------------------------------------------------ 2. checkov
helm_note="helm binary: $(command -v helm || echo 'not installed: checkov silently disables its helm framework, so only the kubernetes framework runs (what users without helm get)')"
if [[ -z "${SKIP_CHECKOV:-}" ]]; then
    if [[ ! -x "$venv/bin/checkov" ]]; then
        say "installing checkov${CHECKOV_VERSION:+==$CHECKOV_VERSION} from PyPI into $venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q --upgrade pip >&2
        "$venv/bin/pip" install -q "checkov${CHECKOV_VERSION:+==$CHECKOV_VERSION}" >&2
    fi
    # No network during the timed run: no API key (no platform download/upload), no update check,
    # no SCA package scan. Verified with `strace -f -e trace=connect`: no AF_INET/AF_INET6 connects.
    unset BC_API_KEY PRISMA_API_URL || true
    export CKV_SKIP_PACKAGE_UPDATE_CHECK=true CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false BC_SKIP_MAPPING=TRUE
    checkov_version="$("$venv/bin/checkov" --version 2>/dev/null | tail -n1)"
    echo "checkov --version: $checkov_version"
    echo "$helm_note"
fi

# ------------------------------------------------------------------ timing helpers
# timed OUT_PREFIX CMD...: runs CMD under GNU time; sets t_wall (s, from date +%s.%N), t_rss_kib
# (max RSS of the largest process, GNU time's "Maximum resident set size") and t_rc.
timed() {
    local prefix="$1"; shift
    local start end
    start="$(date +%s.%N)"
    t_rc=0
    /usr/bin/time -v -o "$prefix.time" "${pin[@]}" "$@" >"$prefix.stdout" 2>"$prefix.stderr" || t_rc=$?
    end="$(date +%s.%N)"
    t_wall="$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b-a}')"
    t_rss_kib="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$prefix.time")"
    t_cpu="$(awk -F': ' '/Percent of CPU this job got/ {print $2}' "$prefix.time")"
    if grep -q 'Command terminated by signal' "$prefix.time"; then
        t_rc="signal: $(grep 'Command terminated by signal' "$prefix.time")"
    fi
}
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k/1024}'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN {printf "%.0f", (s > 0 ? n/s : 0)}'; }

# ------------------------------------------------------------------ 3a. redis-audit
ra_cmd=("$bin" lint "$tree" --format json -o /dev/null --fail-on never)
say "redis-audit: $runs timed runs: ${pin[*]} ${ra_cmd[*]}"
ra_walls=(); ra_rss=0; ra_rcs=(); ra_cpus=()
for i in $(seq 1 "$runs"); do
    timed "$out/redis-audit.run$i" "${ra_cmd[@]}"
    ra_walls+=("$t_wall"); ra_rcs+=("$t_rc")
    (( t_rss_kib > ra_rss )) && ra_rss="$t_rss_kib"
    echo "  run $i: ${t_wall}s, max RSS $(mib "$t_rss_kib") MiB, CPU $t_cpu, exit $t_rc"
    ra_cpus+=("$t_cpu")
    if [[ "$t_rc" != 0 ]]; then
        echo "  redis-audit failed; stderr:" >&2; tail -n 20 "$out/redis-audit.run$i.stderr" >&2
    fi
done
ra_wall="$(printf '%s\n' "${ra_walls[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
ra_fps="$(rate "$files" "$ra_wall")"
ra_fps_walked="$(rate "$walked" "$ra_wall")"

# Untimed run keeping the report, for the finding summary, checked against the generator's
# manifest: per category, the files with at least one finding. A file generated bad
# (app-bad:RULE) must get RULE; good, plain, dependency and bundle files must get none.
"${pin[@]}" "$bin" lint "$tree" --format json -o "$out/redis-audit.json" --fail-on never 2>"$out/redis-audit.notes" || true
ra_summary="$(python3 - "$out/redis-audit.json" "$work/$tree_name-manifest.tsv" "$tree" <<'PY'
import collections, json, os, sys
d = json.load(open(sys.argv[1]))
s = d.get("summary", {})
by_rule = collections.Counter(f["rule"] for f in d.get("findings", []))
rules_of = collections.defaultdict(set)
for f in d.get("findings", []):
    rules_of[os.path.relpath(f["path"], sys.argv[3])].add(f["rule"])
files, hit, wrong = collections.Counter(), collections.Counter(), 0
for line in open(sys.argv[2]):
    rel, cat = line.rstrip("\n").split("\t")
    rules = rules_of.get(rel, set())
    files[cat] += 1
    hit[cat] += bool(rules)
    if cat.startswith("app-bad:") and cat[8:] not in rules:
        wrong += 1
    if rules and cat.split(":")[0] in ("app-good", "app-plain", "dependency", "minified", "generated-large"):
        wrong += 1
notes = d.get("notes", [])
print(f"files read by redis-audit: {s.get('files_scanned')}; findings: {s.get('findings')} {s.get('by_severity')}; "
      f"notes: {len(notes)}, of which {sum('minified or generated' in n for n in notes)} minified or generated sources skipped")
print("findings by rule: " + ", ".join(f"{r}={n}" for r, n in sorted(by_rule.items())))
print(f"files with a finding: {len(rules_of)} of {sum(files.values())}; against the generator's intent: {wrong} unexpected; "
      "by category (files with a finding/files): " + ", ".join(f"{c}={hit[c]}/{n}" for c, n in sorted(files.items())))
PY
)"
echo "$ra_summary"

# ------------------------------------------------------------------ 3b. checkov
ck_files="$files"; ck_wall=""; ck_rss=0; ck_cpu=""; ck_note="whole tree"; ck_summary=""
if [[ -z "${SKIP_CHECKOV:-}" ]]; then
    ck_dir="$tree"
    if [[ -n "${CHECKOV_SUBSET:-}" ]]; then
        # Whole leaf-parent directories (sorted, shuffled with the seed) until about N files.
        ck_dir="$out/subset-$CHECKOV_SUBSET"
        rm -rf "$ck_dir"
        python3 - "$tree" "$ck_dir" "$CHECKOV_SUBSET" "$seed" <<'PY'
import os, random, shutil, sys
tree, dst, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dirs = sorted({os.path.dirname(os.path.join(r, f)) for r, _, fs in os.walk(tree) for f in fs})
random.Random(seed).shuffle(dirs)
taken = 0
for d in dirs:
    if taken >= n:
        break
    fs = [f for f in os.listdir(d) if os.path.isfile(os.path.join(d, f))]
    out = os.path.join(dst, os.path.relpath(d, tree))
    os.makedirs(out, exist_ok=True)
    for f in fs:
        os.link(os.path.join(d, f), os.path.join(out, f))
    taken += len(fs)
PY
        ck_files="$(find "$ck_dir" -type f | wc -l | tr -d ' ')"
        ck_note="SUBSET: checkov ran on $ck_files of the $files files (CHECKOV_SUBSET=$CHECKOV_SUBSET, whole directories, seed $seed); its files/s is measured on that subset and assumed to scale linearly"
        echo "checkov subset: $ck_note"
    fi
    rm -rf "$out/checkov-out"
    ck_cmd=("$venv/bin/checkov" --framework kubernetes helm -d "$ck_dir" --quiet --compact
            -o json --output-file-path "$out/checkov-out" --skip-download --skip-results-upload --soft-fail)
    say "checkov (once): ${pin[*]} ${ck_cmd[*]}"
    timed "$out/checkov" "${ck_cmd[@]}"
    ck_wall="$t_wall"; ck_rss="$t_rss_kib"; ck_cpu="$t_cpu"
    echo "  checkov: ${ck_wall}s, max RSS $(mib "$ck_rss") MiB, CPU $ck_cpu, exit $t_rc"
    if [[ "$t_rc" != 0 ]]; then
        echo "  checkov exited $t_rc; stderr tail:" >&2; tail -n 20 "$out/checkov.stderr" >&2
    fi
    ck_summary="$(python3 - "$out/checkov-out" <<'PY'
import glob, json, sys
parts = []
for p in glob.glob(sys.argv[1] + "/*.json"):
    d = json.load(open(p))
    for r in (d if isinstance(d, list) else [d]):
        s = r.get("summary", {})
        parts.append(f"{r.get('check_type')}: resources={s.get('resource_count')} passed={s.get('passed')} "
                     f"failed={s.get('failed')} parsing_errors={s.get('parsing_errors')}")
print("checkov report: " + ("; ".join(parts) if parts else "no report written"))
PY
)"
    echo "$ck_summary"
fi
ck_fps="$( [[ -n "$ck_wall" ]] && rate "$ck_files" "$ck_wall" || echo n/a)"

# ------------------------------------------------------------------ 4. table
ratio="n/a"
if [[ "$ck_fps" != n/a ]]; then
    ratio="$(awk -v a="$files" -v b="$ra_wall" -v c="$ck_files" -v d="$ck_wall" 'BEGIN {printf "%.1f", (a/b)/(c/d)}')"
fi
# The speed target counts only the files the walk enters (not node_modules/, vendor/...).
pass_speed="$(awk -v f="$ra_fps_walked" -v t="$target_fps" 'BEGIN {print (f >= t ? "PASS" : "FAIL")}')"
pass_ratio="$( [[ "$ratio" == n/a || -z "$target_ratio" ]] && echo "n/a" ||
    awk -v r="$ratio" -v t="$target_ratio" 'BEGIN {print (r >= t ? "PASS" : "FAIL")}')"
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
table="$(
    printf '| %-11s | %6s | %10s | %8s | %13s |\n' tool files "wall s" "files/s" "peak RSS MiB"
    printf '|-------------|--------|------------|----------|---------------|\n'
    printf '| %-11s | %6s | %10s | %8s | %13s |\n' redis-audit "$files" "$ra_wall" "$ra_fps" "$(mib "$ra_rss")"
    if [[ -n "$ck_wall" ]]; then
        printf '| %-11s | %6s | %10s | %8s | %13s |\n' checkov "$ck_files" "$ck_wall" "$ck_fps" "$(mib "$ck_rss")"
    fi
)"
verdict="$(
    if [[ "$walked" == "$files" ]]; then
        echo "files = every file in the tree (the same number for both tools: each walks all of it; redis-audit reads only the names it knows)."
    else
        echo "files = every file in the tree, $files, the same number for both tools (the ratio uses it); $((files - walked)) of them are under ${dep_dirs[*]}, which redis-audit never enters: over the $walked files it walks, redis-audit's rate is $ra_fps_walked files/s."
    fi
    echo "redis-audit wall = median of $runs runs (${ra_walls[*]} s; CPU ${ra_cpus[*]}); checkov: 1 run${ck_cpu:+ (CPU $ck_cpu)}; $cores_note; page cache warm."
    echo "ratio redis-audit/checkov files/s: $ratio$( [[ "$ratio" == n/a ]] || echo x)"
    echo "target >= $target_fps files/s on 2 cores, counting the $walked files walked: $pass_speed ($ra_fps_walked files/s on $( [[ ${#pin[@]} -gt 0 ]] && echo 2 || echo "$ncpu") CPUs)"
    if [[ -n "$target_ratio" ]]; then
        echo "target >= ${target_ratio}x checkov: $pass_ratio (ratio ${ratio})"
    fi
    echo "load average (1, 5, 15 min) before: $load_before; after: $load_after"
    [[ -n "${BENCH_NOTE:-}" ]] && echo "note: $BENCH_NOTE"
    [[ "$ck_note" != "whole tree" ]] && echo "NOTE: $ck_note"
    [[ -z "${SKIP_CHECKOV:-}" ]] && echo "$helm_note"
    echo "peak RSS: GNU time's maximum resident set size of the largest single process (checkov forks workers; their RSS is not summed)."
)"
echo
echo "$table"
echo
echo "$verdict"

# ------------------------------------------------------------------ 5. RESULTS.md
if [[ -z "${BENCH_NO_RECORD:-}" ]]; then
    [[ -f "$results" ]] || printf '# Benchmark results\n\nAppended by `bench/lint-vs-checkov.sh`, newest last.\n' >"$results"
    {
        echo
        echo "## $(date -u '+%Y-%m-%d %H:%M UTC')$( [[ "$kind" == k8s ]] || echo ": lint-vs-checkov, $kind tree")"
        echo
        echo "- machine: nproc $ncpu; $(lscpu 2>/dev/null | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}'); $(uname -sr)"
        echo "- memory (\`free -g\`):"
        echo '  ```'
        free -g | sed 's/^/  /'
        echo '  ```'
        echo "- $(rustc --version 2>/dev/null || echo 'rustc: not found'); binary \`${bin#"$repo"/}\` ($("$bin" --version 2>/dev/null), $bin_note)"
        [[ -z "${SKIP_CHECKOV:-}" ]] && echo "- checkov $checkov_version (PyPI, venv); $helm_note"
        echo "- tree: $files files ($walked outside ${dep_dirs[*]}), $bytes bytes, seed $seed (\`bench/$gen\`); $(echo "$gen_out" | tail -n1)"
        echo "- commands ($cores_note):"
        echo '  ```'
        echo "  ${pin[*]:+${pin[*]} }${ra_cmd[*]#"$repo"/}" | sed "s#$repo/##g"
        [[ -z "${SKIP_CHECKOV:-}" ]] && echo "  ${pin[*]:+${pin[*]} }${ck_cmd[*]}" | sed "s#$repo/##g"
        echo '  ```'
        echo "$ra_summary" | sed 's/^/- /'
        [[ -n "$ck_summary" ]] && echo "- $ck_summary"
        echo
        echo "$table"
        echo
        echo "$verdict" | sed 's/^/- /'
    } >>"$results"
    say "appended to ${results#"$repo"/}"
fi
