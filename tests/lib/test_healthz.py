from unittest import mock

from django.db import OperationalError


def test_healthz_says_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_says_503_when_the_database_does_not_answer(client, db):
    with mock.patch("diversion.lib.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert b"down" not in response.content


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
