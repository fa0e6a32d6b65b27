"""The security log's entries, from Django's sign-in signals."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from diversion.accounts.lockout import refused_while_locked
from diversion.accounts.two_factor import second_factor_failed
from diversion.audit.models import SecurityEvent, SecurityEventKind
from diversion.lib.net import client_address


def record(
    kind: SecurityEventKind,
    request: HttpRequest | None,
    user: Any = None,
    *,
    detail: str = "",
) -> SecurityEvent:
    """Append one event to the security log."""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and user.pk else None,
        address=client_address(request) if request is not None else None,
        detail=detail,
    )


def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(SecurityEvent.Kind.SIGNED_IN, request, user)


def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        # A session that ran out says why (accounts.sessions).
        detail = getattr(request, "signed_out_because", "")
        record(SecurityEvent.Kind.SIGNED_OUT, request, user, detail=detail)


def _failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Names the account only when the username typed is one (see SecurityEvent)."""
    User = get_user_model()
    username = credentials.get("username") or ""
    account = User.objects.filter(username=username).first() if username else None
    if refused_while_locked(request):
        detail = "account locked"
    else:
        detail = "" if account else "no such account"
    record(SecurityEvent.Kind.SIGN_IN_FAILED, request, account, detail=detail)


def _second_factor_refused(
    sender: Any, request: HttpRequest, user: Any, detail: str, **kwargs: Any
) -> None:
    """A wrong authenticator or recovery code, or one typed while they are throttled."""
    record(SecurityEvent.Kind.SECOND_FACTOR_FAILED, request, user, detail=detail)


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="security_log_signed_in")
    user_logged_out.connect(_signed_out, dispatch_uid="security_log_signed_out")
    user_login_failed.connect(_failed, dispatch_uid="security_log_failed")
    second_factor_failed.connect(_second_factor_refused, dispatch_uid="security_log_second_factor")
