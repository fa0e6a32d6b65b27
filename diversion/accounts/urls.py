from django.contrib.auth import views as auth_views
from django.urls import path

from diversion.accounts import password, views
from diversion.accounts.roles import signed_in

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", signed_in(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", signed_in(password.PasswordChangeView.as_view()), name="password_change"),
]
