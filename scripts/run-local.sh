#!/usr/bin/env bash
# Starts the web app and its job worker on the embedded default; stops both when either stops or on Ctrl-C.
set -euo pipefail
port="${1:-5000}"
# Links in mail (sent by the web app and by the worker) point here.
export KINDNS_BASE_URL="${KINDNS_BASE_URL:-http://127.0.0.1:${port}}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
.venv/bin/flask --app app kindns worker &
pids+=($!)
echo "KINDNS Registry on http://127.0.0.1:${port}/ (worker pid ${pids[0]})"
.venv/bin/flask --app app run --host 127.0.0.1 --port "$port" &
pids+=($!)
wait -n
