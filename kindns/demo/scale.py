"""A registry at scale, for benchmarks (`flask --app app kindns seed-scale --participants N`).

Fills an empty database with N invented approved participants spread over the ICANN regions as the
programme's are (Latin America and the Caribbean largest), each with 1-3 categories, 1-5 zones, 0-2
resolvers, an owner and a self-assessment, 5 % of them champions; every zone and resolver with a run per day
for the last `days` days, each with the full catalogue of results (mostly pass, some warn, fail, error and
n/a, each target keeping its verdicts from day to day but for a few changes), the stored standings, and
twelve monthly regional snapshots.

Nothing here is measured: every name is under `example`, every address in the benchmarking ranges
(198.18.0.0/15, 2001:db8::/32), and a production worker would find nothing to probe. Rows go in with the
database's bulk paths (COPY on PostgreSQL, executemany on SQLite), not through the ORM: 10,000 participants
take well under a minute.
"""
from __future__ import annotations

import ipaddress
import json
import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select, text

from ..checks import RESOLVER_CHECKS, ZONE_CHECKS
from ..enrolment.services import slugify
from ..extensions import db
from ..models import Organisation
from ..practices import CATEGORIES, PLATFORM_PRACTICES
from ..regions import default_country_regions
from ..text import search_text

# Shares of participants per region: LAC leads, as in the programme.
REGION_WEIGHTS = {"LAC": 0.34, "AP": 0.22, "EU": 0.20, "AF": 0.14, "NA": 0.10}
# Verdicts of a check on a target, and how likely each is.
VERDICT_WEIGHTS = {"pass": 0.80, "warn": 0.08, "fail": 0.06, "error": 0.03, "n/a": 0.03}
# Chance that a check's verdict on a target differs from the day before.
CHANGE_RATE = 0.003
CHAMPION_SHARE = 0.05
UNUSABLE_PASSWORD = "!seed-scale"  # no password hash matches it: these owners cannot log in

_WORDS = ("Andes", "Pampa", "Caribe", "Sierra", "Altiplano", "Atlas", "Savanna", "Baobab", "Coral", "Monsoon",
          "Sakura", "Lagoon", "Nordlys", "Rheinland", "Douro", "Baltic", "Prairie", "Cascadia", "Solução",
          "Réseau", "Télécom", "Fibra", "Conecta", "Numérique", "Señal", "Ñandú", "Łąka", "Zürich")
_KINDS = ("Networks", "Telecom", "Hosting", "Registry", "Datos", "Internet", "Cooperativa", "DNS", "Connect",
          "Digital")


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    draw, total = rng.random() * sum(weights.values()), 0.0
    for value, weight in weights.items():
        total += weight
        if draw < total:
            return value
    return value


def _stamp(moment: datetime | None, sqlite: bool):
    if moment is None or not sqlite:
        return moment
    # SQLAlchemy stores SQLite datetimes as naive UTC text in this form.
    return moment.astimezone(timezone.utc).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


class _Writer:
    """Bulk rows into one table, the fastest way each database offers."""

    def __init__(self) -> None:
        self.connection = db.session.connection()
        self.sqlite = self.connection.dialect.name == "sqlite"
        self.raw = self.connection.connection.dbapi_connection
        if not self.sqlite:
            # An empty database filled in one transaction with rows made consistent here: no foreign-key
            # trigger per row, when the account may say so (a superuser; otherwise every row is checked).
            self.connection.execute(text("SET LOCAL synchronous_commit = off"))
            try:
                with self.connection.begin_nested():
                    self.connection.execute(text("SET LOCAL session_replication_role = replica"))
            except Exception:  # noqa: BLE001 - not allowed: the per-row checks stay, only slower
                pass

    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple], ready: bool = False) -> int:
        """Write `rows`; `ready` rows hold only strings, numbers and None already (no conversion)."""
        count = 0

        def counted() -> Iterator[tuple]:
            nonlocal count
            for row in rows:
                count += 1
                yield row if ready else tuple(self._value(v) for v in row)

        quoted = ", ".join(f'"{c}"' for c in columns)
        if self.sqlite:
            marks = ", ".join("?" for _ in columns)
            self.raw.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', counted())
        else:
            with self.raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                for row in counted():
                    copy.write_row(row)
        return count

    def _value(self, value):
        if isinstance(value, datetime):
            return _stamp(value, self.sqlite)
        if isinstance(value, (dict, list)):
            return json.dumps(value, separators=(",", ":"))
        if isinstance(value, bool) and self.sqlite:
            return int(value)
        return value

    def reset_sequences(self, tables: Iterable[str]) -> None:
        if self.sqlite:
            return
        for table in tables:
            self.connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 0) + 1, false)"))


