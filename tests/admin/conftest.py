import pytest


@pytest.fixture
def ctx(app):
    """A request context, for calling services directly (their messages and mails are translated)."""
    with app.test_request_context():
        yield


@pytest.fixture(autouse=True)
def invitation_endpoint(app):
    """The accounts blueprint owns `accounts.accept_invitation`; stand in for it if it is not there."""
    if "accounts.accept_invitation" not in app.view_functions:
        app.add_url_rule("/invitations/<token>", endpoint="accounts.accept_invitation", view_func=lambda token: "")
