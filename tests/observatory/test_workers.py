"""Campaigns on the real worker fleet: worker processes (`flask --app app kindns worker`) sharing a Redis queue
measure a campaign of the DNS lab's zones, created through the staff form, followed and exported with the
commands; the observatory then shows the shares the lab's known defects make. A worker killed (SIGKILL) in the
middle of a batch loses that batch only: once its lease runs out, the next worker to start measures it again,
and in the end every zone is measured and counted exactly once.

Runs when KINDNS_TEST_REDIS_URL is set (.ci/run sets it); each test has a queue of its own, deleted after."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import time
import uuid

import pytest
from babel.numbers import format_percent
from sqlalchemy import func, select

from kindns import create_app
from kindns.extensions import db
from kindns.observatory.models import VERDICTS, Campaign, CampaignBatch, CampaignZone
from tests.conformance.conftest import PROJECT_ROOT, flask_command, registry_environment, write_instance_config
from tests.conftest import IsolatedClient, _base_config
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.helpers import csrf_token_from, login

REDIS_URL = os.environ.get("KINDNS_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.dns,
    pytest.mark.skipif(not REDIS_URL, reason="KINDNS_TEST_REDIS_URL is not set (.ci/run sets it)"),
]
DONE_TIMEOUT = 180.0


@pytest.fixture
def redis_queue():
    """A queue name of this test's own; its keys are deleted from Redis afterwards."""
    import redis

    name = f"kindns_test_{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()
    yield name
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)
    client.close()


def _environment(app, tmp_path, queue: str, settings: dict) -> dict[str, str]:
    instance = tmp_path / "worker-instance"
    write_instance_config(instance, {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                     "SECRET_KEY": "campaign-test", "KINDNS_OUTBOX": str(tmp_path / "outbox"),
                                     "KINDNS_BASE_URL": "https://registry.example.net", **settings})
    return registry_environment(instance, KINDNS_REDIS_URL=REDIS_URL, KINDNS_QUEUE_NAME=queue)


