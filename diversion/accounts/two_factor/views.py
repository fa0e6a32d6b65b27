"""The two-factor pages: the code asked for after the password, setting up an
authenticator, and the recovery codes, shown once."""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from diversion.accounts import two_factor
from diversion.accounts.roles import signed_in
from diversion.accounts.two_factor.forms import ConfirmAuthenticatorForm, SecondFactorForm

# The recovery codes just issued, kept in the session only until the page shows them.
NEW_CODES_KEY = "two_factor_new_recovery_codes"


def next_url(request: HttpRequest) -> str:
    """Where to go once done: the page first asked for, if it is one of ours (a path of
    this service: anything else, even a word, would be read as the name of a page)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def with_next(request: HttpRequest, url_name: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url(request)})}"


@signed_in
@two_factor.before_second_factor
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the user's authenticator, or a recovery code."""
    if two_factor.is_verified(request.user):
        return redirect(next_url(request))
    if two_factor.authenticator(two_factor.signed_in_user(request)) is None:
        return redirect(with_next(request, "two_factor:set_up"))
    form = SecondFactorForm(request.POST if request.method == "POST" else None, request=request)
    if request.method == "POST" and form.is_valid():
        assert form.device is not None  # a valid form names the device that took the code
        two_factor.complete(request, form.device)
        if not two_factor.is_authenticator_code(form.cleaned_data["code"]):
            left = two_factor.recovery_codes_left(two_factor.signed_in_user(request))
            messages.warning(
                request,
                f"You used a recovery code: it cannot be used again. You have {left} left.",
            )
        return redirect(next_url(request))
    return render(request, "accounts/two_factor/verify.html", {"form": form})


@signed_in
@two_factor.before_second_factor
@never_cache
@require_http_methods(["GET", "POST"])
def set_up(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then confirm with
    the code the app shows. Only for a user who has none: one who has must give its code."""
    if two_factor.authenticator(two_factor.signed_in_user(request)) is not None:
        return redirect(with_next(request, "two_factor:verify"))
    device = two_factor.authenticator_being_set_up(two_factor.signed_in_user(request))
    form = ConfirmAuthenticatorForm(
        request.POST if request.method == "POST" else None, request=request, device=device
    )
    if request.method == "POST" and form.is_valid():
        request.session[NEW_CODES_KEY] = two_factor.confirm(request, device)
        return redirect(with_next(request, "two_factor:recovery_codes"))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor/set_up.html",
        {
            "form": form,
            "qr_code": qr.svg_data_uri(scale=5, dark="#0b0c0c"),
            "key": two_factor.key_text(device),
            "required": settings.REQUIRE_2FA,
        },
    )


@signed_in
@never_cache
@require_GET
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """The recovery codes just issued, shown this once: they are not kept to show again."""
    codes = request.session.pop(NEW_CODES_KEY, None)
    if not codes:
        messages.info(request, "Recovery codes are shown only once, when they are made.")
        return redirect(next_url(request))
    return render(
        request,
        "accounts/two_factor/recovery_codes.html",
        {"codes": codes, "next": next_url(request)},
    )
