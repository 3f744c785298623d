#!/usr/bin/env bash
# Starts the web app (and, once the registry has background jobs, its worker) on the embedded default.
set -euo pipefail
port="${1:-5000}"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
echo "KINDNS Registry on http://127.0.0.1:${port}/"
.venv/bin/flask --app app run --host 127.0.0.1 --port "$port" &
pids+=($!)
wait -n
