#!/usr/bin/env bash
# `make demo`: the registry with demo participants whose zones and resolvers are those of the DNS lab (real
# BIND, Knot and Unbound servers on loopback addresses, started here), measured by the worker as it would
# measure any zone. Everything lives in instance/demo/, made afresh at each start (the lab's addresses change
# from one start to the next). Needs root, or sudo, for the lab's loopback addresses.
set -euo pipefail
port="${1:-5000}"
demo="instance/demo"
rm -rf "$demo"
mkdir -p "$demo"
facts="$(pwd)/$demo/lab.json"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

lab_pid=""
cleanup() { [ -n "$lab_pid" ] && $sudo kill "$lab_pid" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
$sudo .venv/bin/python -m tests.dnslab.serve "$facts" &
lab_pid=$!
for _ in $(seq 1 120); do [ -s "$facts" ] && break; kill -0 "$lab_pid" 2>/dev/null || exit 1; sleep 0.5; done
[ -s "$facts" ] || { echo "the DNS lab did not start"; exit 1; }

# The lab's settings (root hints, trust anchor, test names...) become the demo registry's configuration.
.venv/bin/python - "$facts" "$demo/config.py" <<'PY'
import json, sys
facts = json.load(open(sys.argv[1]))
with open(sys.argv[2], "w") as config:
    for key, value in sorted(facts["settings"].items()):
        config.write(f"{key} = {value!r}\n")
PY
export KINDNS_INSTANCE_PATH="$(pwd)/$demo"
.venv/bin/flask --app app db upgrade
.venv/bin/flask --app app kindns seed-demo --lab "$facts"
./scripts/run-local.sh "$port"
