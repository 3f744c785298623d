"""Benchmark of the check engine against the DNS lab, with zonemaster-cli for comparison.

    python -m tests.bench [--zones 10 100 1000] [--concurrency N] [--zonemaster-sample K] [--profile]

Starts the lab with as many well-run signed zones as the largest N (copies of the lab's good zone, each
its own signed zone with its own key and DS, on the good zone's BIND and Knot servers), then for each
N checks N of them with the engine's defaults (concurrency, timeouts, worker processes for large runs),
each N in a fresh process so that its peak memory (max RSS, the largest of that process and its workers)
is its own. Prints, per N: seconds, zones per second, CPU seconds and milliseconds per zone (the
checking processes only, not the lab's servers), probes per zone, peak memory, whether every zone got
the verdicts a well-run zone must get (every check passes) — beside the figures measured before this
engine's rework on the same bench. Then times `zonemaster-cli` (one process per zone, as it is run) on
a sample of the same zones. `--profile` prints a cProfile of the largest N, checked in one process.

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
# The engine before its rework (commit 3488b9a), for comparison at N=1,000: as last measured on the lab's
# role zones with the machine idle, and on this bench's 1,000 well-run zones (the same run of the lab as
# the rework's first figures, both with the two cores shared with other work).
BEFORE = {1000: [
    "16.4 s, ~27 ms of CPU per zone (role zones cycled, idle machine)",
    "45-47 s, 28 ms of CPU per zone, 20 probes per zone (these bench zones, machine busy: load 6-11)",
]}


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
    from kindns.checks.runner import processes_for
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
    started, cpu_started = time.perf_counter(), time.process_time()
    # Like the registry's worker: each report is used (here: tallied) and dropped as it arrives.
    for report in iter_zone_reports(names, config):
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


def time_zonemaster(lab, zones: list[str]) -> list[tuple[str, float, int]]:
    """(zone, seconds, exit code) for `zonemaster-cli` on each zone, pointed at the lab's root."""
    results = []
    for zone in zones:
        started = time.perf_counter()
        done = subprocess.run(["zonemaster-cli", "--hints", str(lab.root_hints), "--no-ipv6", "--level", "ERROR",
                               zone], capture_output=True, text=True, timeout=600)
        results.append((zone, time.perf_counter() - started, done.returncode))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, nargs="+", default=[10, 100, 1000], metavar="N",
                        help="numbers of zones to check, each in its own run (default: 10 100 1000)")
    parser.add_argument("--concurrency", type=int, help="zones at once (default: the engine's default)")
    parser.add_argument("--zonemaster-sample", type=int, default=5, metavar="K",
                        help="zones timed with zonemaster-cli (0 to skip)")
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
              f"{'probes/zone':>11} {'peak RSS':>9}  verdicts")
        engine_pace = None
        for count in args.zones:
            figures = run_worker(description_file, count, args.concurrency, args.profile and count == largest)
            pace = figures["seconds"] / count
            engine_pace = pace if count == largest else engine_pace
            verdicts = ", ".join(f"{n} {v}" for v, n in sorted(figures["verdicts"].items()))
            same = "all as expected" if not figures["unexpected"] else f"{figures['unexpected']} zones NOT as expected"
            print(f"{count:>6} {figures['concurrency']:>5} {figures['processes']:>5} {figures['seconds']:>8.2f} "
                  f"{count / figures['seconds']:>8.1f} {figures['cpu_seconds']:>6.1f} "
                  f"{figures['cpu_seconds'] / count * 1000:>11.1f} {figures['probes_per_zone']:>11.1f} "
                  f"{figures['max_rss_mib']:>5.0f} MiB  {verdicts} ({same})")
            for line in BEFORE.get(count, []):
                print(f"{'':>6} before the rework: {line}")
            if count == 1000:
                verdict = "met" if figures["seconds"] < TARGET_SECONDS_FOR_1000 else "NOT met"
                print(f"{'':>6} target: 1,000 zones in under {TARGET_SECONDS_FOR_1000:.0f} s: {verdict} "
                      f"(load average now {os.getloadavg()[0]:.2f})")

        if args.zonemaster_sample <= 0:
            return
        if shutil.which("zonemaster-cli") is None:
            print("\nzonemaster-cli is not installed: no comparison.")
            return
        sample = lab.bench_zones[:args.zonemaster_sample]
        print(f"\nzonemaster-cli on {len(sample)} of the same zones (one process per zone, --hints lab root):")
        timings = time_zonemaster(lab, sample)
        for zone, seconds, code in timings:
            print(f"  {zone:<32} {seconds:6.2f} s  (exit {code})")
        zonemaster_pace = sum(s for _z, s, _c in timings) / len(timings)
        print(f"  zonemaster-cli: {zonemaster_pace:.3f} s per zone, {1 / zonemaster_pace:.2f} zones/s")
        if engine_pace:
            print(f"  kindns engine at N={largest}: {engine_pace:.4f} s per zone: "
                  f"{zonemaster_pace / engine_pace:.0f} times zonemaster-cli's pace")


if __name__ == "__main__":
    main()
