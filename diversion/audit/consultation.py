"""Consultation and refusal logging, enforced in one place (DPA 2018 s62(1)(c) and (2):
each consultation is logged with its date, time and who made it).

No view logs a viewing itself. The access helpers (cases.access, people.access) name the
record they return with `consulted`, list pages name their rows (lib.lists.rows_shown),
and a page showing other records (search results, a person's referrals) names those. The
middleware collects what a request consulted and writes it in one insert, once per record,
when the request shows a page: a redirect or an error page shows nothing.

A record outside the user's reach, or not there, is `Refused`: a 404 that carries what was
asked for. It is logged after the view's transaction (ATOMIC_REQUESTS) has been rolled
back, so the entry survives the rollback.
"""

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from diversion.accounts.models import User
from diversion.audit.models import AccessLogEntry, Action, SecurityEvent
from diversion.lib.db import parse_pk
from diversion.lib.lists import rows_shown

# The log's own entries are about staff and records, not about people.
NOT_PERSONAL: set[type[Model]] = {AccessLogEntry, SecurityEvent}

# What the current request has consulted: an entry for each (actor, record type, record key).
Consulted = dict[tuple[int, str, int], AccessLogEntry]
_request: ContextVar[tuple[HttpRequest, Consulted] | None] = ContextVar(
    "consultation_request", default=None
)


def page_name(request: HttpRequest | None) -> str:
    """The page a request opened, as its URL name and any part of the address that is not a
    record's key ("referrals:draft_step step=check"). Never the query string, which may
    hold a name searched for."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    extra = [f"{key}={value}" for key, value in match.kwargs.items() if key != "pk"]
    return " ".join([match.view_name, *extra])[:200]


def consulted(user: User, *records: Model) -> None:
    """Log that `user` is shown `records` (model instances) by the page being made. Outside
    a request (a shell, a command) the entries are written at once."""
    current = _request.get()
    entries = (
        AccessLogEntry(
            actor=user,
            action=Action.CONSULTATION,
            record_type=record._meta.label_lower,
            record_id=record.pk,
            detail=page_name(current[0] if current else None),
        )
        for record in records
        if type(record) not in NOT_PERSONAL and record.pk is not None
    )
    if current is None:
        AccessLogEntry.objects.bulk_create(entries)
        return
    shown = current[1]
    for entry in entries:
        shown.setdefault((user.pk, entry.record_type, entry.record_id), entry)  # type: ignore[arg-type]


class Refused(Http404):
    """A record the user asked for that does not exist or is outside their reach: "not
    found", logged with the record type and the key asked for."""

    def __init__(self, model: type[Model], key: object) -> None:
        super().__init__(f"No {model._meta.verbose_name} found")
        self.record_type = model._meta.label_lower
        self.key = key


M = TypeVar("M", bound=Model)


def fetch(queryset: "QuerySet[M]", pk: object) -> M:
    """The record `pk` of `queryset` (the records within a user's reach), or Refused."""
    key = parse_pk(str(pk))
    if key is not None:
        try:
            return queryset.get(pk=key)
        except ObjectDoesNotExist:
            pass
    raise Refused(queryset.model, pk)


class ConsultationMiddleware:
    """Writes the request's consultations in one insert once a page is shown, and each
    refusal after the view's transaction has been rolled back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        shown: Consulted = {}
        token = _request.set((request, shown))
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if 200 <= response.status_code < 300 and shown:
            AccessLogEntry.objects.bulk_create(shown.values())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        # Called once the view (and its transaction) has ended; the 404 page follows.
        if isinstance(exception, Refused) and request.user.is_authenticated:
            AccessLogEntry.objects.create(
                actor=request.user,
                action=Action.REFUSED,
                record_type=exception.record_type,
                record_id=parse_pk(str(exception.key)),
                detail=page_name(request),
            )


def _rows_shown(sender: Any, request: HttpRequest, rows: list[Model], **kwargs: Any) -> None:
    # A list read outside a signed-in request (a benchmark, a test) shows no one anything.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        consulted(user, *rows)


def connect() -> None:
    rows_shown.connect(_rows_shown, dispatch_uid="audit.consultation.rows_shown")
