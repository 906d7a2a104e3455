#!/usr/bin/env bash
# bench/audit-fleet.sh: `kubectl redis-audit -A` over a fleet of 50 Redis pods on testkit's
# Kubernetes test API server, reached through a latency relay (1 ms round trip), against a
# runbook-style shell loop doing one connection per command. Prints total wall time and time
# per pod at --concurrency 1, the default and 16, with and without the key scan, and without
# the relay (the CPU floor); the tool's CPU time and peak RSS; the API requests each run made;
# the ratio to the loop; and PASS/FAIL against the issue's target (the whole fleet in < 5 s at
# the default concurrency). Appends a dated entry to bench/RESULTS.md.
#
# Environment: PODS (50), KEYS_PER_POD (200), ONE_WAY (500us: relay delay each way), REPEAT (3:
# runs of each tool variant, median kept), LOOP_REPEAT (1: runs of the shell loop),
# BENCH_NO_RECORD=1 to skip RESULTS.md. Every process started is stopped by its PID.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/bench/work/fleet"
PODS="${PODS:-50}"
KEYS_PER_POD="${KEYS_PER_POD:-200}"
ONE_WAY="${ONE_WAY:-500us}"
REPEAT="${REPEAT:-3}"
LOOP_REPEAT="${LOOP_REPEAT:-1}"
TARGET_S=5
mkdir -p "$WORK"
rm -rf "$WORK"/*.out "$WORK"/*.err "$WORK"/*.time "$WORK"/fleet.in "$WORK"/loop.*
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

echo "== build (release)" >&2
cargo build --release -q -p redis-audit --manifest-path "$ROOT/Cargo.toml"
cargo build --release -q -p testkit --example fleet --manifest-path "$ROOT/Cargo.toml"
TOOL="$ROOT/target/release/kubectl-redis_audit"
FLEET_BIN="$ROOT/target/release/examples/fleet"

# The fleet reads commands on stdin (a FIFO held open on fd 3) and answers one JSON line each
# on stdout; closing fd 3 makes it stop its relays, API server and redis-servers and exit.
FLEET_PID=""
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [ -n "$FLEET_PID" ]; then
    for _ in $(seq 1 100); do kill -0 "$FLEET_PID" 2>/dev/null || break; sleep 0.1; done
    # SIGTERM also stops it cleanly (redis-servers included); only if stdin EOF did not.
    kill "$FLEET_PID" 2>/dev/null || true
    wait "$FLEET_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

echo "== fleet: $PODS pods, $KEYS_PER_POD keys each, relay $ONE_WAY each way" >&2
mkfifo "$WORK/fleet.in"
"$FLEET_BIN" --pods "$PODS" --keys "$KEYS_PER_POD" --one-way "$ONE_WAY" \
  < "$WORK/fleet.in" > "$WORK/fleet.out" 2> "$WORK/fleet.err" &
FLEET_PID=$!
exec 3> "$WORK/fleet.in"
for _ in $(seq 1 600); do
  [ -s "$WORK/fleet.out" ] && break
  kill -0 "$FLEET_PID" 2>/dev/null || { echo "fleet exited:" >&2; cat "$WORK/fleet.err" >&2; exit 2; }
  sleep 0.1
done
[ -s "$WORK/fleet.out" ] || { echo "fleet did not start within 60 s" >&2; exit 2; }

# fleet_ask CMD: sends CMD, prints the one line of JSON it answers.
fleet_ask() {
  local n
  n="$(wc -l < "$WORK/fleet.out")"
  echo "$1" >&3
  for _ in $(seq 1 1000); do
    if [ "$(wc -l < "$WORK/fleet.out")" -gt "$n" ]; then tail -n 1 "$WORK/fleet.out"; return 0; fi
    sleep 0.01
  done
  echo "fleet did not answer \`$1\`" >&2
  return 1
}
json() { python3 -c "import json,sys; d=json.loads(sys.stdin.readline()); print($1)"; }

FIRST="$(head -n 1 "$WORK/fleet.out")"
KC="$(echo "$FIRST" | json 'd["kubeconfig"]')"
KC_DIRECT="$(echo "$FIRST" | json 'd["kubeconfig_direct"]')"
RELAY_PORT="$(echo "$FIRST" | json 'd["relay_port"]')"
STARTED_MS="$(echo "$FIRST" | json 'd["started_in_ms"]')"
# namespace, name, flavor, password ("-": none)
echo "$FIRST" | python3 -c '
import json, sys
for p in json.loads(sys.stdin.readline())["pods"]:
    print(p["namespace"], p["name"], p["flavor"], p["password"] or "-")' > "$WORK/pods.tsv"
FLAVORS="$(awk '{n[$3]++} END {for (f in n) printf "%s %d, ", f, n[f]}' "$WORK/pods.tsv" | sed 's/, $//')"
echo "   started in $STARTED_MS ms; $FLAVORS; API server behind 127.0.0.1:$RELAY_PORT" >&2

# rtt PORT [fresh]: median PING round trip in ms on one connection, or with `fresh` from
# connect() to the first PONG on a new connection each time (what each redis-cli process and
# each port-forward pays: the relay's accept).
rtt() {
  python3 - "$@" <<'PY'
import socket, sys, time
port, fresh = int(sys.argv[1]), len(sys.argv) > 2
def conn():
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s
times, s = [], None if fresh else conn()
for _ in range(40 if fresh else 100):
    t = time.perf_counter()
    c = conn() if fresh else s
    c.sendall(b"PING\r\n")
    if not c.recv(64).startswith((b"+PONG", b"-NOAUTH")):
        sys.exit("no PONG")
    times.append((time.perf_counter() - t) * 1000)
    if fresh:
        c.close()
times.sort()
print(f"{times[len(times) // 2]:.2f}")
PY
}

declare -A WALL CPU RSS REQS RUNS_OF NPODS
# measure NAME EXPECTED_PODS KUBECONFIG ARGS...: one run of the tool under /usr/bin/time; the
# run counts only if the JSON lists EXPECTED_PODS pods, every one with status `audited`.
measure() {
  local name="$1" expect="$2" kc="$3" rc=0 t0 t1 check; shift 3
  t0="$(date +%s.%N)"
  /usr/bin/time -v -o "$WORK/$name.time" "$TOOL" --kubeconfig "$kc" -A -o json "$@" \
    > "$WORK/$name.out" 2> "$WORK/$name.err" || rc=$?
  t1="$(date +%s.%N)"
  REQS[$name]="$(fleet_ask stats | json '", ".join(f"{k} {v}" for k, v in d["requests"].items())')"
  if [ "$rc" -gt 1 ]; then
    echo "$name: exit $rc (1 only means findings):" >&2; tail -n 5 "$WORK/$name.err" >&2; exit 1
  fi
  check="$(python3 - "$WORK/$name.out" "$expect" <<'PY'
import collections, json, sys
pods = json.load(open(sys.argv[1]))["pods"]
status = collections.Counter(p["status"] for p in pods)
errors = [f'{p["namespace"]}/{p["pod"]}: {p["error"]}' for p in pods if p["error"]]
ok = len(pods) == int(sys.argv[2]) and status["audited"] == len(pods)
print("ok" if ok else f"{len(pods)} pods {dict(status)}; {errors[:3]}")
PY
)"
  if [ "$check" != ok ]; then echo "$name: run rejected: $check" >&2; exit 1; fi
  WALL[$name]="$(echo "$t1 - $t0" | bc -l)"
  CPU[$name]="$(awk -F: '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$WORK/$name.time")"
  RSS[$name]="$(awk -F: '/Maximum resident set size/{printf "%.1f", $2/1024}' "$WORK/$name.time")"
  NPODS[$name]="$expect"
  printf '   %-22s wall %6.2f s  CPU %5.2f s  RSS %5s MiB  requests: %s\n' \
    "$name" "${WALL[$name]}" "${CPU[$name]}" "${RSS[$name]}" "${REQS[$name]}" >&2
}

# median NAME RUNS EXPECTED_PODS KUBECONFIG ARGS...: RUNS runs; the median wall time is kept.
median() {
  local name="$1" runs="$2" i pick; shift 2
  for i in $(seq 1 "$runs"); do measure "$name.$i" "$@"; done
  pick="$(for i in $(seq 1 "$runs"); do echo "${WALL[$name.$i]} $i"; done | sort -n | awk -v m=$(((runs + 1) / 2)) 'NR==m{print $2}')"
  WALL[$name]="${WALL[$name.$pick]}"; CPU[$name]="${CPU[$name.$pick]}"; RSS[$name]="${RSS[$name.$pick]}"
  REQS[$name]="${REQS[$name.$pick]}"; NPODS[$name]="${NPODS[$name.$pick]}"
  cp "$WORK/$name.$pick.out" "$WORK/$name.out"
  RUNS_OF[$name]="$(for i in $(seq 1 "$runs"); do printf '%.2f ' "${WALL[$name.$i]}"; done)"
}

echo "== relay round trip" >&2
RTT_API="$(python3 - "$RELAY_PORT" <<'PY'
import http.client, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
times = []
for _ in range(50):
    t = time.perf_counter()
    c.request("GET", "/version")
    c.getresponse().read()
    times.append((time.perf_counter() - t) * 1000)
times.sort()
print(f"{times[len(times) // 2]:.2f}")
PY
)"
echo "   API server through the relay: GET /version median $RTT_API ms" >&2
fleet_ask stats > /dev/null  # count requests from here on
echo "== kubectl-redis_audit (warm-up run first, not counted)" >&2
measure warm-up "$PODS" "$KC"
median fixed "$REPEAT" 0 "$KC" -l app.kubernetes.io/name=none-such
median default "$REPEAT" "$PODS" "$KC"
median default-no-keys "$REPEAT" "$PODS" "$KC" --no-keys
median c16 "$REPEAT" "$PODS" "$KC" --concurrency 16
median c1 "$REPEAT" "$PODS" "$KC" --concurrency 1
median c1-no-keys "$REPEAT" "$PODS" "$KC" --concurrency 1 --no-keys
median direct-default "$REPEAT" "$PODS" "$KC_DIRECT"
median direct-c1 "$REPEAT" "$PODS" "$KC_DIRECT" --concurrency 1

echo "== one pod as its redis-server sees it (MONITOR), --concurrency 1 through the relay" >&2
read -r MON_NS MON_POD _ MON_PASS < "$WORK/pods.tsv"
MON_SOCK="$(echo "$FIRST" | json "[p['socket'] for p in d['pods'] if p['name'] == '$MON_POD'][0]")"
[ "$MON_PASS" = - ] && MON_PASS=""
REDISCLI_AUTH="$MON_PASS" redis-cli -s "$MON_SOCK" MONITOR > "$WORK/monitor.log" 2> /dev/null &
MON_PID=$!
sleep 0.3
"$TOOL" --kubeconfig "$KC" -n "$MON_NS" -o json "$MON_POD" > "$WORK/monitor-audit.out" 2> "$WORK/monitor-audit.err" || true
sleep 0.3
kill "$MON_PID" 2> /dev/null || true
wait "$MON_PID" 2> /dev/null || true
fleet_ask stats > /dev/null
# Commands that reach the server within 0.3 ms of each other came in one round trip (a
# pipeline); runs of the same kind of round trip are folded: "MEMORY USAGE SAMPLES 0 x30".
MONITOR_NOTE="$(python3 - "$WORK/monitor.log" "$MON_NS/$MON_POD" <<'PY'
import re, sys
cmds = []
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r'^(\d+\.\d+) \[[^]]*\] (.*)$', line.strip())
    if not m:
        continue
    words = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
    if not words:
        continue
    name = words[0].upper()
    if name in ("MEMORY", "CLIENT", "INFO", "CONFIG") and len(words) > 1:
        name += " " + words[1].upper()
    if words[0].upper() == "MEMORY" and "SAMPLES" in [w.upper() for w in words]:
        name += " SAMPLES " + words[[w.upper() for w in words].index("SAMPLES") + 1]
    cmds.append((float(m.group(1)), name))
if not cmds:
    print("- MONITOR saw nothing"); sys.exit()
bursts = []
for t, name in cmds:
    if bursts and t - bursts[-1][1] < 0.0003:
        bursts[-1][1] = t; bursts[-1][2].append(name)
    else:
        bursts.append([t, t, [name]])
def label(names):
    seen = []
    for n in names:
        if n not in seen: seen.append(n)
    return " + ".join(seen) + (f" ({len(names)} commands)" if len(names) > 1 else "")
groups = []
for i, (start, _, names) in enumerate(bursts):
    end = bursts[i + 1][0] if i + 1 < len(bursts) else bursts[i][1]
    l = label(names)
    if groups and groups[-1][0] == l:
        groups[-1][1] += 1; groups[-1][2] += end - start
    else:
        groups.append([l, 1, end - start])
span = (cmds[-1][0] - cmds[0][0]) * 1000
parts = ", ".join(f"{l}" + (f" x{n} ({t * 1000:.0f} ms)" if n > 1 else "") for l, n, t in groups)
print(f"- one pod ({sys.argv[2]}) as its redis-server saw it (MONITOR): {len(cmds)} commands in {len(bursts)} round trips over {span:.0f} ms, in order: {parts} (MONITOR hides CONFIG: the CONFIG GETs ride in the INFO ALL pipeline)")
PY
)"
echo "   ${MONITOR_NOTE#- }" >&2

echo "== shell loop: one redis-cli process per command, through a relay per pod" >&2
fleet_ask loop-relays | python3 -c '
import json, sys
for r in json.loads(sys.stdin.readline())["relays"]:
    print(r["namespace"], r["name"], r["relay"].rsplit(":", 1)[1])' > "$WORK/loop.relays"
[ "$(wc -l < "$WORK/loop.relays")" = "$PODS" ] || { echo "loop relays missing" >&2; exit 1; }
FIRST_LOOP_PORT="$(awk 'NR==1{print $3}' "$WORK/loop.relays")"
FIRST_LOOP_PASS="$(awk 'NR==1{print $4}' "$WORK/pods.tsv")"
RTT_REDIS="$(rtt "$FIRST_LOOP_PORT")"
RTT_FRESH="$(rtt "$FIRST_LOOP_PORT" fresh)"
echo "   relay PING RTT: $RTT_REDIS ms on one connection, $RTT_FRESH ms from connect() on a new one" >&2
paste -d' ' "$WORK/pods.tsv" <(awk '{print $3}' "$WORK/loop.relays") > "$WORK/loop.pods"
if ! diff <(cut -d' ' -f1,2 "$WORK/pods.tsv") <(cut -d' ' -f1,2 "$WORK/loop.relays") > /dev/null; then
  echo "loop relays are not in the fleet's pod order" >&2; exit 1
fi

# What a runbook does per pod, one process per command (as `kubectl exec POD -- redis-cli ...`
# would start one exec session each): the one-shot commands, then the two key scans.
ONE_SHOT=("INFO memory" "CONFIG GET maxmemory" "CONFIG GET maxmemory-policy" "INFO stats" "INFO keyspace" "DBSIZE" "MEMORY DOCTOR")
SCANS=("--bigkeys" "--memkeys")
HAVE_KUBECTL=0; command -v kubectl > /dev/null && HAVE_KUBECTL=1
declare -A LOOP_ONE LOOP_SCAN LOOP_LIST
loop_run() {
  local name="$1" out="$WORK/$1.out" t0 t1 a b c ns pod flavor pass port cmd one=0 scan=0 list=0
  # shellcheck disable=SC2034 # pod and flavor: read for the column order
  : > "$out"
  t0="$EPOCHREALTIME"
  if [ "$HAVE_KUBECTL" = 1 ]; then
    kubectl --kubeconfig "$KC" get pods -A -o name >> "$out"
    list="$(echo "$EPOCHREALTIME - $t0" | bc -l)"
  fi
  while read -r ns pod flavor pass port; do
    # As the pod's env gives it; an empty REDISCLI_AUTH would still send AUTH.
    if [ "$pass" = - ]; then unset REDISCLI_AUTH; else export REDISCLI_AUTH="$pass"; fi
    a="$EPOCHREALTIME"
    for cmd in "${ONE_SHOT[@]}"; do
      # shellcheck disable=SC2086 # split "INFO memory" into words, as typed
      redis-cli -h 127.0.0.1 -p "$port" $cmd < /dev/null >> "$out"
    done
    b="$EPOCHREALTIME"
    for cmd in "${SCANS[@]}"; do
      redis-cli -h 127.0.0.1 -p "$port" "$cmd" < /dev/null >> "$out"
    done
    c="$EPOCHREALTIME"
    one="$(echo "$one + $b - $a" | bc -l)"; scan="$(echo "$scan + $c - $b" | bc -l)"
  done < "$WORK/loop.pods"
  t1="$EPOCHREALTIME"
  unset REDISCLI_AUTH
  WALL[$name]="$(echo "$t1 - $t0" | bc -l)"
  LOOP_ONE[$name]="$one"; LOOP_SCAN[$name]="$scan"; LOOP_LIST[$name]="$list"
  # Every pod answered DBSIZE with its key count (auth worked, the data is there).
  local sized
  sized="$(grep -cx "$KEYS_PER_POD" "$out" || true)"
  if [ "$sized" -lt "$PODS" ]; then echo "$name: only $sized pods answered DBSIZE $KEYS_PER_POD" >&2; exit 1; fi
  printf '   %-22s wall %6.2f s  (kubectl get pods %.2f s, one-shot commands %.2f s, scans %.2f s)\n' \
    "$name" "${WALL[$name]}" "$list" "$one" "$scan" >&2
}
for i in $(seq 1 "$LOOP_REPEAT"); do loop_run "loop.$i"; done
PICK="$(for i in $(seq 1 "$LOOP_REPEAT"); do echo "${WALL[loop.$i]} $i"; done | sort -n | awk -v m=$(((LOOP_REPEAT + 1) / 2)) 'NR==m{print $2}')"
WALL[loop]="${WALL[loop.$PICK]}"; LOOP_ONE[loop]="${LOOP_ONE[loop.$PICK]}"; LOOP_SCAN[loop]="${LOOP_SCAN[loop.$PICK]}"; LOOP_LIST[loop]="${LOOP_LIST[loop.$PICK]}"
RUNS_OF[loop]="$(for i in $(seq 1 "$LOOP_REPEAT"); do printf '%.2f ' "${WALL[loop.$i]}"; done)"
REQS[loop]="$(fleet_ask stats | json '", ".join(f"{k} {v}" for k, v in d["requests"].items())')"
fleet_ask stop-loop-relays > /dev/null
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

f2() { printf '%.2f' "$1"; }
per_pod_ms() { printf '%.1f' "$(echo "$1 * 1000 / $PODS" | bc -l)"; }
pass() { if [ "$(echo "$1" | bc -l)" = 1 ]; then echo PASS; else echo FAIL; fi; }

TABLE="$(
  printf '| run | API server | concurrency | key scan | wall s | per pod ms | loop / this | CPU s | peak RSS MiB | API requests per run | all runs: wall s |\n'
  printf '|---|---|---:|---|---:|---:|---:|---:|---:|---|---|\n'
  for n in default default-no-keys c16 c1 c1-no-keys direct-default direct-c1 fixed; do
    case $n in direct-*) where=loopback;; *) where="relay +1 ms";; esac
    case $n in *c16) conc=16;; *c1|c1-*) conc=1;; fixed) conc=-;; *) conc="8 (default)";; esac
    case $n in *no-keys) scan=no;; fixed) scan="- (0 pods: \`-l\` matches none)";; *) scan=yes;; esac
    pp="$(per_pod_ms "${WALL[$n]}")"; vs="$(printf '%.1fx' "$(echo "${WALL[loop]} / ${WALL[$n]}" | bc -l)")"
    [ "$n" = fixed ] && { pp=-; vs=-; }
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$where" "$conc" "$scan" \
      "$(f2 "${WALL[$n]}")" "$pp" "$vs" "${CPU[$n]}" "${RSS[$n]}" "${REQS[$n]}" "${RUNS_OF[$n]}"
  done
  printf '| shell loop | relay +1 ms | 1 | `--bigkeys` + `--memkeys` | %s | %s | 1.0x | - | - | %s | %s |\n' \
    "$(f2 "${WALL[loop]}")" "$(per_pod_ms "${WALL[loop]}")" "${REQS[loop]}" "${RUNS_OF[loop]}"
)"
# Where a pod's time goes, at --concurrency 1 (medians): through the relay minus without it is
# what the 1 ms round trips cost; with the scan minus without it is the scan.
LAT_MS="$(echo "(${WALL[c1]} - ${WALL[direct-c1]}) * 1000 / $PODS" | bc -l)"
SCAN_MS="$(echo "(${WALL[c1]} - ${WALL[c1-no-keys]}) * 1000 / $PODS" | bc -l)"
NOTES="$(
  printf -- '- per pod at --concurrency 1: %s ms through the relay, %s ms without it; the difference, %.1f ms, is waiting on the network: about %.0f round trips of %s ms\n' \
    "$(per_pod_ms "${WALL[c1]}")" "$(per_pod_ms "${WALL[direct-c1]}")" "$LAT_MS" "$(echo "$LAT_MS / $RTT_REDIS" | bc -l)" "$RTT_REDIS"
  printf -- '- of which the key scan (%s keys): %.1f ms per pod (c1 minus c1-no-keys); everything else (events, Secret, port-forward, AUTH, INFO/CONFIG/MEMORY pipeline): %s ms\n' \
    "$KEYS_PER_POD" "$SCAN_MS" "$(per_pod_ms "${WALL[c1-no-keys]}")"
  printf -- '- a new connection through a relay waits for its accept: first PONG %s ms after connect() against %s ms on an open one, so about %.1f ms more per connection; the loop opens %s per pod, the audit one port-forward per pod (and its API connections once)\n' \
    "$RTT_FRESH" "$RTT_REDIS" "$(echo "$RTT_FRESH - $RTT_REDIS" | bc -l)" "$((${#ONE_SHOT[@]} + ${#SCANS[@]}))"
  printf -- '- tool CPU per pod: %.1f ms at --concurrency 1, %.1f ms at the default (user + sys over %s pods)\n' \
    "$(echo "${CPU[c1]} * 1000 / $PODS" | bc -l)" "$(echo "${CPU[default]} * 1000 / $PODS" | bc -l)" "$PODS"
  printf -- '- fixed cost (start, kubeconfig, list pods, exit; no pod audited): %s s\n' "$(f2 "${WALL[fixed]}")"
  printf -- '- default concurrency over --concurrency 1: %.1fx faster; 16 over the default: %.2fx\n' \
    "$(echo "${WALL[c1]} / ${WALL[default]}" | bc -l)" "$(echo "${WALL[default]} / ${WALL[c16]}" | bc -l)"
  echo "$MONITOR_NOTE"
  printf -- '- shell loop: %s s in all: `kubectl get pods -A` %s s, one-shot commands %s s (%s ms per pod), scans %s s (%s ms per pod)\n' \
    "$(f2 "${WALL[loop]}")" "$(f2 "${LOOP_LIST[loop]:-0}")" "$(f2 "${LOOP_ONE[loop]}")" "$(per_pod_ms "${LOOP_ONE[loop]}")" \
    "$(f2 "${LOOP_SCAN[loop]}")" "$(per_pod_ms "${LOOP_SCAN[loop]}")"
)"
TARGETS="$(
  echo "- whole fleet ($PODS pods) in < $TARGET_S s at the default concurrency, 1 ms RTT: $(pass "${WALL[default]} < $TARGET_S") ($(f2 "${WALL[default]}") s; $(per_pod_ms "${WALL[default]}") ms per pod)"
  echo "- every run: all $PODS pods in the JSON with status \`audited\`: PASS (a run that is not is rejected and the script stops)"
)"
report() { echo "$TABLE"; echo; echo "$NOTES"; echo; echo "$TARGETS"; }
echo
report

if [ "${BENCH_NO_RECORD:-0}" = 1 ]; then exit 0; fi
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC: audit-fleet"
  echo
  echo "- machine: nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Linux $(uname -r); load average $LOAD_BEFORE before, $LOAD_AFTER after (other work may share the machine)"
  echo "- redis-audit at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' + uncommitted changes')$(git -C "$ROOT" status --porcelain --untracked-files=normal 2>/dev/null | grep -q '^??' && echo ' + untracked files'); $(rustc --version)"
  echo "- fleet: \`target/release/examples/fleet --pods $PODS --keys $KEYS_PER_POD --one-way $ONE_WAY\` (testkit KubeApiServer, started in $STARTED_MS ms): $PODS Redis pods in 5 namespaces ($FLAVORS; bitnami: limit 256Mi, maxmemory 200mb, password from a Secret via \`secretKeyRef\`; official redis:7.2: no limit, no maxmemory; valkey: limit 128Mi, maxmemory 100mb), $KEYS_PER_POD keys each, plus 10 app pods that are not Redis; every backend is $(redis-server --version | cut -d' ' -f1-3)"
  echo "- relay: testkit LatencyRelay, $ONE_WAY each way, in front of the API server (the kubeconfig points at it: every request and port-forward frame pays it); median RTT $RTT_API ms for \`GET /version\` on one connection; for redis-cli one relay per backend: PING RTT $RTT_REDIS ms on one connection, $RTT_FRESH ms from connect() on a new one"
  echo "- tool runs: median of $REPEAT (all listed), after one uncounted warm-up run; the JSON of every run checked ($PODS pods, all \`audited\`); CPU s = user + sys of the tool (GNU time); 2 CPUs shared by the tool, the API server, the relays and $PODS redis-servers"
  echo "- shell loop: $LOOP_REPEAT run(s); $([ "$HAVE_KUBECTL" = 1 ] && echo "kubectl $(kubectl version --client 2>/dev/null | head -n 1 | sed 's/^Client Version: //') lists the pods once, then ")for each pod one \`$(redis-cli --version)\` process per command (as one \`kubectl exec\` each), password in \`REDISCLI_AUTH\` as the pod env gives it; a real \`kubectl exec\` adds a WebSocket/SPDY session and a process start in the container per command, so the loop is a lower bound"
  echo "- commands:"
  echo '  ```'
  echo "  kubectl-redis_audit --kubeconfig K -A -o json                      # default"
  echo "  kubectl-redis_audit --kubeconfig K -A -o json --no-keys            # default-no-keys"
  echo "  kubectl-redis_audit --kubeconfig K -A -o json --concurrency 16     # c16"
  echo "  kubectl-redis_audit --kubeconfig K -A -o json --concurrency 1      # c1 (c1-no-keys: + --no-keys)"
  echo "  kubectl-redis_audit --kubeconfig K_DIRECT -A -o json [--concurrency 1]  # direct-*: no relay"
  echo "  kubectl-redis_audit --kubeconfig K -A -o json -l app.kubernetes.io/name=none-such  # fixed"
  echo "  # shell loop"
  [ "$HAVE_KUBECTL" = 1 ] && echo "  kubectl --kubeconfig K get pods -A -o name"
  echo "  for each pod: REDISCLI_AUTH=PASS redis-cli -h 127.0.0.1 -p RELAY_OF_POD CMD, CMD in:"
  for cmd in "${ONE_SHOT[@]}" "${SCANS[@]}"; do echo "    $cmd"; done
  echo '  ```'
  echo
  report
} >> "$ROOT/bench/RESULTS.md"
echo "appended to bench/RESULTS.md" >&2
