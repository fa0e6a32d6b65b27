"""How long a signed-in session lasts: SESSION_IDLE_SECONDS without a request, and
SESSION_MAX_SECONDS after sign-in however busy it is (settings). Django's own session age
is reset by every write to the session, so it cannot hold a limit that is never extended."""

import datetime
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, resolve_url

from diversion.lib.dates import duration_in_words

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# The idle clock is moved on at most once a minute, so that most requests write nothing to
# the session. The last request may have come up to a minute after the clock last moved,
# so the limit is counted from a minute later: a session ends between 30 and 31 minutes
# after its last request, never sooner.
IDLE_TICK = 60


def ended_because(session: Any, now: float) -> str | None:
    """Why the session has run out at `now` (seconds since the epoch), or None if it has
    not. A session from before these limits has no clocks: it counts from now."""
    signed_in_at = session.get(SIGNED_IN_AT, now)
    last_seen = session.get(LAST_SEEN, now)
    if now - signed_in_at >= settings.SESSION_MAX_SECONDS:
        return f"{_in_words(settings.SESSION_MAX_SECONDS)} after signing in"
    if now - last_seen >= settings.SESSION_IDLE_SECONDS + IDLE_TICK:
        return f"after {_in_words(settings.SESSION_IDLE_SECONDS)} without activity"
    return None


def _in_words(seconds: int) -> str:
    return duration_in_words(datetime.timedelta(seconds=seconds))


def _start_clocks(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    now = int(time.time())
    request.session[SIGNED_IN_AT] = request.session[LAST_SEEN] = now


def connect() -> None:
    user_logged_in.connect(_start_clocks, dispatch_uid="session_limit_clocks")


class SessionLimitMiddleware:
    """Signs out a session that has run out, back to the sign-in page with a message saying
    why, and otherwise moves its idle clock on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            reason = ended_because(request.session, now)
            if reason:
                # Read by the security log's sign-out entry (audit.security).
                request.signed_out_because = reason  # type: ignore[attr-defined]
                logout(request)
                messages.info(request, f"You were signed out {reason}. Sign in again.")
                login = resolve_url(settings.LOGIN_URL)
                if request.method == "GET":
                    login += "?" + urlencode({"next": request.get_full_path()})
                return redirect(login)
            request.session.setdefault(SIGNED_IN_AT, now)
            if now - request.session.get(LAST_SEEN, 0) >= IDLE_TICK:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
