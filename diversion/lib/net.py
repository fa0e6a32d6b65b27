"""The client's address: the one rule for the security log and for django-axes' sign-in
lockout (settings AXES_CLIENT_IP_CALLABLE), so both name the same address."""

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, as the server saw it (a proxy in front passes
    the client's own through gunicorn's forwarded-address handling)."""
    return request.META.get("REMOTE_ADDR") or None
