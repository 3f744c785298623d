"""Benchmark of the check engine against the DNS lab, with zonemaster-cli for comparison.

    python -m tests.bench [--zones 10 100 1000] [--concurrency N] [--with-zonemaster [--zonemaster-sample K]]
                          [--profile]

Starts the lab with as many well-run signed zones as the largest N (copies of the lab's good zone, each
its own signed zone with its own key and DS, on the good zone's BIND and Knot servers), then for each
N checks N of them with the engine's defaults (concurrency, timeouts, worker processes for large runs),
each N in a fresh process so that its peak memory (max RSS, the largest of that process and its workers)
is its own. Prints, per N: seconds, zones per second, CPU seconds and milliseconds per zone (the
checking processes only, not the lab's servers), DNS queries sent per zone (counted where they leave
the engine; shared answers such as the parent's keys are sent once per run), probes per zone (the
answers each report cites, shared ones included), peak memory, whether every zone got the verdicts a
well-run zone must get (every check passes) — beside the figures recorded earlier on the same bench
(tests/bench_reference.json, each with the commit it measured). With `--with-zonemaster`, times
`zonemaster-cli` (one process per zone, as it is run) on a sample of the same zones. `--profile` prints
a cProfile of the largest N, checked in one process.

The machine's load average is printed first: other work on the same cores slows every figure.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

TARGET_SECONDS_FOR_1000 = 15.0
# Figures recorded earlier on this bench, each with the commit it measured, printed beside today's.
REFERENCE_FILE = Path(__file__).with_name("bench_reference.json")


def reference_lines(count: int) -> list[str]:
    """The recorded figures for `count` zones, one line per recorded engine, oldest first."""
    lines = []
    for entry in json.loads(REFERENCE_FILE.read_text())["engines"]:
        figures = entry["figures"].get(str(count))
        if figures is None:
            continue
        if isinstance(figures, str):
            lines.append(f"commit {entry['commit']} ({entry['when']}): {figures}")
            continue
        parts = [f"{figures['seconds']:.2f} s", f"{count / figures['seconds']:.1f} zones/s",
                 f"{figures['cpu_ms_per_zone']:.1f} ms CPU/zone"]
        if "queries_per_zone" in figures:
            parts.append(f"{figures['queries_per_zone']:.1f} queries/zone")
        parts += [f"{figures['probes_per_zone']:.1f} probes/zone", f"{figures['max_rss_mib']:.0f} MiB"]
        lines.append(f"commit {entry['commit']} ({entry['when']}): {', '.join(parts)}")
    return lines


def lab_description(lab) -> dict:
    """What a worker process needs to aim the engine at the lab."""
    return {
        "root_hints": str(lab.root_hints), "trust_anchor": str(lab.trust_anchor),
        "asn_zone_v4": lab.asn_zone_v4, "signed_name": lab.signed_name, "bogus_name": lab.bogus_name,
        "qname_min_name": lab.qname_min_name, "qname_min_marker": lab.qname_min_marker, "tls_ca": str(lab.tls_ca),
        "zones": list(lab.bench_zones),
    }


def worker(description_file: str, count: int, concurrency: int | None, profile: bool) -> None:
    """Check `count` zones in this process and print one JSON line with the figures."""
    from kindns.checks import CheckConfig, ZONE_CHECKS, iter_zone_reports
    from kindns.checks.runner import RunStats, processes_for
    from tests.checks.labconfig import config_for_lab

    description = json.loads(Path(description_file).read_text())
    lab = SimpleNamespace(**{**description, "root_hints": Path(description["root_hints"]),
                             "trust_anchor": Path(description["trust_anchor"]), "tls_ca": Path(description["tls_ca"])})
    # The engine's own defaults (timeouts, concurrency, processes), not the live tests' settings.
    engine_defaults = {name: CheckConfig.__dataclass_fields__[name].default
                       for name in ("timeout", "retries", "zone_deadline", "concurrency", "processes")}
    overrides = {**engine_defaults, **({"concurrency": concurrency} if concurrency else {})}
    if profile:
        overrides["processes"] = 1  # a profile of this process only means something if the work is here
    config = config_for_lab(lab, **overrides)
    names = list(itertools.islice(itertools.cycle(description["zones"]), count))
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    verdicts: dict[str, int] = {}
    unexpected = probes = 0
    stats = RunStats()
    started, cpu_started = time.perf_counter(), time.process_time()
    # Like the registry's worker: each report is used (here: tallied) and dropped as it arrives.
    for report in iter_zone_reports(names, config, stats):
        probes += len(report.snapshot["probes"])
        for result in report.checks:
            verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
        unexpected += [r.verdict for r in report.checks] != ["pass"] * len(ZONE_CHECKS)
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = time.process_time() - cpu_started + children.ru_utime + children.ru_stime
    if profiler is not None:
        import pstats
        profiler.disable()
        for order in ("tottime", "cumulative"):
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(30)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "zones": count, "seconds": seconds, "cpu_seconds": cpu_seconds, "concurrency": config.concurrency,
        "processes": processes_for(count, config), "max_rss_mib": max(own, children.ru_maxrss) / 1024,
        "verdicts": verdicts, "unexpected": unexpected, "probes_per_zone": probes / count,
        "queries_per_zone": stats.queries / count,
    }))


def run_worker(description_file: Path, count: int, concurrency: int | None, profile: bool) -> dict:
    command = [sys.executable, "-m", "tests.bench", "--worker", str(description_file), "--count", str(count)]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    if profile:
        command.append("--profile")
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"worker for {count} zones failed:\n{done.stderr[-3000:]}")
    if profile:
        print(done.stderr, file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_zonemaster(lab, zones: list[str]) -> list[dict]:
    """For each zone, one `zonemaster-cli` process pointed at the lab's root: its seconds, CPU seconds,
    peak memory, exit code and the tags of its messages at ERROR or above."""
    results = []
    for zone in zones:
        started = time.perf_counter()
        with tempfile.TemporaryFile() as output:
            process = subprocess.Popen(["zonemaster-cli", "--hints", str(lab.root_hints), "--no-ipv6", "--level",
                                        "ERROR", "--raw", "--show-level", "--no-progress", zone],
                                       stdout=output, stderr=subprocess.STDOUT)
            _pid, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            output.seek(0)
            lines = output.read().decode("utf-8", "replace").splitlines()
        results.append({
            "zone": zone, "seconds": time.perf_counter() - started, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "max_rss_mib": usage.ru_maxrss / 1024, "exit": process.returncode,
            # Lines read "<seconds> <LEVEL> <MODULE?> <TAG> <arguments>" (--raw --show-level).
            "errors": [fields[fields.index(level) + 1] for fields in map(str.split, lines)
                       for level in ("ERROR", "CRITICAL") if level in fields[:2] and len(fields) > 2],
        })
    return results


def zonemaster_unavailable() -> str | None:
    """Why zonemaster-cli cannot be compared here, or None when it is installed. Nothing is downloaded:
    the Debian package is named when the system's package lists have it."""
    if shutil.which("zonemaster-cli") is not None:
        return None
    if shutil.which("apt-cache") is None:
        return "zonemaster-cli is not installed, and this system has no apt-cache to say whether it is packaged"
    policy = subprocess.run(["apt-cache", "policy", "zonemaster-cli"], capture_output=True, text=True).stdout
    candidate = next((line.split(":", 1)[1].strip() for line in policy.splitlines()
                      if line.strip().startswith("Candidate:")), "")
    if candidate and candidate != "(none)":
        return (f"zonemaster-cli is not installed; the system's packages have it ({candidate}): "
                "`make bench` installs it (scripts/install-system-deps.sh --bench)")
    return "zonemaster-cli is not installed and the system's package lists do not have it: no comparison"


