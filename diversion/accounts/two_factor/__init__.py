"""Two-factor sign-in: after the password, the code the user's authenticator app shows
(TOTP, RFC 6238) or one of their one-time recovery codes.

DPA 2018 s66 asks for security appropriate to the risks of the processing, including
against unauthorised access; for police and health data a password alone is not enough.

django-otp holds the devices: an authenticator (otp_totp) and a set of recovery codes
(otp_static), and throttles wrong codes on each (a growing wait after each one). The
security log records every refused code, through `second_factor_failed` (audit connects
it, as it does Django's sign-in signals: accounts sits below audit).
"""

import math
import re
from base64 import b32encode
from collections.abc import Callable
from typing import Any, TypeVar, cast

import django_otp
from django.conf import settings
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.accounts.models import User

View = TypeVar("View", bound=Callable[..., Any])

RECOVERY_CODES = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"
# Set at each sign-in: whether the user then had an authenticator, so that with REQUIRE_2FA
# off the pages need not look it up on every request.
HAS_AUTHENTICATOR_KEY = "two_factor_has_authenticator"

# Sent with `request`, `user` and `detail` (what was refused; never the code typed).
second_factor_failed = Signal()

# An authenticator's code is six digits; a recovery code is eight letters and digits
# (StaticToken.random_token). People may type spaces or dashes between groups.
AUTHENTICATOR_CODE = re.compile(r"^[0-9]{6}$")
SEPARATORS = re.compile(r"[\s-]+")
# What the security log calls a code typed to confirm a new authenticator.
SETTING_UP = "code while setting up"


class CodeRefused(Exception):
    """The code was wrong, or came too soon after wrong ones; the message says which."""


def before_second_factor(view: View) -> View:
    """Mark a view a signed-in user may use before their second factor is checked: the
    two-factor pages themselves, and signing out."""
    view.before_second_factor = True  # type: ignore[attr-defined]  # a mark on the function
    return view


def signed_in_user(request: HttpRequest) -> User:
    """The request's user, on the pages only a signed-in user reaches."""
    return cast(User, request.user)


def is_verified(user: Any) -> bool:
    """Whether this session's second factor was checked (OTPMiddleware says)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def must_verify(request: HttpRequest) -> bool:
    """Whether the signed-in user must give a second factor before anything else: always
    when REQUIRE_2FA is on, and otherwise when they had an authenticator at sign-in."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_verified(user):
        return False
    return settings.REQUIRE_2FA or bool(request.session.get(HAS_AUTHENTICATOR_KEY))


def note_sign_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """On user_logged_in: remember whether the user has an authenticator to be asked for."""
    if request is not None and hasattr(request, "session"):
        request.session[HAS_AUTHENTICATOR_KEY] = authenticator(user) is not None


def authenticator(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def authenticator_being_set_up(user: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up, made on first asking and kept
    until confirmed, so the QR code stays the same however often the page is loaded."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def key_text(device: TOTPDevice) -> str:
    """The secret key as an authenticator app takes it typed in: base32, in fours."""
    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def normalise(code: str) -> str:
    return SEPARATORS.sub("", code).lower()


def is_authenticator_code(code: str) -> bool:
    return bool(AUTHENTICATOR_CODE.match(normalise(code)))


def check(request: HttpRequest, code: str, device: Device | None, *, what: str) -> Device:
    """Check `code` against `device` for the signed-in user, or raise CodeRefused. `what`
    names the kind of code in the security log. A recovery code that matches is used up
    (django-otp deletes it), and so is an authenticator's code (no code is taken twice)."""
    user = signed_in_user(request)
    if device is not None:
        allowed, throttled = device.verify_is_allowed()
        if not allowed:
            refuse(request, f"{what}: too many wrong codes")
            raise CodeRefused(wait_message(throttled["locked_until"]))
        if django_otp.verify_token(user, device.persistent_id, normalise(code)):
            return device
    refuse(request, f"{what}: wrong code")
    offer_recovery = what != SETTING_UP and recovery_device(user) is not None
    raise CodeRefused(
        "The code is not right. Enter the code your authenticator app shows now"
        + (", or a recovery code you have not used" if offer_recovery else "")
    )


def refuse(request: HttpRequest, detail: str) -> None:
    second_factor_failed.send(sender=User, request=request, user=request.user, detail=detail)


def wait_message(until: Any) -> str:
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    if seconds < 120:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        wait = f"{math.ceil(seconds / 60)} minutes"
    return f"You have entered too many wrong codes. Wait {wait}, then try again"


def complete(request: HttpRequest, device: Device) -> None:
    """The second factor is checked: the session remembers the device that checked it, under
    a new session key (as at sign-in, so that a key seen before is no use)."""
    request.session.cycle_key()
    django_otp.login(request, device)


def confirm(request: HttpRequest, device: TOTPDevice) -> list[str]:
    """Confirm an authenticator being set up, once `check` took a code it showed: sign the
    session in with it and issue a new set of recovery codes (returned, to show once)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(device.user)
    complete(request, device)
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
