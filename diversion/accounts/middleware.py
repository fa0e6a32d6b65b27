from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from diversion.accounts.roles import Role, roles_of


class RoleRequiredMiddleware:
    """Deny by default: a signed-in user reaches a view only if it names one of their roles.

    Views marked `login_not_required` (sign-in, health check) and the admin site, which
    admits superusers only, are outside this rule.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        if not getattr(view_func, "login_required", True):
            return None
        if request.resolver_match and request.resolver_match.app_name == "admin":
            return None
        allowed: frozenset[Role] | None = getattr(view_func, "allowed_roles", frozenset())
        if allowed is None:
            return None
        if not (roles_of(request.user) & allowed):
            raise PermissionDenied
        return None


class NoStoreMiddleware:
    """Pages for a signed-in user hold personal data: no browser, proxy or back button may
    keep a copy (Cache-Control: no-store), so the next person at a shared custody-desk
    computer cannot page back through them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
