#!/usr/bin/env bash
# bench/ping-noise.sh: is the worst PING during a default-rate cleanup the cleanup's doing, or
# the machine's? Alternates RUNS times: SECS seconds of PING with no other client, then SECS
# seconds of `cleanup --delete --apply` at the default rate, on the same server and data, and
# prints the worst and p99 PING of each run, the server's longest command (LATENCY LATEST) and
# the CPU steal time of the machine during it. Appends an entry to bench/RESULTS.md.
# Environment: RUNS (3), SECS (30).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/bench/work/ping-noise"
RUNS="${RUNS:-3}"
SECS="${SECS:-30}"
mkdir -p "$WORK"
rm -f "$WORK"/*
cargo build --release -q -p redis-audit --manifest-path "$ROOT/Cargo.toml"
TOOL="$ROOT/target/release/kubectl-redis_audit"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --dir "$WORK" \
  --enable-debug-command yes --daemonize no > "$WORK/redis-server.log" 2>&1 < /dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
R=(redis-cli -h 127.0.0.1 -p "$PORT")
for _ in $(seq 1 100); do [ "$("${R[@]}" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
steal() { awk '/^cpu /{print $9}' /proc/stat; }
ROWS=""
run() {  # run NAME CMD...
  local name="$1" s0 s1; shift
  "${R[@]}" FLUSHALL > /dev/null
  "${R[@]}" DEBUG POPULATE 200000 keep > /dev/null
  "${R[@]}" DEBUG POPULATE 1000000 del > /dev/null
  sleep 2
  "${R[@]}" CONFIG SET latency-monitor-threshold 1 > /dev/null
  "${R[@]}" LATENCY RESET > /dev/null
  rm -f "$WORK/stop"
  python3 "$ROOT/bench/ping_probe.py" 127.0.0.1 "$PORT" "$WORK/stop" > "$WORK/ping" &
  local probe=$!
  s0="$(steal)"
  timeout "$SECS" "$@" > /dev/null 2>&1 || true
  s1="$(steal)"
  touch "$WORK/stop"; wait "$probe" || true
  local stall; stall="$("${R[@]}" LATENCY LATEST | awk 'NR % 4 == 0 && $1 > m {m = $1} END {print m + 0}')"
  local row; row="$(printf '| %s | %s | %s | %s | %s |' "$name" "$(awk '{print $1}' "$WORK/ping")" "$(awk '{print $3}' "$WORK/ping")" "$stall" "$((s1 - s0))")"
  echo "$row" >&2
  ROWS+="$row"$'\n'
}
for i in $(seq 1 "$RUNS"); do
  run "idle $i" sleep "$SECS"
  rm -f "$WORK/j.json"
  run "cleanup $i" "$TOOL" cleanup --redis-url "redis://127.0.0.1:$PORT" --pattern 'del:*' --delete --apply --no-backup --journal "$WORK/j.json"
done
TABLE="$(printf '| run (%s s) | PING worst ms | PING p99 ms | server longest command ms | CPU steal (jiffies) |\n|---|---:|---:|---:|---:|\n%s' "$SECS" "$ROWS")"
echo "$TABLE"
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC: ping-noise"
  echo
  echo "- command: \`bash bench/ping-noise.sh\` (RUNS=$RUNS, SECS=$SECS); redis-audit at $(git -C "$ROOT" rev-parse --short HEAD); $(redis-server --version | cut -d' ' -f1-3); nproc $(nproc)"
  echo "- idle: the PING probe alone against the server; cleanup: \`cleanup --pattern 'del:*' --delete --apply --no-backup\` at the default rate and batch, cut after $SECS s"
  echo
  echo "$TABLE"
} >> "$ROOT/bench/RESULTS.md"
