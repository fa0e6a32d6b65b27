"""Signed-in test clients for the benchmarks, which time pages, not signing in."""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from diversion.accounts import two_factor
from diversion.accounts.models import User


def signed_in(user: User) -> Client:
    """A client signed in as `user` with their second factor given (the session as the
    two-factor page leaves it), so each page is timed as a signed-in user meets it."""
    client = Client()
    client.force_login(user)
    device = two_factor.authenticator(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
