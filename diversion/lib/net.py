"""The client's address, for the security log."""

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, as the server saw it (a proxy in front passes
    the client's own through gunicorn's forwarded-address handling)."""
    return request.META.get("REMOTE_ADDR") or None
