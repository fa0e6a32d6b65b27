"""Structured logs (diversion.lib.logs): a line for each request, with its id, path, status
and duration, and never a query string or an error's message."""

import json
import logging
import sys

from diversion.lib.logs import JsonFormatter


def request_lines(caplog):
    return [r.fields for r in caplog.records if r.name == "diversion.requests"]


def test_each_request_is_logged_with_its_id_path_status_and_duration(client, db, caplog):
    caplog.set_level(logging.INFO, logger="diversion.requests")
    response = client.get("/people/", {"q": "Quarrendon-Vaux"})
    (line,) = request_lines(caplog)
    assert line["path"] == "/people/"
    assert line["status"] == 302  # signed out: sent to sign in
    assert line["method"] == "GET"
    assert line["duration_ms"] >= 0
    assert line["request_id"] == response["X-Request-Id"]
    assert "Quarrendon" not in json.dumps(line)


def test_a_proxys_request_id_is_kept_and_junk_is_replaced(client, db, caplog):
    caplog.set_level(logging.INFO, logger="diversion.requests")
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="abc123-proxy-id")
    junk = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert kept["X-Request-Id"] == "abc123-proxy-id"
    assert junk["X-Request-Id"] != "<script>alert(1)</script>"
    assert [line["request_id"] for line in request_lines(caplog)] == [
        kept["X-Request-Id"],
        junk["X-Request-Id"],
    ]


def test_a_json_line_names_an_errors_kind_and_place_but_never_its_message():
    try:
        raise ValueError("Key (pnc_id)=(2001/0000001Z) already exists")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["error"] == "ValueError"
    assert line["where"] and "test_logs.py" in line["where"][-1]
    assert "2001/0000001Z" not in json.dumps(line)
