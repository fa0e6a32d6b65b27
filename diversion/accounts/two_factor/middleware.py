from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from diversion.accounts import two_factor


class TwoFactorRequiredMiddleware:
    """Until a signed-in user's second factor is checked, every page sends them to the
    two-factor pages (and back to the page asked for afterwards), the admin site included.

    Only views marked `before_second_factor` (the two-factor pages, signing out) and those
    open to everyone (`login_not_required`: sign-in, the health check) are outside this rule.
    Comes after django-otp's OTPMiddleware, which says whether the session is verified.
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
    ) -> HttpResponse | None:
        if not getattr(view_func, "login_required", True):
            return None
        if getattr(view_func, "before_second_factor", False):
            return None
        if not two_factor.must_verify(request):
            return None
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('two_factor:verify')}?{query}")
