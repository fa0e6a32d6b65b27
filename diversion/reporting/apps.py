from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "diversion.reporting"
    label = "reporting"
