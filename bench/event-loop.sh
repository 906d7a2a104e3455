#!/usr/bin/env bash
# bench/event-loop.sh: how long other clients can wait behind a scan, from the server's side.
# Redis serves clients in event-loop turns; a command from another client that arrives during
# a turn waits for the rest of it (and for the scan's next turn when its socket is first in
# epoll's ready list). This traces redis-server's epoll_wait calls with perf and prints, per
# run, the distribution of busy time between them (one turn) while the scan runs: `keys` at
# default settings, `keys --count 1000` (the old fixed batch) and `valkey-cli --memkeys
# --count 1000`; the server alone on CPU 0, the scanning client on CPU 1, 1,000,000 keys
# (DEBUG POPULATE). Needs root or perf_event_paranoid <= -1 and the syscalls tracepoints.
# Environment: RUNS (3), KEYS (1000000). Appends an entry to bench/RESULTS.md.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/bench/work/event-loop"
RUNS="${RUNS:-3}"
KEYS="${KEYS:-1000000}"
mkdir -p "$WORK"
command -v perf > /dev/null || { echo "perf not installed" >&2; exit 2; }
cargo build --release -q -p redis-audit --manifest-path "$ROOT/Cargo.toml"
TOOL="$ROOT/target/release/kubectl-redis_audit"
VALKEY_CLI="$(find "$ROOT/bench/work/venv-valkey/" -name valkey-cli -type f 2>/dev/null | head -n 1)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
taskset -c 0 redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --dir "$WORK" \
  --enable-debug-command yes --daemonize no > "$WORK/redis-server.log" 2>&1 < /dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
redis-cli -p "$PORT" DEBUG POPULATE "$KEYS" > /dev/null
# Let DEBUG POPULATE's incremental rehashing finish before the first run.
if [ -n "$VALKEY_CLI" ]; then "$VALKEY_CLI" -p "$PORT" --scan --count 1000 > /dev/null; fi
sleep 2
ROWS=""
trace() {  # trace NAME CMD...
  local name="$1" t0 t1 tracer; shift
  perf record -q -e syscalls:sys_enter_epoll_wait -e syscalls:sys_exit_epoll_wait -p "$SERVER" -o "$WORK/perf.data" 2> /dev/null &
  tracer=$!
  sleep 0.5
  t0="$(date +%s.%N)"
  taskset -c 1 "$@" > /dev/null 2>&1 || true
  t1="$(date +%s.%N)"
  kill -INT "$tracer"; wait "$tracer" || true
  local row
  row="$(perf script -i "$WORK/perf.data" -F time,event 2> /dev/null | python3 -c '
import sys
busy, left = [], None
for line in sys.stdin:
    parts = line.split()
    if len(parts) < 2:
        continue
    t = float(parts[0].rstrip(":"))
    if "exit" in parts[1]:
        left = t
    elif left is not None:
        busy.append((t - left) * 1000)
        left = None
busy.sort()
n = len(busy)
q = lambda f: busy[min(n - 1, int(n * f))]
print("| %s | %.2f | %.2f | %d | %.3f | %.3f | %.2f | %.2f | %d |" % (sys.argv[1], float(sys.argv[2]), sum(busy) / 1000, n, q(0.5), q(0.99), q(0.999), busy[-1], sum(1 for b in busy if b > 2)))
' "$name" "$(echo "$t1 - $t0" | bc -l)")"
  echo "$row" >&2
  ROWS+="$row"$'\n'
}
for i in $(seq 1 "$RUNS"); do
  trace "keys (default) $i" "$TOOL" keys --redis-url "redis://127.0.0.1:$PORT" --db 0 -o json
  trace "keys --count 1000 $i" "$TOOL" keys --redis-url "redis://127.0.0.1:$PORT" --db 0 --count 1000 -o json
  [ -n "$VALKEY_CLI" ] && trace "valkey-cli --memkeys --count 1000 $i" "$VALKEY_CLI" -h 127.0.0.1 -p "$PORT" --memkeys --count 1000
done
TABLE="$(printf '| run | wall s | server busy s | turns | turn p50 ms | p99 ms | p99.9 ms | longest ms | turns > 2 ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n%s' "$ROWS")"
echo "$TABLE"
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC: event-loop turns during a scan"
  echo
  echo "- command: \`bash bench/event-loop.sh\` (RUNS=$RUNS); redis-audit at $(git -C "$ROOT" rev-parse --short HEAD); $(redis-server --version | cut -d' ' -f1-3); $KEYS keys (DEBUG POPULATE); server on CPU 0, scanning client on CPU 1; nproc $(nproc)"
  echo "- a turn = the server's busy time between two epoll_wait calls (perf syscalls tracepoints); another client's command waits for the rest of the turn it arrives in, and at worst one more"
  echo
  echo "$TABLE"
} >> "$ROOT/bench/RESULTS.md"
