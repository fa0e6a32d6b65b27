from django.contrib.auth import views as auth_views
from django.urls import include, path

from diversion.accounts import password, views
from diversion.accounts.roles import signed_in
from diversion.accounts.two_factor import before_second_factor

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path(
        "logout/",
        signed_in(before_second_factor(auth_views.LogoutView.as_view())),
        name="logout",
    ),
    path("two-factor/", include("diversion.accounts.two_factor.urls")),
    path("password/", signed_in(password.PasswordChangeView.as_view()), name="password_change"),
]
