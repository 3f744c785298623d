"""Public pages, the API and the badge answer 304 to a client whose copy is current, and say how long it
may keep one."""
import pytest

from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user
from tests.helpers import sql_statements

PUBLIC = ["/", "/participants", "/participants/{slug}", "/champions", "/leaderboard", "/badge/{slug}.svg",
          "/api/v1/participants", "/api/v1/participants/{slug}", "/api/v1/participants/{slug}/checks",
          "/api/v1/champions", "/api/v1/leaderboard", "/api/v1/regions"]


@pytest.mark.parametrize("path", PUBLIC)
def test_a_current_copy_gets_304_and_a_changed_page_200(client, path):
    org = make_organisation("Tempus", country="PY", approved=True, champion="Teaches DNSSEC", zones=("a.example",))
    url = path.format(slug=org.slug)
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.cache_control.public and 0 < first.cache_control.max_age <= 300
    assert {"Accept-Language", "Cookie"} <= set(first.vary)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    org.name = "Tempus Redes"
    make_organisation("Savanna", country="PY", approved=True, champion="Teaches too")
    make_run(org.zones[0], {"axfr-restricted": "fail"})  # commits the new name too
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]


def test_another_language_is_another_copy(client):
    english = client.get("/participants")
    spanish = client.get("/participants", headers={"Accept-Language": "es",
                                                    "If-None-Match": english.headers["ETag"]})
    assert spanish.status_code == 200 and spanish.headers["ETag"] != english.headers["ETag"]


def test_a_logged_in_readers_pages_are_kept_by_their_browser_alone(client, auth):
    auth.login_as(make_user())
    response = client.get("/participants")
    assert response.cache_control.private and not response.cache_control.public
    assert response.cache_control.max_age == 0


def test_private_pages_and_the_csv_are_not_conditional(client, auth):
    assert "ETag" not in client.get("/login").headers
    assert "ETag" not in client.get("/api/v1/participants.csv").headers
    # Nor kept, nor waited for: downloads of the export never queue behind one another.
    assert not any("participants.csv" in key[1] for key in client.application.extensions.get("kindns_page_locks", {}))


def test_a_page_many_open_at_once_is_built_once_and_a_change_shows_at_once(app, client, monkeypatch):
    from kindns import caching
    from kindns.extensions import db

    org = make_organisation("Tempus", country="PY", approved=True)
    assert "Tempus" in client.get("/participants").get_data(as_text=True)
    with sql_statements() as statements:
        again = client.get("/participants")
        spanish = client.get("/participants", headers={"Accept-Language": "es"})
    assert again.status_code == 200 and "Tempus" in again.get_data(as_text=True)
    assert "Participantes" in spanish.get_data(as_text=True)
    assert len(statements) == 3  # the Spanish page only: the English one was kept
    org.name = "Tempus Redes"
    db.session.commit()
    assert "Tempus Redes" in client.get("/participants").get_data(as_text=True)
    # A change made elsewhere (another process) shows once the period is over.
    db.session.execute(db.text("UPDATE organisation SET name = 'Tempus Group'"))
    db.session.commit()
    assert "Tempus Group" not in client.get("/participants").get_data(as_text=True)
    now = caching._clock()
    monkeypatch.setattr(caching, "_clock", lambda: now + app.config["KINDNS_PAGE_CACHE_SECONDS"])
    assert "Tempus Group" in client.get("/participants").get_data(as_text=True)


def test_a_logged_in_reader_gets_their_own_page(client, auth):
    make_organisation("Tempus", country="PY", approved=True)
    client.get("/participants")
    auth.login_as(make_user())
    assert "Log out" in client.get("/participants").get_data(as_text=True)


def test_a_process_keeps_a_bounded_number_of_pages(app, client, monkeypatch):
    from kindns import caching

    monkeypatch.setattr(caching, "MAX_KEPT", 3)
    for n in range(6):
        client.get(f"/participants?q=word{n}")
    assert [key[1] for key in app.extensions[caching._CACHE_KEY]] == [
        "/participants?q=word3", "/participants?q=word4", "/participants?q=word5"]


def test_readers_opening_a_page_at_once_wait_for_one_of_them_to_build_it(app, monkeypatch):
    import threading
    import time

    from kindns.directory import services

    make_organisation("Tempus", country="PY", approved=True)
    built = []
    original = services.search_filters

    def slow_search(*args, **kwargs):
        built.append(threading.current_thread().name)
        time.sleep(0.3)  # long enough for every reader to arrive while the first builds
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "search_filters", slow_search)
    bodies = []

    def read() -> None:
        response = app.test_client().get("/participants")
        bodies.append((response.status_code, response.get_data(as_text=True)))

    readers = [threading.Thread(target=read, name=f"reader-{n}") for n in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert len(built) == 1
    assert len(bodies) == 4 and all(status == 200 and "Tempus" in body for status, body in bodies)


def test_a_starting_process_renders_the_public_pages_once(app):
    from kindns import caching
    from kindns.directory import services

    make_organisation("Tempus", country="PY", approved=True)
    assert caching.warm_up(app) == len(caching.WARM_PATHS)
    assert app.extensions[services._CACHE_KEY]["standings"]


def test_readers_get_the_copy_kept_while_one_of_them_builds_it_again(app, client, monkeypatch):
    import threading

    from kindns import caching

    make_organisation("Tempus", country="PY", approved=True)
    client.get("/participants")
    from kindns.extensions import db
    db.session.execute(db.text("UPDATE organisation SET name = 'Tempus Group'"))  # elsewhere: nothing forgotten
    db.session.commit()
    now = caching._clock()
    monkeypatch.setattr(caching, "_clock", lambda: now + app.config["KINDNS_PAGE_CACHE_SECONDS"])
    building = threading.Lock()
    building.acquire()  # another reader is building the page again
    key = next(iter(app.extensions[caching._CACHE_KEY]))
    app.extensions[caching._LOCKS_KEY][key] = building
    stale = client.get("/participants")
    assert stale.status_code == 200 and "Tempus Group" not in stale.get_data(as_text=True)
    building.release()
    assert "Tempus Group" in client.get("/participants").get_data(as_text=True)
