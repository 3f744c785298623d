"""Campaign batches measured for real in the DNS lab: each zone's row holds what the lab's roles break; a
batch is claimed once, a campaign never has more batches under way than it allows, a batch measured again
(its worker died) counts each zone once, and a batch whose lease ran out is queued again."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from kindns.checks.query import ServerBuckets
from kindns.extensions import db
from kindns.jobs import current_jobs, requeue_lost_batches
from kindns.observatory import services
from kindns.observatory.models import VERDICTS, CampaignBatch, CampaignZone
from tests.factories import make_user

ROLES = ("good", "unsigned", "single-ns", "same-subnet", "open-axfr", "open-recursion", "bad-ds",
         "deprecated-algorithm")


def _campaign(dns_lab, batch_size=4, **kwargs):
    staff = make_user("staff@registry.example", is_staff=True)
    text = "".join(f"{dns_lab.zones[role]}\n" for role in ROLES).encode()
    return services.create_campaign("Lab", dns_lab.tld, text, staff, batch_size=batch_size, **kwargs)


@pytest.fixture
def lab_app(app, lab_check_settings):
    app.config.update(lab_check_settings)
    return app


@pytest.mark.dns
def test_each_zone_row_holds_what_its_role_breaks(lab_app, ctx, dns_lab):
    campaign = _campaign(dns_lab)
    for batch_id in services.queued_batches(campaign):
        assert services.measure_batch(batch_id) == "done"
    db.session.refresh(campaign)
    assert campaign.status == "done" and campaign.finished_at is not None
    rows = {z.name: z for z in db.session.scalars(select(CampaignZone))}
    role_of = {dns_lab.zones[role]: role for role in ROLES}
    for name, row in rows.items():
        verdicts = {check: VERDICTS[letter] for check, letter in zip(campaign.checks, row.verdicts)}
        expected = dns_lab.expected_verdicts[role_of[name]]
        assert {check: v for check, v in verdicts.items() if v != "pass"} == expected, name
        assert not row.unmeasured and row.measured_at is not None
    good = rows[dns_lab.zones["good"]]
    assert (good.algorithms, good.ns_count, good.networks) == ("13", 2, 2)
    assert rows[dns_lab.zones["unsigned"]].algorithms == ""
    assert (rows[dns_lab.zones["single-ns"]].ns_count, rows[dns_lab.zones["same-subnet"]].networks) == (1, 1)
    progress = services.progress(campaign)
    assert (progress.done, progress.batches_done, progress.share) == (len(ROLES), 2, 1.0)


@pytest.mark.dns
def test_a_batch_measured_again_counts_each_zone_once(lab_app, ctx, dns_lab):
    campaign = _campaign(dns_lab, batch_size=8)
    [batch_id] = services.queued_batches(campaign)
    assert services.measure_batch(batch_id) == "done"
    assert services.measure_batch(batch_id) == "skipped"  # done: a second delivery of the job does nothing
    # As if its first worker had died after storing: the batch is queued again and measured again.
    db.session.execute(update(CampaignBatch).values(status="queued"))
    db.session.commit()
    assert services.measure_batch(batch_id) == "done"
    assert db.session.scalar(select(func.count(CampaignZone.id))) == len(ROLES)
    assert db.session.scalar(select(func.count(CampaignZone.id)).where(CampaignZone.verdicts != "")) == len(ROLES)
    assert db.session.get(CampaignBatch, batch_id).attempts == 2


def test_a_campaign_has_no_more_batches_under_way_than_it_allows(app, ctx):
    staff = make_user("staff@registry.example", is_staff=True)
    app.config["KINDNS_CAMPAIGN_PARALLEL_BATCHES"] = 1
    campaign = services.create_campaign("Two", "py", b"uno.py\ndos.py\n", staff, batch_size=1)
    first, second = services.queued_batches(campaign)
    assert services._claim(first, campaign)
    assert not services._claim(first, campaign)  # another worker handed the same batch gets nothing
    assert not services._claim(second, campaign)  # one batch under way is all this campaign allows
    assert services.measure_batch(second) == "busy"
    db.session.refresh(campaign)
    assert campaign.status == "running"


def test_a_batch_whose_lease_ran_out_is_queued_again(app, ctx):
    staff = make_user("staff@registry.example", is_staff=True)
    campaign = services.create_campaign("Lost", "py", b"uno.py\ndos.py\n", staff, batch_size=1)
    first, second = services.queued_batches(campaign)
    assert services._claim(first, campaign) and services._claim(second, campaign)
    assert services.recover_lost_batches() == []  # both leases still live
    db.session.execute(update(CampaignBatch).where(CampaignBatch.id == first)
                       .values(lease_until=services.now() - timedelta(seconds=1)))
    db.session.commit()
    assert services.recover_lost_batches() == [first]
    assert db.session.get(CampaignBatch, first).status == "queued"
    assert db.session.get(CampaignBatch, second).status == "running"


def test_batches_whose_messages_the_queue_lost_are_queued_again_once_it_is_idle(app, ctx, queued):
    """A Redis restarted without its data loses the messages of batches still waiting: once nothing waits in
    the queue or is scheduled there, a queued batch has no message left to bring it to a worker."""
    huey = current_jobs().huey
    staff = make_user("staff@registry.example", is_staff=True)
    campaign = services.create_campaign("Stranded", "py", b"uno.py\ndos.py\n", staff, batch_size=1)
    first, second = services.queued_batches(campaign)
    requeue_lost_batches()
    assert queued() == 0  # recorded a moment ago: whoever recorded it may be queuing it right now

    campaign.created_at = services.now() - timedelta(minutes=5)
    db.session.commit()
    current_jobs().measure_campaign_batch.schedule(args=(first,), delay=60)  # "busy": tried again later
    huey.add_schedule(huey.dequeue())  # where a worker keeps it until then
    requeue_lost_batches()
    assert queued() == 0 and huey.scheduled_count() == 1  # the schedule still holds one of their messages
    huey.storage.flush_schedule()
    current_jobs().measure_campaign_batch(second)
    requeue_lost_batches()
    assert queued() == 1  # a message waits: it may be theirs

    huey.flush()  # Redis restarted without its data
    requeue_lost_batches()
    assert sorted(task.args[0] for task in iter(huey.dequeue, None)) == [first, second]


def test_the_token_bucket_spaces_queries_to_one_address():
    clock = [0.0]
    buckets = ServerBuckets(rate=10, burst=2, clock=lambda: clock[0])
    assert [buckets.delay("192.0.2.1") for _ in range(4)] == [0.0, 0.0, pytest.approx(0.1), pytest.approx(0.2)]
    assert buckets.delay("192.0.2.2") == 0.0  # another address has its own bucket
    clock[0] = 10.0
    assert buckets.delay("192.0.2.1") == 0.0  # refilled, up to the burst


def test_a_prober_under_a_rate_waits_for_the_address(app):
    from kindns.checks import CheckConfig
    from kindns.checks.query import Prober

    async def ask_five():
        prober = Prober(CheckConfig(allow_private=True, server_rate=20, server_burst=1, timeout=0.05, retries=0))
        loop = asyncio.get_running_loop()
        began = loop.time()
        await asyncio.gather(*(prober.ask("127.0.0.254", "example.", "SOA") for _ in range(5)))
        prober.close()
        return loop.time() - began, prober.buckets.waited

    elapsed, waited = asyncio.run(ask_five())
    assert waited == pytest.approx(0.05 + 0.1 + 0.15 + 0.2, abs=0.03)  # the 2nd..5th wait their turn
    assert elapsed >= 0.2


def test_a_batch_the_engine_breaks_on_is_tried_again_then_given_up(app, ctx, monkeypatch):
    def broken(names, config):
        raise RuntimeError("a bug in the engine")
        yield  # pragma: no cover

    monkeypatch.setattr(services, "iter_zone_reports", broken)
    staff = make_user("staff@registry.example", is_staff=True)
    campaign = services.create_campaign("Broken", "py", b"uno.py\n", staff)
    [batch_id] = services.queued_batches(campaign)
    assert [services.measure_batch(batch_id) for _ in range(services.MAX_ATTEMPTS)] == \
        ["retry"] * (services.MAX_ATTEMPTS - 1) + ["failed"]
    db.session.refresh(campaign)
    assert campaign.status == "done" and services.progress(campaign).batches_failed == 1
    assert services.progress(campaign).done == 0  # nothing counted that was not measured
    page = app.test_client().get(f"/observatory/{campaign.slug}").get_data(as_text=True)
    assert "Done, but 1 batch could not be measured" in page
