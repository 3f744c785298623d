"""The observatory's pages, API and commands: staff create a campaign by uploading a file (CSRF, errors by line
number, nothing stored on a bad line), the batches are queued, and the public sees aggregates only: shares per
namespace, region and country, as pages, JSON and CSV."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timezone

from sqlalchemy import func, select, update

from kindns.extensions import db
from kindns.observatory import services
from kindns.observatory.models import LETTERS, Campaign, CampaignZone
from tests.factories import make_user
from tests.helpers import csrf_token_from

ZONES = b"uno.py PY\ndos.py PY\ntres.py AR\ncuatro.py\n"


def _upload(client, data: bytes, **fields):
    page = client.get("/admin/campaigns/new")
    form = {"name": "Paraguay 2026", "namespace": ".py", "country": "", **fields,
            "csrf_token": csrf_token_from(page.data), "zones": (io.BytesIO(data), "zones.txt")}
    return client.post("/admin/campaigns/new", data=form, content_type="multipart/form-data")


def _measured(campaign: Campaign, name: str, **verdicts: str) -> None:
    """Store a zone's verdicts as a worker would (every check passes but those given)."""
    letters = "".join(LETTERS[verdicts.get(check.replace("-", "_"), "pass")] for check in campaign.checks)
    db.session.execute(update(CampaignZone).where(CampaignZone.campaign_id == campaign.id, CampaignZone.name == name)
                       .values(verdicts=letters, measured_at=datetime.now(timezone.utc)))
    campaign.started_at = campaign.started_at or datetime.now(timezone.utc)
    db.session.commit()


def test_staff_create_a_campaign_by_uploading_a_file(client, auth, queued):
    auth.login_as(make_user("staff@registry.example", is_staff=True))
    response = _upload(client, ZONES, country="PY")
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert response.headers["Location"].endswith(f"/observatory/{campaign.slug}")
    assert (campaign.zone_count, campaign.namespace, campaign.country) == (4, "py", "PY")
    assert queued() == len(services.queued_batches(campaign)) == 1
    page = client.get(f"/observatory/{campaign.slug}").get_data(as_text=True)
    assert "Campaign recorded: 4 zones queued for measurement." in page
    assert "0 of 4 zones measured" in page and "Waiting for a worker." in page


def test_a_file_with_bad_lines_is_refused_whole_with_their_numbers(client, auth, queued):
    auth.login_as(make_user("staff@registry.example", is_staff=True))
    response = _upload(client, b"uno.py\nbad..py\nuno.org\n")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "line 2: &#39;bad..py&#39;: A zone name cannot contain an empty label" in page
    assert "line 3: &#39;uno.org&#39; is not below the namespace py." in page
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count(Campaign.id))) == 0 and queued() == 0


def test_only_staff_create_campaigns(client, auth):
    assert client.get("/admin/campaigns/new").status_code == 302  # to the login page
    auth.login_as(make_user("noc@operator.example"))
    assert client.get("/admin/campaigns/new").status_code == 403
    assert client.post("/admin/campaigns/new", data={"name": "x"}).status_code in (400, 403)
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_the_public_sees_shares_never_a_zone(client, ctx):
    campaign = services.create_campaign("Paraguay 2026", "py", ZONES, None, country="")
    _measured(campaign, "uno.py")
    _measured(campaign, "dos.py", dnssec_signed="fail", dnssec_valid="n/a", dnssec_algorithm="n/a")
    _measured(campaign, "tres.py", axfr_restricted="fail", no_open_recursion="fail")
    _measured(campaign, "cuatro.py", dnssec_signed="error", dnssec_valid="error", dnssec_algorithm="error",
              axfr_restricted="error", ns_count="error", ns_diversity="error", no_open_recursion="error")
    page = client.get(f"/observatory/{campaign.slug}").get_data(as_text=True)
    assert "uno.py" not in page and "tres.py" not in page  # aggregates only
    shares = _row(page, ".py")
    # signed 2 of 3 (cuatro.py could not be measured: left out, not failing), validating 2 of 3, allowed
    # algorithms 2 of 2 signed, AXFR refused 2 of 3, two networks 3 of 3, open recursion 1 of 3.
    assert shares == ["4", "67%", "67%", "100%", "67%", "100%", "33%"]
    assert _row(page, "Paraguay") == ["2", "50%", "50%", "100%", "100%", "100%", "0%"]
    assert _row(page, "Argentina") == ["1", "100%", "100%", "100%", "0%", "100%", "100%"]
    assert _row(page, "Country not known")[0] == "1"

    api = client.get(f"/api/v1/campaigns/{campaign.slug}").get_json()
    assert api["progress"]["done"] == 4 and api["indicators"]["signed"] == {"share": 0.6667, "zones": 2, "of": 3}
    assert api["countries"]["AR"]["open_recursion"]["share"] == 1.0
    assert "uno.py" not in json.dumps(api)

    observatory = client.get("/observatory").get_data(as_text=True)
    assert _row(observatory, ".py") == shares
    assert _row(observatory, "Latin America and the Caribbean") == ["3", "67%", "67%", "100%", "67%", "100%", "33%"]
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/observatory.csv").get_data(as_text=True))))
    whole = next(r for r in rows if r["country"] == "" and r["region"] == "")
    assert (whole["namespace"], whole["zones_measured"], whole["signed_share"]) == ("py", "4", "0.6667")
    assert {r["country"] for r in rows} == {"", "PY", "AR"}
    assert client.get("/api/v1/observatory").get_json()["namespaces"][0]["latest"]["axfr_refused"]["of"] == 3