def _command(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(flask_command(*args), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _wait_until_done(workers, slug: str) -> Campaign:
    deadline = time.monotonic() + DONE_TIMEOUT
    while True:
        db.session.remove()
        campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
        if campaign is not None and campaign.status == "done":
            return campaign
        workers.check_alive()
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.3)


def _lab_zones(dns_lab) -> dict[str, str]:
    """Zone -> role, every role zone of the lab."""
    return {name: role for role, name in dns_lab.zones.items()}


def _assert_rows_match_the_lab(campaign: Campaign, zones: dict[str, str], dns_lab) -> None:
    rows = db.session.scalars(select(CampaignZone).where(CampaignZone.campaign_id == campaign.id)).all()
    assert sorted(r.name for r in rows) == sorted(zones)  # one row per zone, none twice
    for row in rows:
        verdicts = {check: VERDICTS[letter] for check, letter in zip(campaign.checks, row.verdicts)}
        assert {c: v for c, v in verdicts.items() if v != "pass"} == dns_lab.expected_verdicts[zones[row.name]], \
            row.name


def test_a_campaign_of_the_lab_through_the_form_on_two_workers(app, tmp_path, dns_lab, lab_check_settings,
                                                                redis_queue, workers):
    zones = _lab_zones(dns_lab)
    n = len(zones)
    env = _environment(app, tmp_path, redis_queue, {**lab_check_settings, "KINDNS_CAMPAIGN_BATCH_SIZE": 3})
    first, second = workers.start(env), workers.start(env)
    workers.wait_until_consuming()

    # The staff form, served by an app on the same database and the same Redis queue as the workers.
    web = create_app({**_base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                      "KINDNS_REDIS_URL": REDIS_URL, "KINDNS_QUEUE_NAME": redis_queue,
                      "KINDNS_CAMPAIGN_BATCH_SIZE": 3, **lab_check_settings})
    web.test_client_class = IsolatedClient
    staff = make_user("staff@registry.example", is_staff=True)
    client = web.test_client()
    assert login(client, staff.email, DEFAULT_PASSWORD).status_code == 302
    countries = {name: ("PY" if index % 2 else "BR") for index, name in enumerate(sorted(zones))}
    upload = "".join(f"{name} {country}\n" for name, country in countries.items()).encode()
    form = client.get("/admin/campaigns/new")
    created = client.post("/admin/campaigns/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_token_from(form.data), "name": "Lab December", "namespace": dns_lab.tld,
        "country": "", "zones": (io.BytesIO(upload), "zones.txt")})
    assert created.status_code == 302, created.get_data(as_text=True)
    slug = created.headers["Location"].rsplit("/", 1)[1]

    campaign = _wait_until_done(workers, slug)
    _assert_rows_match_the_lab(campaign, zones, dns_lab)
    batches = db.session.scalars(select(CampaignBatch).where(CampaignBatch.campaign_id == campaign.id)).all()
    assert len(batches) == -(-n // 3) and {b.attempts for b in batches} == {1}
    assert {b.worker.rsplit(":", 1)[1] for b in batches} == {str(first.popen.pid), str(second.popen.pid)}

    # The lab's known defects, as shares: one zone unsigned; three that do not validate (unsigned, expired
    # signatures, a bad DS); of the signed zones one with a deprecated algorithm; one with AXFR open; two
    # without two nameservers in two networks (single-ns, same-subnet); one with open recursion.
    expected = {"signed": (n - 1, n), "validating": (n - 3, n), "algorithms": (n - 2, n - 1),
                "axfr_refused": (n - 1, n), "two_networks": (n - 2, n), "open_recursion": (1, n)}
    figures = client.get(f"/api/v1/campaigns/{slug}").get_json()
    assert {key: (figures["indicators"][key]["zones"], figures["indicators"][key]["of"]) for key in expected} \
        == expected
    assert figures["progress"]["done"] == n and figures["regions"]["LAC"]["zones_measured"] == n
    assert figures["countries"]["PY"]["zones_measured"] + figures["countries"]["BR"]["zones_measured"] == n
    page = client.get("/observatory").get_data(as_text=True)
    row = page.split(f'<th scope="row">.{dns_lab.tld}</th>', 1)[1].split("</tr>", 1)[0]
    for key, (yes, of) in expected.items():
        assert f'<td data-indicator="{key}">{format_percent(yes / of, locale="en")}</td>' in row, (key, row)
    assert "good.test" not in page

    # The commands, on the same Redis and database: status and the aggregates as CSV.
    assert f"{slug} (done): {n}/{n} zones" in _command(env, "campaign", "status", slug)
    assert f"{n}/{n} zones, batches" in _command(env, "campaign", "status", slug, "--follow")  # the bar, full
    exported = list(csv.DictReader(io.StringIO(_command(env, "campaign", "export", slug, "--format", "csv"))))
    assert {r["country"]: int(r["zones_measured"]) for r in exported if r["country"]} == \
        {"PY": sum(c == "PY" for c in countries.values()), "BR": sum(c == "BR" for c in countries.values())}


def test_a_killed_worker_loses_only_its_batch_and_every_zone_is_counted_once(app, tmp_path, dns_lab,
                                                                               lab_check_settings, redis_queue,
                                                                               workers):
    """Politeness makes the campaign slow enough to kill a worker in the middle of a batch: at most 2 queries a
    second to any one address, in bursts of one, the lab's TLD server included, which every zone's delegation
    is asked of."""
    zones = _lab_zones(dns_lab)
    env = _environment(app, tmp_path, redis_queue, {
        **lab_check_settings, "KINDNS_CAMPAIGN_BATCH_SIZE": 4, "KINDNS_CAMPAIGN_SERVER_RATE": 2,
        "KINDNS_CHECK_SERVER_BURST": 1,
        "KINDNS_CAMPAIGN_LEASE_SECONDS": 2})
    victim, survivor = workers.start(env, threads=1), workers.start(env, threads=1)
    workers.wait_until_consuming()
    listing = tmp_path / "zones.txt"
    listing.write_text("".join(f"{name}\n" for name in zones))
    assert "batches queued" in _command(env, "campaign", "create", "Killed", dns_lab.tld, str(listing))
    slug = "killed"

    deadline = time.monotonic() + DONE_TIMEOUT
    while True:  # until the victim is in the middle of a batch
        db.session.remove()
        taken = db.session.scalar(select(CampaignBatch).where(
            CampaignBatch.status == "running", CampaignBatch.worker.like(f"%:{victim.popen.pid}")))
        if taken is not None:
            break
        workers.check_alive()
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.05)
    workers.kill_one(victim)
    killed_batch = taken.id
    db.session.remove()
    assert db.session.get(CampaignBatch, killed_batch).status == "running"  # killed mid-batch

    # The survivor goes on with the rest; the killed batch waits for its lease to run out, and the next worker
    # to start (as a supervisor would start one) queues it again.
    time.sleep(2.5)
    replacement = workers.start(env, threads=1)
    campaign = _wait_until_done(workers, slug)
    _assert_rows_match_the_lab(campaign, zones, dns_lab)
    assert db.session.scalar(select(func.count(CampaignZone.id)).where(
        CampaignZone.campaign_id == campaign.id, CampaignZone.measured_at.is_not(None))) == len(zones)
    batches = {b.id: b for b in db.session.scalars(select(CampaignBatch))}
    assert batches[killed_batch].attempts == 2 and batches[killed_batch].status == "done"
    assert not batches[killed_batch].worker.endswith(f":{victim.popen.pid}")
    assert all(b.attempts == 1 for b in batches.values() if b.id != killed_batch), \
        ([(b.id, b.attempts) for b in batches.values()], workers.logs())
    assert "queued 1 campaign batches again" in replacement.log_tail(400)
    assert "lease not renewed" not in survivor.log_tail(400) + replacement.log_tail(400)
    figures = json.loads(_command(env, "campaign", "export", slug))
    assert figures["indicators"]["zones_measured"] == len(zones)
