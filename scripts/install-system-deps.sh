#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need (DNS servers, the browser, zonemaster-cli),
# only those missing. Run as root or with sudo available.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }  # sbin may be off PATH
have named || need+=(bind9)
have dnssec-signzone || need+=(bind9-utils)
have dig || need+=(bind9-dnsutils)
have unbound || need+=(unbound)
have unbound-control || need+=(unbound)
have knotd || need+=(knot)
have nsd-checkconf || need+=(nsd)          # checkers of the fix-it advice for software not in the lab
have pdns_server || need+=(pdns-server)
have pdns_recursor || need+=(pdns-recursor)
have chromium || need+=(chromium)
have ip || need+=(iproute2)
if [ "${1:-}" = "--bench" ]; then
  have zonemaster-cli || need+=(zonemaster-cli)
  have wrk || need+=(wrk)  # the web load test (make bench-load)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "Installing system packages: ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The tests need the named program, not the system service: a running one would take the lab's addresses.
# The same for the servers whose configuration checkers the tests use (nsd, pdns, pdns-recursor).
for service in named nsd pdns pdns-recursor; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
    $sudo systemctl disable --now "$service"
  fi
done
