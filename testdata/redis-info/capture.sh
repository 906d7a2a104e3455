#!/usr/bin/env bash
# Captures INFO all and CONFIG GET * from a real server after a small, fixed workload.
#   capture.sh SERVER_BIN OUT_DIR
# The server runs on a unix socket in a temp dir (no TCP port); the installed redis-cli talks to it.
# Workload: evictions (allkeys-lru at maxmemory 1), OOM errors (noeviction at maxmemory 1), then
# maxmemory 100mb allkeys-lru, 100 keys in db0 (40 with a TTL), 10 in db3 (all with a TTL), one
# KEYS, one WRONGTYPE error and one unknown command; last, a BGSAVE that fails because its
# directory was deleted (rdb_last_bgsave_status:err).
set -euo pipefail
bin=$1 out=$2
dir=$(mktemp -d)
trap 'kill "$(cat "$dir/pid" 2>/dev/null)" 2>/dev/null || true; sleep 0.2; rm -rf "$dir"' EXIT
mkdir "$dir/data"
"$bin" --port 0 --unixsocket "$dir/r.sock" --dir "$dir/data" --save "" --appendonly no \
  --daemonize yes --pidfile "$dir/pid" --logfile "$dir/log" >/dev/null
for _ in $(seq 50); do redis-cli -s "$dir/r.sock" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
cli() { redis-cli -s "$dir/r.sock" "$@"; }
for i in $(seq 50); do echo "SET victim:$i xxxxxxxxxxxxxxxxxxxx"; done | cli >/dev/null
cli CONFIG SET maxmemory-policy allkeys-lru >/dev/null
cli CONFIG SET maxmemory 1 >/dev/null
cli SET evicts-the-rest 1 >/dev/null || true
cli CONFIG SET maxmemory-policy noeviction >/dev/null
for _ in 1 2 3; do cli SET rejected 1 >/dev/null || true; done
cli CONFIG SET maxmemory 100mb >/dev/null
cli CONFIG SET maxmemory-policy allkeys-lru >/dev/null
{
  for i in $(seq 60); do echo "SET user:$i:profile name=user$i"; done
  for i in $(seq 40); do echo "SET session:$i data$i EX 3600"; done
  echo "SELECT 3"
  for i in $(seq 10); do echo "HSET cache:$i f v"; echo "EXPIRE cache:$i 600"; done
} | cli >/dev/null
cli KEYS 'user:1*' >/dev/null
cli HGET user:1:profile name >/dev/null 2>&1 || true
cli NOSUCHCOMMAND >/dev/null 2>&1 || true
rm -rf "$dir/data"
cli BGSAVE >/dev/null
sleep 1  # the active expire cycle (10 Hz) computes avg_ttl
cli INFO all > "$out/info.txt"
cli CONFIG GET '*' > "$out/config.txt"
"$bin" --version > "$out/version.txt"
