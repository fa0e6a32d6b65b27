from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "diversion.dashboards"
    label = "dashboards"
