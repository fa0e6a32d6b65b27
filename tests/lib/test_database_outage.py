"""With its database unreachable the service says it is unavailable (503) on every page,
sign-in included, with no trace of its workings, and comes back without a restart once the
database does.

Tried for real: a throwaway PostgreSQL cluster on a port of its own, made for this module,
stopped and started by the test, and the service run by gunicorn against it. The suite's own
server is never touched.
"""

import pytest

from tests.clusters import cluster as throwaway_cluster
from tests.clusters import (
    fetch,
    manage,
    needs_cluster_tools,
    opener,
    served,
    service_env,
    sign_in,
)

pytestmark = needs_cluster_tools

PASSWORD = "outage-test-password-2026"  # noqa: S105 - a throwaway database's only account
UNAVAILABLE = "Sorry, the service is unavailable"


@pytest.fixture(scope="module")
def cluster():
    with throwaway_cluster("outage") as made:
        yield made


@pytest.fixture(scope="module")
def service(cluster):
    """The service on its own port, as `make serve` runs it, against the throwaway cluster
    (one role: the cluster's superuser), with a manager who can sign in."""
    env = service_env(DATABASE_URL=cluster.url("checkpoint_outage"))
    manage(env, "ensure_database")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import Group; from diversion.accounts.models import User;"
        f" u = User.objects.create_user('outage-manager', password='{PASSWORD}');"
        " u.groups.add(Group.objects.get(name='Manager'))",
    )
    with served(env) as base:
        yield base


def assert_unavailable(status: int, page: str) -> None:
    assert status == 503
    assert UNAVAILABLE in page
    assert "Traceback" not in page and "psycopg2" not in page and "postgres" not in page


def test_every_page_says_unavailable_while_the_database_is_down_and_recovers(cluster, service):
    signed_in, visitor = sign_in(service, "outage-manager", PASSWORD), opener()
    assert fetch(signed_in, service + "/dashboards/")[0] == 200
    # A visitor with the sign-in form open when the database goes.
    assert fetch(visitor, service + "/accounts/login/")[0] == 200

    cluster.ctl("stop")
    try:
        assert_unavailable(*fetch(opener(), service + "/accounts/login/"))
        assert_unavailable(
            *fetch(visitor, service + "/accounts/login/", {"username": "x", "password": "y"})
        )
        assert_unavailable(*fetch(signed_in, service + "/dashboards/"))
        assert_unavailable(*fetch(signed_in, service + "/people/"))
        assert fetch(opener(), service + "/healthz")[0] == 503
    finally:
        cluster.ctl("start")

    # Back without restarting the service: the same session, the same pages.
    assert fetch(opener(), service + "/healthz")[0] == 200
    assert fetch(signed_in, service + "/dashboards/")[0] == 200
    assert fetch(opener(), service + "/accounts/login/")[0] == 200