def _row(page: str, label: str) -> list[str]:
    """The cells of the indicator table's row headed `label`."""
    match = re.search(r"<th scope=\"row\">" + re.escape(label) + r"</th>(.*?)</tr>", page, re.S)
    assert match, f"no row {label!r}"
    return [re.sub(r"\s+", "", cell).replace("\xa0", "") for cell in re.findall(r"<td[^>]*>(.*?)</td>",
                                                                                  match.group(1), re.S)]


def test_the_commands_create_follow_and_export_a_campaign(runner, tmp_path, queued):
    path = tmp_path / "zones.txt"
    path.write_bytes(ZONES)
    result = runner.invoke(args=["kindns", "campaign", "create", "Paraguay 2026", ".py", str(path),
                                 "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert result.output == "Campaign paraguay-2026: 4 zones in 2 batches queued.\n" and queued() == 2
    status = runner.invoke(args=["kindns", "campaign", "status", "paraguay-2026"])
    assert "paraguay-2026 (queued): 0/4 zones, batches 0/2 done" in status.output
    campaign = db.session.scalar(select(Campaign))
    _measured(campaign, "uno.py")
    exported = json.loads(runner.invoke(args=["kindns", "campaign", "export", "paraguay-2026"]).output)
    assert exported["indicators"]["signed"]["zones"] == 1 and exported["progress"]["done"] == 1
    table = runner.invoke(args=["kindns", "campaign", "export", "--format", "csv"]).output
    assert table.splitlines()[0].startswith("namespace,month,region,country,zones_measured,signed_share")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"bad..py\n")
    refused = runner.invoke(args=["kindns", "campaign", "create", "Bad", "py", str(bad)])
    assert refused.exit_code == 1 and "line 1: 'bad..py'" in refused.output


def test_an_invited_organisation_runs_campaigns_of_its_own(client, auth, queued):
    from kindns.models import AuditEvent
    from tests.factories import make_organisation
    from tests.helpers import submit_form

    organisation = make_organisation("NIC Paraguay", approved=True)
    operator = make_user("noc@nic.py", organisation=organisation)
    staff = make_user("staff@registry.example", is_staff=True)
    auth.login_as(operator)
    assert client.get("/dashboard/campaigns").status_code == 403
    assert "/dashboard/campaigns" not in client.get("/dashboard").get_data(as_text=True)

    auth.login_as(staff)
    invited = submit_form(client, "/admin/campaigns/invitations", {"invite-organisation": organisation.id},
                          form_url="/admin/campaigns/", follow_redirects=True)
    assert "NIC Paraguay may now run measurement campaigns." in invited.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.organisation_id == organisation.id)) \
        == "campaigns.invited"

    auth.login_as(operator)
    assert "/dashboard/campaigns" in client.get("/dashboard").get_data(as_text=True)
    page = client.get("/dashboard/campaigns")
    created = client.post("/dashboard/campaigns", content_type="multipart/form-data", data={
        "csrf_token": csrf_token_from(page.data), "name": "NIC.py", "namespace": "py", "country": "PY",
        "zones": (io.BytesIO(b"uno.py\ndos.py\n"), "zones.txt")})
    assert created.status_code == 302 and queued() == 1
    campaign = db.session.scalar(select(Campaign))
    assert campaign.organisation_id == organisation.id and campaign.created_by_id == operator.id
    assert "NIC.py" in client.get("/dashboard/campaigns").get_data(as_text=True)

    auth.login_as(staff)
    submit_form(client, f"/admin/campaigns/invitations/{organisation.id}/withdraw", {},
                form_url="/admin/campaigns/")
    auth.login_as(operator)
    assert client.get("/dashboard/campaigns").status_code == 403
    assert db.session.get(Campaign, campaign.id) is not None  # its campaigns stay


def test_the_participants_zones_are_a_row_of_their_own(client):
    from tests.conformance.factories import make_run
    from tests.factories import make_organisation

    approved = make_organisation("Approved Networks", approved=True, zones=("a.example", "b.example", "c.example"))
    make_run(approved.zones[0], {"dnssec-signed": "pass"}, finished_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    make_run(approved.zones[0], {"dnssec-signed": "fail", "dnssec-valid": "n/a", "dnssec-algorithm": "n/a"})
    make_run(approved.zones[1], {"no-open-recursion": "fail"})
    unmeasured = make_run(approved.zones[2], default="error")
    unmeasured.unmeasured = {"message": {"code": "NO_DELEGATION", "args": {}}, "probes": []}
    pending = make_organisation("Pending Networks", status="submitted", zones=("d.example",))
    make_run(pending.zones[0], {"dnssec-signed": "fail"})
    db.session.commit()
    page = client.get("/observatory").get_data(as_text=True)
    # The latest run of each approved participant's zone that could be measured: a.example now unsigned.
    assert _row(page, "Registry participants") == ["2", "50%", "50%", "100%", "100%", "100%", "50%"]
    assert "a.example" not in page
    # Month by month: in January 2026 a.example alone, signed; now two zones, one signed.
    history = client.get("/api/v1/observatory").get_json()["namespaces"][-1]
    assert history["namespace"] == "participants"
    signed = {h["month"]: (h["signed"]["zones"], h["signed"]["of"]) for h in history["history"]}
    assert signed["2026-01"] == (1, 1) and signed[datetime.now(timezone.utc).strftime("%Y-%m")] == (1, 2)
    assert page.count('data-region="Registry participants"') == 6  # a line in each indicator's chart
