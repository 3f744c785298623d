"""Campaign uploads: a list of zones or a zone file's delegations, every bad line reported by its number and
nothing stored when there is one; a recorded campaign is cut into batches, one row per zone."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kindns.extensions import db
from kindns.observatory import services
from kindns.observatory.imports import read_upload
from kindns.observatory.models import Campaign, CampaignBatch, CampaignZone
from tests.factories import make_user

ZONE_FILE = b"""$ORIGIN py.
$TTL 3600
@        SOA   a.nic.py. hostmaster.nic.py. 1 7200 900 604800 3600
@        NS    a.nic.py.
a.nic    A     192.0.2.1
uno      NS    ns1.uno.py.
ns1.uno  A     192.0.2.53
dos      NS    ns1.example.net.
dos      NS    ns2.example.org.
dos      DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
www      A     192.0.2.80
"""


def test_a_list_of_zones_with_countries(ctx):
    upload = read_upload(b"# the .py namespace\nuno.py\n  DOS.py PY\n\nxn--tres-9ra.py,br\n", "py")
    assert upload.ok
    assert upload.zones == {"uno.py": "", "dos.py": "PY", "xn--tres-9ra.py": "BR"}


def test_every_bad_line_of_a_list_is_reported_by_its_number(ctx):
    upload = read_upload(b"uno.py\nbad..py\nuno.org\nuno.py\ndos.py XX\ntres.py PY extra\n", "py")
    assert not upload.ok
    assert upload.messages() == [
        "line 2: 'bad..py': A zone name cannot contain an empty label (two dots in a row).",
        "line 3: 'uno.org' is not below the namespace py.",
        "line 4: 'uno.py' repeats line 1.",
        "line 5: 'XX' is not an ISO 3166 country code (two letters).",
        "line 6: 'tres.py PY extra': write one zone a line, optionally followed by its operator's country code.",
    ]


def test_a_zone_file_gives_its_delegations(ctx):
    upload = read_upload(ZONE_FILE, "py")
    assert upload.ok
    assert sorted(upload.zones) == ["dos.py", "uno.py"]  # not the apex, not a host with an address


def test_a_bad_line_of_a_zone_file_is_reported_by_its_number(ctx):
    upload = read_upload(ZONE_FILE.replace(b"www      A ", b"www      BOGUSTYPE "), "py")
    assert not upload.ok and upload.zones == {}
    assert upload.messages()[0].startswith("line 11: ")


def test_text_that_is_not_utf8_is_refused(ctx):
    assert read_upload(b"\xff\xfe\x00u", "py").messages() == ["The file is not UTF-8 text."]


def test_a_campaign_is_cut_into_batches_with_one_row_per_zone(app, ctx):
    staff = make_user("staff@registry.example", is_staff=True)
    zones = "".join(f"zone{n}.py\n" for n in range(25)).encode()
    campaign = services.create_campaign("Paraguay 2026", ".py", zones, staff, country="py", batch_size=10)
    assert (campaign.namespace, campaign.country, campaign.zone_count, campaign.slug) == ("py", "PY", 25,
                                                                                          "paraguay-2026")
    sizes = db.session.scalars(select(CampaignBatch.size).where(CampaignBatch.campaign_id == campaign.id)
                               .order_by(CampaignBatch.number)).all()
    assert sizes == [10, 10, 5]
    assert len(services.queued_batches(campaign)) == 3
    assert db.session.scalar(select(func.count(CampaignZone.id))) == 25
    assert services.progress(campaign).done == 0
    # One row per zone of a campaign, whatever writes it.
    db.session.add(CampaignZone(campaign_id=campaign.id, batch_id=services.queued_batches(campaign)[0],
                                name="zone1.py"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_an_upload_with_a_bad_line_stores_nothing(app, ctx):
    staff = make_user("staff@registry.example", is_staff=True)
    with pytest.raises(services.CampaignError) as refused:
        services.create_campaign("Paraguay", "py", b"uno.py\ndos.py\nbad..py\n", staff)
    assert refused.value.messages == [
        "line 3: 'bad..py': A zone name cannot contain an empty label (two dots in a row)."]
    assert db.session.scalar(select(func.count(Campaign.id))) == 0
    assert db.session.scalar(select(func.count(CampaignZone.id))) == 0


def test_a_campaign_needs_a_name_and_a_valid_namespace_and_country(app, ctx):
    with pytest.raises(services.CampaignError) as refused:
        services.create_campaign(" ", "bad..py", b"uno.py\n", None, country="ZZ")
    assert len(refused.value.messages) == 3


def test_a_campaign_has_at_most_its_limit_of_zones(ctx, monkeypatch):
    from kindns.observatory import imports

    monkeypatch.setattr(imports, "MAX_ZONES", 2)
    upload = read_upload(b"uno.py\ndos.py\ntres.py\n", "py")
    assert not upload.ok and upload.messages() == ["line 3: a campaign measures at most 2 zones."]
    assert read_upload(b"uno.py\ndos.py\n", "py").ok


def test_many_bad_lines_are_counted_beyond_those_shown(ctx):
    upload = read_upload(b"".join(b"bad..py\n" for _ in range(60)), "py")
    messages = upload.messages()
    assert len(messages) == 51 and messages[-1] == "… and 10 more bad lines."
