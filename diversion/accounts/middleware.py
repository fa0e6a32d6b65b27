from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

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
