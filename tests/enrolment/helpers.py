"""Helpers for the enrolment and staff tests: real CSRF tokens and ready-made operators."""
from __future__ import annotations

import re

from kindns.enrolment import services
from tests.factories import make_user

_TOKEN = re.compile(r'name="[^"]*csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, page: str = "/dashboard") -> str:
    """The CSRF token of the client's session, read from a page that has a form (every logged-in page has
    the log-out form)."""
    response = client.get(page)
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, *, page: str = "/dashboard", prefix: str = "",
              **kwargs):
    """POST like a browser: with the session's CSRF token (named with the form's prefix, if any)."""
    field = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={field: csrf_token(client, page), **(data or {})}, **kwargs)


def details(**overrides) -> services.OrganisationDetails:
    values = dict(name="Example Networks", country="BR", categories=["sld-zones"],
                  contact_name="NOC", contact_email="noc@example.net", website="https://example.net")
    values.update(overrides)
    return services.OrganisationDetails(**values)


def make_operator(name: str = "Example Networks", **overrides):
    """A confirmed user who owns a freshly created (draft) organisation, made through the service."""
    user = make_user()
    organisation = services.create_organisation(user, details(name=name, **overrides))
    return user, organisation


def answer_everything(organisation, user, implemented: bool = True) -> None:
    answers = {pid: services.Answer(implemented, "We do it with care.")
               for pid in services.assessment_practice_ids(organisation)}
    services.save_assessment(organisation, user, answers)


def ready_to_submit(name: str = "Example Networks"):
    """An operator whose organisation has a zone and a full self-assessment."""
    user, organisation = make_operator(name)
    services.add_zones(organisation, user, "example.net")
    answer_everything(organisation, user)
    return user, organisation
