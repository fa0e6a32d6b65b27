"""Authenticators for tests: one set up for a user, and the code it shows, worked out from
its key as an authenticator app does (RFC 6238, django-otp's own implementation)."""

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.accounts import two_factor


def give_authenticator(user, *, recovery_codes=False):
    """The user's authenticator, set up and confirmed; with recovery codes if asked (they
    are returned too)."""
    device = two_factor.authenticator(user) or TOTPDevice.objects.create(
        user=user, name=two_factor.AUTHENTICATOR_NAME, confirmed=True
    )
    if recovery_codes:
        return device, two_factor.new_recovery_codes(user)
    return device


def code_for(device):
    """The code the device's app shows now, or the next one if the service has already
    taken this one (a code is never taken twice; the next is within its tolerance)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        totp.time = totp.time + (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():0{device.digits}d}"
