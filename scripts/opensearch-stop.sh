#!/usr/bin/env bash
# Stops the node scripts/opensearch-start.sh started, by its recorded pid (never by process name).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${AISLE_OPENSEARCH_DIR:-$root/.data/opensearch}
pidfile="$dir/opensearch.pid"
if [ ! -f "$pidfile" ]; then
  echo "opensearch-stop: not running (no $pidfile)" >&2
  exit 0
fi
pid=$(cat "$pidfile")
if kill -TERM "$pid" 2>/dev/null; then
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "opensearch-stop: pid $pid still alive after 15 s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
fi
rm -f "$pidfile"
echo "opensearch-stop: stopped (pid $pid)" >&2
