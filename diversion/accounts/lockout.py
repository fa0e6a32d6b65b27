"""Locking an account after repeated failed sign-ins, with django-axes (settings AXES_*).

Failures are counted against the account, from whatever address they come: someone trying
passwords from many addresses gets no more tries than from one. Counting by address as well
would lock out every member of staff behind a station's shared address for one person's
mistakes, so the address is recorded (the security log) but not counted.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac


def username_for(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username failures are counted against: the one typed when it names an account,
    else a keyed digest of what was typed. A stranger's guess (or a password typed into the
    username box) is never stored, yet guesses at a name that is no account are locked out
    just the same, so a lockout does not tell a stranger which names are accounts."""
    typed = (credentials or {}).get("username") or request.POST.get("username") or ""
    if not typed:
        return None
    if get_user_model().objects.filter(username=typed).exists():
        return str(typed)
    return "unknown " + salted_hmac("sign-in lockout", typed).hexdigest()[:32]


def refused_while_locked(request: HttpRequest | None) -> bool:
    """Whether django-axes refused this sign-in because the account was already locked,
    rather than counting it: it then marks the request locked without a count."""
    return bool(
        getattr(request, "axes_locked_out", False)
        and getattr(request, "axes_failures_since_start", None) is None
    )


def sign_in_page(
    request: HttpRequest, original_response: HttpResponse, credentials: dict[str, Any] | None
) -> HttpResponse:
    """What a refused sign-in shows: the sign-in page as the view drew it, which says the
    account is locked (forms.SignInForm), in place of django-axes' bare 429 page."""
    return original_response
