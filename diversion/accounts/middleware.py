from django.core.exceptions import PermissionDenied

from diversion.accounts.roles import roles_of


class RoleRequiredMiddleware:
    """Deny by default: a signed-in user reaches a view only if it names one of their roles.

    Views marked `login_not_required` (sign-in, health check) and the admin site, which
    admits superusers only, are outside this rule.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        if request.resolver_match and request.resolver_match.app_name == "admin":
            return None
        allowed = getattr(view_func, "allowed_roles", frozenset())
        if allowed is None:
            return None
        if not (roles_of(request.user) & allowed):
            raise PermissionDenied
        return None
