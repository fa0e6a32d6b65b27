import datetime
import sys
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from diversion.lib.dates import duration_in_words


@login_not_required
@transaction.non_atomic_requests
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the database answers, 503 otherwise; never any personal data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


# When the accessibility statement was prepared, and when the service was last tested for
# it: change them when the statement is reviewed.
STATEMENT_PREPARED = datetime.date(2026, 12, 1)
LAST_TESTED = datetime.date(2026, 12, 1)


@login_not_required
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement, which the Public Sector Bodies (Websites and Mobile
    Applications) (No. 2) Accessibility Regulations 2018 ask every public sector service to
    publish. It is public information, so it needs no sign-in: with sign-in itself and the
    health check, the only page that does not."""
    return render(
        request,
        "lib/accessibility.html",
        {
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "contact_phone": settings.ACCESSIBILITY_CONTACT_PHONE,
            "reply_days": settings.ACCESSIBILITY_REPLY_DAYS,
            "session_length": duration_in_words(timedelta(seconds=settings.SESSION_MAX_SECONDS)),
            "idle_length": duration_in_words(timedelta(seconds=settings.SESSION_IDLE_SECONDS)),
            "prepared": STATEMENT_PREPARED,
            "tested": LAST_TESTED,
        },
    )


# Error pages say what went wrong in plain words and never echo the request back.
def _error(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 400, "Sorry, there is a problem with that request", "Go back and try again."
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        "You cannot use this page",
        "Your role does not give you access to this page. If you think it should, ask a manager.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        404,
        "Page not found",
        "If you typed the web address, check it is correct. The record may not exist, "
        "or may not be one you can see.",
    )


# The database could not be reached, or went away mid-request (a restart, a failover).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request: the failure may be the database the context needs.

    When the database cannot be reached, the service is unavailable (503), not broken: a
    request is one transaction (ATOMIC_REQUESTS), so nothing it sent was half written, and
    the next request after the database is back connects afresh, with no restart."""
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        context = {
            "title": "Sorry, the service is unavailable",
            "message": "Checkpoint cannot reach its records at the moment. If you were "
            "saving something, it was not saved. Try again in a few minutes.",
        }
        response = HttpResponse(render_to_string("error.html", context), status=503)
        response["Retry-After"] = "60"
        return response
    context = {"title": "Sorry, there is a problem with the service", "message": "Try again later."}
    return HttpResponseServerError(render_to_string("error.html", context))
