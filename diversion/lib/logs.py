"""Structured logs: one JSON object a line (LOG_FORMAT=json, as `make serve` runs), and one
line for each request with its id, method, path, status and duration.

No personal data: never a query string (it may hold a name searched for), nothing from a
form, and of an error only its kind and where in the code it happened, not its message (a
database error's message can quote the values it refused).
"""

import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

requests = logging.getLogger("diversion.requests")

# A request id a proxy in front may pass on (X-Request-Id), if it looks like one.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = record.exc_info[0].__name__
            entry["where"] = [
                f"{frame.filename}:{frame.lineno} {frame.name}"
                for frame in traceback.extract_tb(record.exc_info[2])
            ][-5:]
        return json.dumps(entry)


class RequestLogMiddleware:
    """Gives each request an id (the proxy's, or a new one), returns it as X-Request-Id, and
    logs the request's line once it is answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-Id", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        requests.info(
            "request",
            extra={
                "fields": {
                    "request_id": request_id,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                }
            },
        )
        response["X-Request-Id"] = request_id
        return response
