from kindns import create_app


def test_factory_reads_test_config(app):
    assert app.testing
    assert not create_app({"TESTING": False}).testing


def test_home_page_renders_base_layout(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"KINDNS Registry" in response.data


def test_auth_login_as_logs_the_user_in(client, auth):
    from tests.factories import make_user

    user = make_user(email="alice@example.net")
    assert b"Log out" not in client.get("/").data
    auth.login_as(user)
    assert b"Log out" in client.get("/").data
