from kindns import create_app


def test_factory_reads_test_config(app):
    assert app.testing
    assert not create_app({"TESTING": False}).testing


def test_home_page_renders_base_layout(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"KINDNS Registry" in response.data
