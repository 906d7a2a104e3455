#!/usr/bin/env bash
# bench/ping-noise.sh: is the worst PING during a run the tool's doing, or the machine's?
# Alternates RUNS times: SECS seconds of PING with no other client, SECS seconds with a busy
# loop on one core (what a client at full speed costs the PING probe in CPU, without touching
# Redis), and SECS seconds of the tool, on the same server and data; prints the worst and p99
# PING of each run, the server's longest command (LATENCY LATEST) and the machine's CPU steal
# time during it. Appends an entry to bench/RESULTS.md.
# Environment: RUNS (3), SECS (30), MODE (cleanup: `cleanup --delete --apply` at the default
# rate; keys: `keys` at default settings, repeated until SECS is up), PROBE_RT (0; 1: the
# probe at real-time priority, a client with a CPU of its own, see keys-vs-peers.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/bench/work/ping-noise"
RUNS="${RUNS:-3}"
SECS="${SECS:-30}"
MODE="${MODE:-cleanup}"
PROBE=(python3)
if [ "${PROBE_RT:-0}" = 1 ] && chrt -f 50 true 2>/dev/null; then PROBE=(chrt -f 50 python3); else PROBE_RT=0; fi
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
  "${PROBE[@]}" "$ROOT/bench/ping_probe.py" 127.0.0.1 "$PORT" "$WORK/stop" > "$WORK/ping" &
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
  run "busy loop $i" sh -c 'while :; do :; done'
  rm -f "$WORK/j.json"
  case "$MODE" in
    keys) run "keys $i" sh -c "while :; do '$TOOL' keys --redis-url redis://127.0.0.1:$PORT --db 0 -o json > /dev/null; done" ;;
    *) run "cleanup $i" "$TOOL" cleanup --redis-url "redis://127.0.0.1:$PORT" --pattern 'del:*' --delete --apply --no-backup --journal "$WORK/j.json" ;;
  esac
done
TABLE="$(printf '| run (%s s) | PING worst ms | PING p99 ms | server longest command ms | CPU steal (jiffies) |\n|---|---:|---:|---:|---:|\n%s' "$SECS" "$ROWS")"
echo "$TABLE"
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC: ping-noise"
  echo
  echo "- command: \`MODE=$MODE bash bench/ping-noise.sh\` (RUNS=$RUNS, SECS=$SECS, PROBE_RT=${PROBE_RT:-0}); redis-audit at $(git -C "$ROOT" rev-parse --short HEAD); $(redis-server --version | cut -d' ' -f1-3); nproc $(nproc)"
  echo "- idle: the PING probe alone against the server; busy loop: a shell loop spinning on one core, no Redis client; cleanup: \`cleanup --pattern 'del:*' --delete --apply --no-backup\` at the default rate and batch; keys: \`keys -o json\` at default settings, repeated; each cut after $SECS s"
  echo
  echo "$TABLE"
} >> "$ROOT/bench/RESULTS.md"
