#!/usr/bin/env bash
# Benchmark: `kubectl-redis_audit lint` against checkov (Kubernetes + Helm frameworks) on the same
# generated 10,000-file monorepo-like tree. See bench/README.md.
#
# Environment (all optional):
#   BENCH_WORK=bench/work          work directory (tree, venv, outputs); /bench/work is gitignored
#   BENCH_FILES=10000              files in the generated tree (fixtures included)
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
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

work="${BENCH_WORK:-bench/work}"
files_wanted="${BENCH_FILES:-10000}"
seed="${BENCH_SEED:-42}"
runs="${BENCH_RUNS:-3}"
bin="${REDIS_AUDIT_BIN:-target/release/kubectl-redis_audit}"
tree="$work/tree"
venv="$work/venv"
results="$here/RESULTS.md"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
tree="$work/tree"
venv="$work/venv"

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
gen_out="$(python3 "$here/gen_tree.py" "$tree" "$files_wanted" "$seed" "${fixtures[@]}")"
echo "$gen_out"
files="$(find "$tree" -type f | wc -l | tr -d ' ')"
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
    timed "$work/redis-audit.run$i" "${ra_cmd[@]}"
    ra_walls+=("$t_wall"); ra_rcs+=("$t_rc")
    (( t_rss_kib > ra_rss )) && ra_rss="$t_rss_kib"
    echo "  run $i: ${t_wall}s, max RSS $(mib "$t_rss_kib") MiB, CPU $t_cpu, exit $t_rc"
    ra_cpus+=("$t_cpu")
    if [[ "$t_rc" != 0 ]]; then
        echo "  redis-audit failed; stderr:" >&2; tail -n 20 "$work/redis-audit.run$i.stderr" >&2
    fi
done
ra_wall="$(printf '%s\n' "${ra_walls[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
ra_fps="$(rate "$files" "$ra_wall")"

# Untimed run keeping the report, for the finding summary.
"${pin[@]}" "$bin" lint "$tree" --format json -o "$work/redis-audit.json" --fail-on never 2>"$work/redis-audit.notes" || true
ra_summary="$(python3 - "$work/redis-audit.json" <<'PY'
import collections, json, sys
d = json.load(open(sys.argv[1]))
s = d.get("summary", {})
by_rule = collections.Counter(f["rule"] for f in d.get("findings", []))
print(f"files read by redis-audit: {s.get('files_scanned')}; findings: {s.get('findings')} {s.get('by_severity')}")
print("findings by rule: " + ", ".join(f"{r}={n}" for r, n in sorted(by_rule.items())))
PY
)"
echo "$ra_summary"

# ------------------------------------------------------------------ 3b. checkov
ck_files="$files"; ck_wall=""; ck_rss=0; ck_cpu=""; ck_note="whole tree"; ck_summary=""
if [[ -z "${SKIP_CHECKOV:-}" ]]; then
    ck_dir="$tree"
    if [[ -n "${CHECKOV_SUBSET:-}" ]]; then
        # Whole leaf-parent directories (sorted, shuffled with the seed) until about N files.
        ck_dir="$work/subset-$CHECKOV_SUBSET"
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
    rm -rf "$work/checkov-out"
    ck_cmd=("$venv/bin/checkov" --framework kubernetes helm -d "$ck_dir" --quiet --compact
            -o json --output-file-path "$work/checkov-out" --skip-download --skip-results-upload --soft-fail)
    say "checkov (once): ${pin[*]} ${ck_cmd[*]}"
    timed "$work/checkov" "${ck_cmd[@]}"
    ck_wall="$t_wall"; ck_rss="$t_rss_kib"; ck_cpu="$t_cpu"
    echo "  checkov: ${ck_wall}s, max RSS $(mib "$ck_rss") MiB, CPU $ck_cpu, exit $t_rc"
    if [[ "$t_rc" != 0 ]]; then
        echo "  checkov exited $t_rc; stderr tail:" >&2; tail -n 20 "$work/checkov.stderr" >&2
    fi
    ck_summary="$(python3 - "$work/checkov-out" <<'PY'
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
pass_speed="$(awk -v f="$ra_fps" 'BEGIN {print (f >= 5000 ? "PASS" : "FAIL")}')"
pass_ratio="$( [[ "$ratio" == n/a ]] && echo "n/a" || awk -v r="$ratio" 'BEGIN {print (r >= 50 ? "PASS" : "FAIL")}')"
table="$(
    printf '| %-11s | %6s | %10s | %8s | %13s |\n' tool files "wall s" "files/s" "peak RSS MiB"
    printf '|-------------|--------|------------|----------|---------------|\n'
    printf '| %-11s | %6s | %10s | %8s | %13s |\n' redis-audit "$files" "$ra_wall" "$ra_fps" "$(mib "$ra_rss")"
    if [[ -n "$ck_wall" ]]; then
        printf '| %-11s | %6s | %10s | %8s | %13s |\n' checkov "$ck_files" "$ck_wall" "$ck_fps" "$(mib "$ck_rss")"
    fi
)"
verdict="$(
    echo "files = every file in the tree (the same number for both tools: each walks all of it; redis-audit reads only the YAML/.conf names it knows)."
    echo "redis-audit wall = median of $runs runs (${ra_walls[*]} s; CPU ${ra_cpus[*]}); checkov: 1 run${ck_cpu:+ (CPU $ck_cpu)}; $cores_note; page cache warm."
    echo "ratio redis-audit/checkov files/s: $ratio$( [[ "$ratio" == n/a ]] || echo x)"
    echo "target >= 5,000 files/s on 2 cores: $pass_speed ($ra_fps files/s on $( [[ ${#pin[@]} -gt 0 ]] && echo 2 || echo "$ncpu") CPUs)"
    echo "target >= 50x checkov: $pass_ratio (ratio ${ratio})"
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
        echo "## $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo
        echo "- machine: nproc $ncpu; $(lscpu 2>/dev/null | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}'); $(uname -sr)"
        echo "- memory (\`free -g\`):"
        echo '  ```'
        free -g | sed 's/^/  /'
        echo '  ```'
        echo "- $(rustc --version 2>/dev/null || echo 'rustc: not found'); binary \`${bin#"$repo"/}\` ($("$bin" --version 2>/dev/null), $bin_note)"
        [[ -z "${SKIP_CHECKOV:-}" ]] && echo "- checkov $checkov_version (PyPI, venv); $helm_note"
        echo "- tree: $files files, $bytes bytes, seed $seed (\`bench/gen_tree.py\`); $(echo "$gen_out" | tail -n1)"
        echo "- commands ($cores_note):"
        echo '  ```'
        echo "  ${pin[*]:+${pin[*]} }${ra_cmd[*]#"$repo"/}" | sed "s#$repo/##g"
        [[ -z "${SKIP_CHECKOV:-}" ]] && echo "  ${pin[*]:+${pin[*]} }${ck_cmd[*]}" | sed "s#$repo/##g"
        echo '  ```'
        echo "- $ra_summary" | head -n1
        echo "- $(echo "$ra_summary" | tail -n1)"
        [[ -n "$ck_summary" ]] && echo "- $ck_summary"
        echo
        echo "$table"
        echo
        echo "$verdict" | sed 's/^/- /'
    } >>"$results"
    say "appended to ${results#"$repo"/}"
fi
