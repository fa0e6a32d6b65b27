from django.urls import path

from diversion.reporting.views import dashboard, exports

app_name = "dashboards"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("refresh", dashboard.request_refresh, name="refresh"),
    path("methodology/", dashboard.methodology, name="methodology"),
    path("sample/", exports.sample_form, name="sample"),
    path("<slug:slug>/export/", exports.export, name="export"),
]
