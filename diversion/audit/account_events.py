"""The security log's entries for what happens to an account: locked out and unlocked (by
django-axes, accounts.lockout) and its password changed (accounts.password)."""

from typing import Any

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Min, Sum
from django.db.models.signals import post_delete, pre_delete
from django.http import HttpRequest

from diversion.accounts.lockout import refused_while_locked
from diversion.accounts.signals import password_changed
from diversion.audit.models import SecurityEventKind
from diversion.audit.security import record


def _account(username: str | None) -> Any:
    return get_user_model().objects.filter(username=username).first() if username else None


def _locked_out(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    """Logged once, by the failure that locks the account: axes also signals each later try
    while it is locked, which the security log has as a failed sign-in (audit.security)."""
    if refused_while_locked(request):
        return
    record(
        SecurityEventKind.LOCKED_OUT,
        request,
        _account(username),
        detail=f"after {settings.AXES_FAILURE_LIMIT} failed sign-ins",
    )


def _before_clearing(sender: Any, instance: AccessAttempt, **kwargs: Any) -> None:
    """Whether clearing this attempt unlocks an account. An account's failures may be held
    in several rows (one per address and browser), all deleted at once by an unlock through
    the admin site or `manage.py axes_reset_username`: the first of them speaks for all, so
    one unlock is one entry. A sign-in clearing the count of an account that was not locked
    is no unlock."""
    rows = AccessAttempt.objects.filter(username=instance.username)
    counts = rows.aggregate(failures=Sum("failures_since_start"), first=Min("pk"))
    locked = (counts["failures"] or 0) >= settings.AXES_FAILURE_LIMIT
    # Read by _cleared, below.
    instance._unlocks = locked and counts["first"] == instance.pk


def _cleared(sender: Any, instance: AccessAttempt, **kwargs: Any) -> None:
    if getattr(instance, "_unlocks", False):
        record(
            SecurityEventKind.UNLOCKED,
            None,
            _account(instance.username),
            detail="failed sign-ins cleared",
        )


def _password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(SecurityEventKind.PASSWORD_CHANGED, request, user)


def connect() -> None:
    user_locked_out.connect(_locked_out, dispatch_uid="security_log_locked_out")
    pre_delete.connect(_before_clearing, sender=AccessAttempt, dispatch_uid="lockout_unlocks")
    post_delete.connect(_cleared, sender=AccessAttempt, dispatch_uid="security_log_unlocked")
    password_changed.connect(_password_changed, dispatch_uid="security_log_password_changed")
