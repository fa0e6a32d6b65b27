from django.contrib.auth import views as auth_views
from django.urls import path

from diversion.accounts import views
from diversion.accounts.roles import signed_in

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", signed_in(auth_views.LogoutView.as_view()), name="logout"),
]
