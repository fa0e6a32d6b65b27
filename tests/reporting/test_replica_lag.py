"""How far behind the main database the reporting copy is, in words, beside the "as of" of
every page that reads it; and nothing of it without a copy. The lag itself is read from a
real replica in test_replica."""

import pytest

from diversion.reporting import refresh, replica, sample
from diversion.reporting.replica import Lag
from tests.reporting.test_dashboard import PANELS
from tests.reporting.test_sample import choices

COPY = "read from the reporting copy"
BEHIND = "read from the reporting copy, up to 3 seconds behind the main database"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.0, "read from the reporting copy, up to date with the main database"),
        (0.1, "read from the reporting copy, up to a second behind the main database"),
        (1.0, "read from the reporting copy, up to 1 second behind the main database"),
        (3.9, BEHIND),
        (59.9, "read from the reporting copy, up to 59 seconds behind the main database"),
        (75.0, "read from the reporting copy, up to 1 minute behind the main database"),
        (
            3 * 3600 + 12 * 60 + 5,
            "read from the reporting copy, up to 3 hours 12 minutes behind the main database",
        ),
        (
            None,
            "read from the reporting copy, which may be behind the main database by a time "
            "not known",
        ),
    ],
)
def test_the_lag_is_said_in_words(seconds, words):
    assert str(Lag(seconds)) == words


def test_without_a_copy_there_is_no_lag_and_no_query(monkeypatch):
    monkeypatch.setattr(replica, "configured", lambda: False)
    # No database is open to this test: a query would fail it.
    assert replica.lag() is None


@pytest.fixture
def behind(monkeypatch):
    """A copy 3 seconds behind."""
    monkeypatch.setattr(replica, "lag", lambda: Lag(3.0))


@pytest.fixture
def signed_in(client, manager, make_referral):
    make_referral()
    refresh.refresh()
    client.force_login(manager)
    return client


def test_the_dashboard_says_the_lag_beside_the_figures_and_each_panels_as_of(signed_in, behind):
    page = signed_in.get("/dashboards/").content.decode()
    assert f'</strong>, <span data-testid="lag">{BEHIND}</span>.' in page
    assert page.count(f", {BEHIND}. <a") == len(PANELS)


def test_before_any_figures_the_dashboard_still_says_the_lag(client, manager, behind):
    client.force_login(manager)
    page = client.get("/dashboards/").content.decode()
    assert f'No figures have been worked out yet (<span data-testid="lag">{BEHIND}</span>).' in page


def test_a_panels_download_page_says_the_lag(signed_in, behind):
    page = signed_in.get("/dashboards/funnel/export/").content.decode()
    assert f'<span data-testid="lag">{BEHIND}</span>.' in page


def test_a_drawn_sample_says_the_lag(client, manager, behind, monkeypatch):
    monkeypatch.setattr(sample, "candidates", lambda asked: [1, 2, 3])
    client.force_login(manager)
    page = client.post("/dashboards/sample/", choices()).content.decode()
    assert f"The cases were {BEHIND}." in page


def test_without_a_copy_no_page_speaks_of_one(signed_in, monkeypatch):
    monkeypatch.setattr(sample, "candidates", lambda asked: [1, 2, 3])
    pages = [
        signed_in.get("/dashboards/"),
        signed_in.get("/dashboards/funnel/export/"),
        signed_in.post("/dashboards/sample/", choices()),
    ]
    for response in pages:
        assert response.status_code == 200
        assert COPY not in response.content.decode()
