from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from diversion.accounts.forms import SignInForm
from diversion.accounts.roles import ALL_ROLES, HOME_URL_NAMES, Role, roles, roles_of


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True


@roles(*ALL_ROLES)
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home page of their first role."""
    user_roles = roles_of(request.user)
    first = next(role for role in Role if role in user_roles)
    return redirect(HOME_URL_NAMES[first])
