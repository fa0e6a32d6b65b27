from django.urls import path

from diversion.reporting import views

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
]