def compare_with_zonemaster(lab, sample_size: int, engine: dict | None) -> None:
    """zonemaster-cli's figures on the first zones of the bench, beside the engine's at the largest N."""
    why_not = zonemaster_unavailable()
    if why_not:
        print(f"\n{why_not}.")
        return
    version = subprocess.run(["zonemaster-cli", "--version"], capture_output=True, text=True).stdout
    versions = " ".join(line.split(":")[-1].strip() for line in version.splitlines()[:2])  # CLI, engine
    sample = lab.bench_zones[:sample_size]
    print(f"\nzonemaster-cli (CLI, engine: {versions}) on {len(sample)} of the same zones "
          "(one process per zone, --hints the lab's root, all its tests):")
    runs = time_zonemaster(lab, sample)
    for run in runs:
        print(f"  {run['zone']:<24} {run['seconds']:6.2f} s  {run['cpu_seconds']:5.2f} s CPU  "
              f"{run['max_rss_mib']:4.0f} MiB  exit {run['exit']}, {len(run['errors'])} messages at ERROR or above"
              + (f" ({', '.join(sorted(set(run['errors'])))})" if run["errors"] else ""))
    seconds = sum(r["seconds"] for r in runs) / len(runs)
    cpu_ms = sum(r["cpu_seconds"] for r in runs) / len(runs) * 1000
    print(f"  zonemaster-cli: {1 / seconds:.2f} zones/s ({seconds:.2f} s per zone), {cpu_ms:.0f} ms CPU/zone, "
          f"peak {max(r['max_rss_mib'] for r in runs):.0f} MiB")
    if engine:
        print(f"  kindns engine at N={engine['zones']}: {engine['zones'] / engine['seconds']:.1f} zones/s, "
              f"{engine['cpu_seconds'] / engine['zones'] * 1000:.1f} ms CPU/zone, "
              f"peak {engine['max_rss_mib']:.0f} MiB: {engine['zones'] / engine['seconds'] * seconds:.0f} times "
              "zonemaster-cli's pace (zones at once against one at a time)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, nargs="+", default=[10, 100, 1000], metavar="N",
                        help="numbers of zones to check, each in its own run (default: 10 100 1000)")
    parser.add_argument("--concurrency", type=int, help="zones at once (default: the engine's default)")
    parser.add_argument("--with-zonemaster", action="store_true",
                        help="time zonemaster-cli on a sample of the same zones (installed from the system's packages)")
    parser.add_argument("--zonemaster-sample", type=int, default=5, metavar="K",
                        help="zones timed with zonemaster-cli (default 5)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the largest run (one process)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.count, args.concurrency, args.profile)
        return

    from tests.dnslab import start_lab

    largest = max(args.zones)
    print(f"Load average before the lab starts: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    started = time.perf_counter()
    with start_lab(bench_zones=min(largest, 1000)) as lab, tempfile.TemporaryDirectory(prefix="kindns-bench-") as folder:
        description_file = Path(folder) / "lab.json"
        description_file.write_text(json.dumps(lab_description(lab)))
        print(f"Lab started in {time.perf_counter() - started:.1f} s with {len(lab.bench_zones)} well-run signed "
              "zones (cycled when N is larger).\n")
        print(f"{'zones':>6} {'conc.':>5} {'procs':>5} {'seconds':>8} {'zones/s':>8} {'CPU s':>6} {'CPU ms/zone':>11} "
              f"{'queries/zone':>12} {'probes/zone':>11} {'peak RSS':>9}  verdicts")
        largest_figures = None
        for count in args.zones:
            figures = run_worker(description_file, count, args.concurrency, args.profile and count == largest)
            if count == largest:
                largest_figures = figures
            verdicts = ", ".join(f"{n} {v}" for v, n in sorted(figures["verdicts"].items()))
            same = "all as expected" if not figures["unexpected"] else f"{figures['unexpected']} zones NOT as expected"
            print(f"{count:>6} {figures['concurrency']:>5} {figures['processes']:>5} {figures['seconds']:>8.2f} "
                  f"{count / figures['seconds']:>8.1f} {figures['cpu_seconds']:>6.1f} "
                  f"{figures['cpu_seconds'] / count * 1000:>11.1f} {figures['queries_per_zone']:>12.1f} "
                  f"{figures['probes_per_zone']:>11.1f} {figures['max_rss_mib']:>5.0f} MiB  {verdicts} ({same})")
            for line in reference_lines(count):
                print(f"{'':>6} before, {line}")
            if count == 1000:
                verdict = "met" if figures["seconds"] < TARGET_SECONDS_FOR_1000 else "NOT met"
                print(f"{'':>6} target: 1,000 zones in under {TARGET_SECONDS_FOR_1000:.0f} s: {verdict} "
                      f"(load average now {os.getloadavg()[0]:.2f})")
        if args.with_zonemaster and args.zonemaster_sample > 0:
            compare_with_zonemaster(lab, args.zonemaster_sample, {**largest_figures, "zones": largest})


if __name__ == "__main__":
    main()
