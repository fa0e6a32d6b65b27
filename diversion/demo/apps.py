from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "diversion.demo"
    label = "demo"