def _countries(rng: random.Random) -> dict[str, list[str]]:
    by_region: dict[str, list[str]] = {}
    for country, region in sorted(default_country_regions().items()):
        by_region.setdefault(region, []).append(country)
    return by_region


def _evidence_pool(rng: random.Random, size: int = 64) -> dict[tuple[str, bool], list[str]]:
    """Evidence as the engine writes it (the servers asked, the query, the answer), serialised once: `@T`
    stands for the target's name. Keyed by (query type, whether the servers answered)."""
    pool: dict[tuple[str, bool], list[str]] = {}
    for qtype in ("SOA", "DNSKEY"):
        for answered in (True, False):
            variants = []
            for _ in range(size):
                servers = [f"198.18.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(rng.randint(1, 3))]
                variants.append(json.dumps([
                    {"server": server, "query": f"@T {qtype}", "rcode": "NOERROR" if answered else "SERVFAIL",
                     "answer": [f"@T. 3600 IN SOA ns1.@T. hostmaster.@T. 2026120101 7200 3600 1209600 3600"]
                     if answered else [], "ms": rng.randint(3, 180)} for server in servers],
                    separators=(",", ":")))
            pool[(qtype, answered)] = variants
    return pool


def seed_scale(participants: int, days: int = 3, seed: int = 1, today: date | None = None,
               full_days: float = 2) -> dict[str, int]:
    """Fill an empty database; returns how many rows of each kind were written. Runs older than `full_days`
    are written compacted, as the registry keeps them (KINDNS_HISTORY_FULL_DAYS). The caller commits."""
    if db.session.scalar(select(func.count(Organisation.id))):
        raise ValueError("the database already holds organisations")
    rng = random.Random(seed)
    writer = _Writer()
    sqlite = writer.sqlite
    now = datetime.combine(today or datetime.now(timezone.utc).date(), datetime.min.time(),
                           tzinfo=timezone.utc) + timedelta(hours=6)
    countries = _countries(rng)
    category_ids = list(CATEGORIES)
    orgs, categories, zones, resolvers, users, answers = [], [], [], [], [], []
    zone_id = resolver_id = answer_id = category_row = 0
    address = int(ipaddress.IPv4Address("198.18.0.1"))
    for n in range(1, participants + 1):
        region = _weighted(rng, REGION_WEIGHTS)
        country = rng.choice(countries[region])
        name = f"{rng.choice(_WORDS)} {rng.choice(_KINDS)} {n}"
        approved = now - timedelta(days=rng.randint(10, 1000))
        champion = rng.random() < CHAMPION_SHARE
        orgs.append((n, f"{slugify(name)}", name, search_text(name), f"https://www.op{n}.example", country, region,
                     f"NOC {n}", f"noc@op{n}.example", "approved", "", approved - timedelta(days=3), approved,
                     champion, "Teaches the KINDNS practices to the operators of its country." if champion else "",
                     approved if champion else None, False, approved, approved))
        chosen = rng.sample(category_ids, rng.randint(1, 3))
        for category in sorted(chosen):
            category_row += 1
            categories.append((category_row, n, category))
        for i in range(rng.randint(1, 5)):
            zone_id += 1
            zones.append((zone_id, n, f"zone{i}.op{n}.example", approved))
        for _ in range(rng.randint(0, 2)):
            resolver_id += 1
            resolvers.append((resolver_id, n, str(ipaddress.IPv4Address(address)), None, approved))
            address += 1
        users.append((n, f"owner{n}@op{n}.example", UNUSABLE_PASSWORD, False, approved, "owner", n, False,
                      rng.choice(("en", "es", "pt_BR", "fr")), approved, 1))
        practices = [p for c in chosen for p in CATEGORIES[c].practices] + list(PLATFORM_PRACTICES)
        for practice in {p.id: p for p in practices}.values():
            answer_id += 1
            answers.append((answer_id, n, practice.id, rng.random() < 0.8, "Documented in our runbook.", approved))
    counts = {
        "organisations": writer.write("organisation", (
            "id", "slug", "name", "search_name", "website", "country", "region", "contact_name", "contact_email",
            "status", "review_message", "submitted_at", "approved_at", "is_champion", "champion_citation",
            "champion_since", "is_demo", "created_at", "updated_at"), orgs),
        "categories": writer.write("organisation_category", ("id", "organisation_id", "category"), categories),
        "zones": writer.write("zone", ("id", "organisation_id", "name", "created_at"), zones),
        "resolvers": writer.write("resolver", ("id", "organisation_id", "address", "doh_url", "created_at"),
                                  resolvers),
        "users": writer.write("user", (
            "id", "email", "password_hash", "is_staff", "email_confirmed_at", "organisation_role",
            "organisation_id", "is_demo", "language", "created_at", "session_version"), users),
        "answers": writer.write("practice_answer", (
            "id", "organisation_id", "practice_id", "implemented", "how", "updated_at"), answers),
    }
    run_counts = write_runs(writer, zones, resolvers, days, now, rng, full_days)
    counts.update(run_counts)
    counts["snapshots"] = _write_snapshots(writer, now, rng)
    writer.reset_sequences(("organisation", "organisation_category", "zone", "resolver", "user",
                            "practice_answer", "check_list", "check_run", "check_result", "region_snapshot"))
    from ..conformance.summary import refresh_all

    refresh_all()
    # Rows written in bulk leave the planner's statistics empty until autovacuum comes by.
    db.session.execute(text("ANALYZE"))
    return counts


def write_runs(writer: _Writer, zones: list[tuple], resolvers: list[tuple], days: int, now: datetime,
               rng: random.Random, full_days: float) -> dict[str, int]:
    """A daily run of every zone and resolver over the last `days` days, as the registry keeps them: the runs of
    the last `full_days` days with every check's result and its evidence, the older ones compacted
    (kindns.conformance.compaction: verdict letters, and the results of the checks that changed)."""
    lists = {"zone": list(ZONE_CHECKS), "resolver": list(RESOLVER_CHECKS)}
    writer.write("check_list", ("id", "check_ids"), [(1, " ".join(lists["zone"])), (2, " ".join(lists["resolver"]))])
    list_ids = {"zone": 1, "resolver": 2}
    runs: list[tuple] = []
    results: list[tuple] = []
    run_id = result_id = 1
    targets = [("zone", row[0], row[1], row[2]) for row in zones] + \
              [("resolver", row[0], row[1], row[2]) for row in resolvers]
    pool = _evidence_pool(rng)
    practices = {check_id: json.dumps(list(spec.practices)) for catalogue in (ZONE_CHECKS, RESOLVER_CHECKS)
                 for check_id, spec in catalogue.items()}
    qtypes = {check_id: "DNSKEY" if check_id.startswith("dnssec") else "SOA" for check_id in practices}
    yes, no = (1, 0) if writer.sqlite else (True, False)
    stamps: dict[tuple[int, int], str] = {}

    def stamp(day: int, minute: int) -> str:
        if (day, minute) not in stamps:
            stamps[(day, minute)] = writer._value(now - timedelta(days=day, minutes=minute))
        return stamps[(day, minute)]

    letters = {verdict: letter for verdict, letter in (("pass", "p"), ("warn", "w"), ("fail", "f"),
                                                       ("error", "e"), ("n/a", "n"))}
    total_runs = total_results = 0
    for kind, target_id, org_id, label in targets:
        check_ids = lists[kind]
        verdicts = [_weighted(rng, VERDICT_WEIGHTS) for _ in check_ids]
        # The days (counted back from today) on which each check's verdict changes.
        changes: dict[int, list[int]] = {}
        for index in range(len(check_ids)):
            day = days - 1 - int(rng.expovariate(CHANGE_RATE)) - 1
            while day > 0:
                changes.setdefault(day, []).append(index)
                day -= int(rng.expovariate(CHANGE_RATE)) + 1
        minute = target_id % 60
        for day in range(days - 1, -1, -1):
            changed = list(range(len(check_ids))) if day == days - 1 else []
            for index in changes.get(day, ()):
                new = _weighted(rng, VERDICT_WEIGHTS)
                if new != verdicts[index]:
                    verdicts[index] = new
                    changed.append(index)
            finished = stamp(day, minute)
            full = day < full_days
            runs.append((run_id, org_id, target_id if kind == "zone" else None,
                         target_id if kind == "resolver" else None, label, "schedule", "done", "",
                         finished, finished, "" if not full else "bench:1", finished, finished,
                         1000 + minute * 10, yes if day == 0 else no,
                         None if full else "".join(letters[v] for v in verdicts),
                         None if full else list_ids[kind]))
            for index in (range(len(check_ids)) if full else changed):
                check_id, verdict = check_ids[index], verdicts[index]
                evidence = rng.choice(pool[(qtypes[check_id], verdict != "error")]).replace("@T", label)
                results.append((result_id, run_id, check_id, verdict, practices[check_id],
                                f"{check_id}: {verdict}", evidence,
                                f"See the KINDNS practice for {check_id}." if verdict in ("fail", "warn") else ""))
                result_id += 1
            run_id += 1
        if len(results) > 200_000 or len(runs) > 200_000:
            total_runs += _flush_runs(writer, runs, results)
            total_results += len(results)
            runs.clear()
            results.clear()
    total_runs += _flush_runs(writer, runs, results)
    total_results += len(results)
    return {"runs": total_runs, "results": total_results}


RUN_COLUMNS = ("id", "organisation_id", "zone_id", "resolver_id", "target", "trigger", "status", "error",
               "queued_at", "started_at", "worker", "heartbeat_at", "finished_at", "duration_ms", "is_latest",
               "verdicts", "check_list_id")


def _flush_runs(writer: _Writer, runs: list[tuple], results: list[tuple]) -> int:
    count = writer.write("check_run", RUN_COLUMNS, runs, ready=True)
    writer.write("check_result", ("id", "run_id", "check_id", "verdict", "practices", "summary", "evidence",
                                  "advice"), results, ready=True)
    return count


def _write_snapshots(writer: _Writer, now: datetime, rng: random.Random) -> int:
    rows = []
    month = now.date().replace(day=1)
    snapshot_id = 0
    for back in range(11, -1, -1):
        year, index = divmod(month.year * 12 + month.month - 1 - back, 12)
        first = date(year, index + 1, 1)
        for region, weight in REGION_WEIGHTS.items():
            snapshot_id += 1
            rows.append((snapshot_id, first, region, int(1000 * weight * (12 - back)), int(500 * weight * (12 - back)),
                         round(rng.uniform(0.3, 0.7), 4), round(rng.uniform(0.7, 0.95), 4), now))
    return writer.write("region_snapshot", ("id", "month", "region", "participants", "verified",
                                            "dnssec_signed_share", "checks_passing_share", "taken_at"), rows)
