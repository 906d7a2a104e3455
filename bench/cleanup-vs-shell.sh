#!/usr/bin/env bash
# bench/cleanup-vs-shell.sh: `cleanup --pattern P --delete --apply --no-backup` against the
# runbooks' shell pipelines on identical data (issue #6). Each run starts from the same data:
# 1,000,000 keys `del:N` that match and 200,000 keys `keep:N` that do not (DEBUG POPULATE).
#
#   cleanup, unlimited rate   kubectl-redis_audit cleanup --redis-url URL --pattern 'del:*' --delete --apply --no-backup --rate 0
#   cleanup, default rate     the same without --rate (20,000 keys/s): the PING latency target
#   idle baseline             no client for as long: the PING outliers of the machine itself
#   xargs                     redis-cli --scan --pattern 'del:*' | xargs -n 1000 redis-cli unlink
#   per-key loop              redis-cli --scan --pattern 'del:*' | while read k; do redis-cli DEL "$k"; done
#                             on 10,000 keys (2,000 through the relay), extrapolated to 1,000,000
# then cleanup and xargs through testkit's latency relay (500 us each way, +1 ms round trip).
# Prints wall time, the server CPU each caused (INFO used_cpu_sys+used_cpu_user delta), wall
# over that CPU, the worst PING latency from a separate client pinging every 10 ms, and
# PASS/FAIL against the targets. Appends a dated entry to bench/RESULTS.md.
#
# Environment: KEYS (default 1000000), LOOP_KEYS (10000), RELAY_LOOP_KEYS (2000).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/bench/work/cleanup"
KEYS="${KEYS:-1000000}"
LOOP_KEYS="${LOOP_KEYS:-10000}"
RELAY_LOOP_KEYS="${RELAY_LOOP_KEYS:-2000}"
mkdir -p "$WORK"
rm -f "$WORK"/*.out "$WORK"/*.err "$WORK"/*.time "$WORK"/stop.* "$WORK"/*.journal.json

echo "== build (release)" >&2
cargo build --release -q -p redis-audit --manifest-path "$ROOT/Cargo.toml"
cargo build --release -q -p testkit --example relay --manifest-path "$ROOT/Cargo.toml"
TOOL="$ROOT/target/release/kubectl-redis_audit"
RELAY_BIN="$ROOT/target/release/examples/relay"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT="$(free_port)"
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --dir "$WORK" \
  --enable-debug-command yes --daemonize no > "$WORK/redis-server.log" 2>&1 < /dev/null &
PIDS+=("$!")
R=(redis-cli -h 127.0.0.1 -p "$PORT")
for _ in $(seq 1 100); do [ "$("${R[@]}" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done

RPORT="$(free_port)"
"$RELAY_BIN" "127.0.0.1:$RPORT" "127.0.0.1:$PORT" 500us 2> "$WORK/relay.log" &
PIDS+=("$!")
sleep 0.5

# fill N: the same data before every run.
fill() {
  "${R[@]}" FLUSHALL > /dev/null
  "${R[@]}" DEBUG POPULATE 200000 keep > /dev/null
  "${R[@]}" DEBUG POPULATE "$1" del > /dev/null
  # Let incremental rehashing finish so each run starts from the same table.
  sleep 2
}
left() { "${R[@]}" EVAL "local c,n='0',0 repeat local r=redis.call('SCAN',c,'MATCH','del:*','COUNT',1000) c=r[1] n=n+#r[2] until c=='0' return n" 0; }
kept() { "${R[@]}" EVAL "local c,n='0',0 repeat local r=redis.call('SCAN',c,'MATCH','keep:*','COUNT',1000) c=r[1] n=n+#r[2] until c=='0' return n" 0; }
srv_cpu() { "${R[@]}" INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/{s+=$2} END{printf "%.3f", s}'; }

# The server's own view: its longest command or event-loop stall (LATENCY LATEST, threshold
# 1 ms) during a run. PING outliers beyond it are CPU scheduling on a machine where server,
# client and probe share 2 cores, not time the server spent on the cleanup.
latency_reset() { "${R[@]}" CONFIG SET latency-monitor-threshold 1 > /dev/null; "${R[@]}" LATENCY RESET > /dev/null; }
latency_max() { "${R[@]}" LATENCY LATEST | awk 'NR % 4 == 0 && $1 > m {m = $1} END {print m + 0}'; }

declare -A WALL CPU PING P99 DONE STALL
# measure NAME KEYS_DELETED_EXPECTED CMD...: runs CMD with a PING probe alongside.
measure() {
  local name="$1" expect="$2"; shift 2
  local stop="$WORK/stop.$name" cpu0 cpu1 t0 t1 probe
  rm -f "$stop"
  python3 "$ROOT/bench/ping_probe.py" 127.0.0.1 "$PORT" "$stop" > "$WORK/$name.ping" &
  probe=$!
  PIDS+=("$probe")
  sleep 0.2
  latency_reset
  cpu0="$(srv_cpu)"
  t0="$(date +%s.%N)"
  "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || true
  t1="$(date +%s.%N)"
  cpu1="$(srv_cpu)"
  touch "$stop"
  wait "$probe" || true
  WALL[$name]="$(echo "$t1 - $t0" | bc -l)"
  CPU[$name]="$(echo "$cpu1 - $cpu0" | bc -l)"
  PING[$name]="$(awk '{print $1}' "$WORK/$name.ping")"
  P99[$name]="$(awk '{print $3}' "$WORK/$name.ping")"
  STALL[$name]="$(latency_max 2>/dev/null || echo '?')"
  local l k; l="$(left)"; k="$(kept)"
  DONE[$name]="$((expect - l)) deleted, $l left, $k keep:* kept"
  printf '   %-24s wall %8.2f s  server CPU %6.2f s  PING worst %6s / p99 %5s ms  server stall %3s ms  %s\n' \
    "$name" "${WALL[$name]}" "${CPU[$name]}" "${PING[$name]}" "${P99[$name]}" "${STALL[$name]}" "${DONE[$name]}" >&2
}

URL="redis://127.0.0.1:$PORT"
RURL="redis://127.0.0.1:$RPORT"
CLEAN=(--pattern 'del:*' --delete --apply --no-backup -o json)

echo "== loopback, $KEYS keys" >&2
fill "$KEYS"; measure cleanup "$KEYS" "$TOOL" cleanup --redis-url "$URL" "${CLEAN[@]}" --rate 0 --journal "$WORK/a.journal.json"
fill "$KEYS"; measure xargs "$KEYS" bash -c "redis-cli -h 127.0.0.1 -p $PORT --scan --pattern 'del:*' | xargs -n 1000 redis-cli -h 127.0.0.1 -p $PORT unlink > /dev/null"
fill "$LOOP_KEYS"; measure loop "$LOOP_KEYS" bash -c "redis-cli -h 127.0.0.1 -p $PORT --scan --pattern 'del:*' | while read -r k; do redis-cli -h 127.0.0.1 -p $PORT DEL \"\$k\" > /dev/null; done"
fill "$KEYS"; measure cleanup-default-rate "$KEYS" "$TOOL" cleanup --redis-url "$URL" "${CLEAN[@]}" --journal "$WORK/b.journal.json"
# The machine's own noise: the same PING probe for as long, with no client at all.
fill "$KEYS"; measure idle-baseline "$KEYS" sleep "$(printf '%.0f' "${WALL[cleanup-default-rate]}")"

echo "== through the latency relay (500 us each way)" >&2
fill "$KEYS"; measure relay-cleanup "$KEYS" "$TOOL" cleanup --redis-url "$RURL" "${CLEAN[@]}" --rate 0 --journal "$WORK/c.journal.json"
fill "$KEYS"; measure relay-xargs "$KEYS" bash -c "redis-cli -h 127.0.0.1 -p $RPORT --scan --pattern 'del:*' | xargs -n 1000 redis-cli -h 127.0.0.1 -p $RPORT unlink > /dev/null"
fill "$RELAY_LOOP_KEYS"; measure relay-loop "$RELAY_LOOP_KEYS" bash -c "redis-cli -h 127.0.0.1 -p $RPORT --scan --pattern 'del:*' | while read -r k; do redis-cli -h 127.0.0.1 -p $RPORT DEL \"\$k\" > /dev/null; done"

ratio() { echo "scale=2; $1 / $2" | bc -l; }
pass() { if [ "$(echo "$1" | bc -l)" = 1 ]; then echo PASS; else echo FAIL; fi; }
LOOP_1M="$(echo "${WALL[loop]} * $KEYS / $LOOP_KEYS" | bc -l)"
RELAY_LOOP_1M="$(echo "${WALL[relay-loop]} * $KEYS / $RELAY_LOOP_KEYS" | bc -l)"
VS_XARGS="$(ratio "${WALL[xargs]}" "${WALL[cleanup]}")"
VS_LOOP="$(ratio "$LOOP_1M" "${WALL[cleanup]}")"
WALL_OVER_CPU="$(ratio "${WALL[cleanup]}" "${CPU[cleanup]}")"
RELAY_PER_M="$(echo "scale=2; ${WALL[relay-cleanup]} * 1000000 / $KEYS" | bc -l)"
RELAY_VS_XARGS="$(ratio "${WALL[relay-xargs]}" "${WALL[relay-cleanup]}")"

TABLE="$(
  printf '| run | where | keys | wall s | server CPU s | wall / server CPU | PING worst ms | PING p99 ms | server stall ms | result |\n'
  printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n'
  for n in cleanup xargs loop cleanup-default-rate idle-baseline relay-cleanup relay-xargs relay-loop; do
    case $n in relay-*) where="relay +1 ms";; *) where=loopback;; esac
    case $n in loop) k=$LOOP_KEYS;; relay-loop) k=$RELAY_LOOP_KEYS;; *) k=$KEYS;; esac
    printf '| %s | %s | %s | %.2f | %.2f | %.2f | %s | %s | %s | %s |\n' "$n" "$where" "$k" "${WALL[$n]}" "${CPU[$n]}" \
      "$(echo "${WALL[$n]} / ${CPU[$n]}" | bc -l)" "${PING[$n]}" "${P99[$n]}" "${STALL[$n]}" "${DONE[$n]}"
  done
)"
TARGETS="$(
  echo "- >= 3x faster than redis-cli --scan | xargs -n 1000 redis-cli unlink: $(pass "$VS_XARGS >= 3") (${VS_XARGS}x)"
  echo "- >= 500x faster than the per-key loop (extrapolated to $KEYS keys: $(printf '%.0f' "$LOOP_1M") s): $(pass "$VS_LOOP >= 500") (${VS_LOOP}x)"
  echo "- wall <= 1.2x the server CPU it causes (unlimited rate): $(pass "$WALL_OVER_CPU <= 1.2") (${WALL_OVER_CPU}x)"
  echo "- relay: < 5 s per million keys: $(pass "$RELAY_PER_M < 5") (${RELAY_PER_M} s; xargs through the relay ${RELAY_VS_XARGS}x slower; per-key loop extrapolated $(printf '%.0f' "$RELAY_LOOP_1M") s)"
  echo "- worst PING < 5 ms at the default rate: $(pass "${PING[cleanup-default-rate]} < 5") (${PING[cleanup-default-rate]} ms; p99 ${P99[cleanup-default-rate]} ms; the server's longest stall ${STALL[cleanup-default-rate]} ms; with no client at all for as long: worst ${PING[idle-baseline]} ms, p99 ${P99[idle-baseline]} ms)"
)"
echo
echo "$TABLE"
echo
echo "$TARGETS"

{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC: cleanup-vs-shell"
  echo
  echo "- machine: nproc $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); Linux $(uname -r)"
  echo "- redis-audit at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' + uncommitted changes'); $(rustc --version)"
  echo "- server: $(redis-server --version | cut -d' ' -f1-3), loopback, persistence off; before each run: FLUSHALL, DEBUG POPULATE 200000 keep, DEBUG POPULATE N del; $(redis-cli --version)"
  echo "- command: \`bash bench/cleanup-vs-shell.sh\`; one run each; 2 CPUs shared by server, client, relay and PING probe; cleanup uses its default --batch: 2000 at --rate 0, 500 at the default rate"
  echo
  echo "$TABLE"
  echo
  echo "$TARGETS"
} >> "$ROOT/bench/RESULTS.md"
echo "appended to bench/RESULTS.md" >&2
