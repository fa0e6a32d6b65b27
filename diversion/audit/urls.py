from django.urls import path

from diversion.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.home, name="home"),
]
