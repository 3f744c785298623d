"""The KINDNS conformance engine: a plain library (no Flask) used by the web app, the CLI and the worker.

    from kindns.checks import CheckConfig, format_table, run_zone_checks
    reports = run_zone_checks(["example.org"], CheckConfig())
    print(format_table(reports))

`run_zone_checks` / `run_resolver_checks` are synchronous; `check_zones` / `check_resolvers` and
`iter_zone_checks` are their async forms; `iter_zone_reports` streams reports to synchronous callers
(large runs use worker processes). Collection (collect.py, over query.py and resolve.py) gathers DNS
answers into snapshots; the checks in zone_checks.py and resolver_checks.py judge them; policy.py says
which finding is which verdict.

Findings are messages, not sentences: a code with named arguments (messages.py), rendered at display time
with `render(message)` (English) or `render(message, gettext, ngettext)` (the reader's language). Each
CheckOutcome carries its decisive findings, advice codes, references and the dig command that shows the
fault; its `summary` and `advice` are the English text. A zone that could not be measured at all has one
finding on its TargetReport (`unmeasured`).

Fix-it advice per software (fixes.py): for a finding code and the software that serves the target (BIND,
Knot, NSD, PowerDNS, Unbound, ...), the configuration change as data, the commands that apply it and how
sure it is (proven live by the tests, syntax-checked, or neither); `format_table`/`format_json` add it with
`software=`. Each report also says what software its servers say they run (`report.software`, identify.py).

Every TargetReport carries what was collected as JSON-safe data (`report.snapshot`, made by
`snapshot_to_dict`): store it with the run, and `rejudge(report.snapshot)` gives the report today's
checks and policy make of it, without a single query. `snapshot_from_dict` gives the snapshot back.
"""
from .catalogue import RESOLVER_CHECKS, ZONE_CHECKS, CheckSpec, Finding, check
from .config import CheckConfig, ConfigError, RootServer, load_root_hints, load_trust_anchors
from .messages import msg, render
from .report import CheckOutcome, TargetReport, format_json, format_table
from .runner import (
    check_resolvers, check_zones, iter_zone_checks, iter_zone_reports, rejudge, run_resolver_checks,
    run_zone_checks,
)
from .serialise import SnapshotFormatError, snapshot_from_dict, snapshot_to_dict
from .snapshot import ResolverSnapshot, ZoneSnapshot

__all__ = [
    "CheckConfig", "ConfigError", "RootServer", "load_root_hints", "load_trust_anchors",
    "run_zone_checks", "run_resolver_checks", "check_zones", "check_resolvers", "iter_zone_checks",
    "iter_zone_reports",
    "ZONE_CHECKS", "RESOLVER_CHECKS", "CheckSpec", "Finding", "check", "msg", "render",
    "CheckOutcome", "TargetReport", "format_json", "format_table",
    "ZoneSnapshot", "ResolverSnapshot", "snapshot_to_dict", "snapshot_from_dict", "SnapshotFormatError", "rejudge",
]
