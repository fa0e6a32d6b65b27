from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "diversion.lib"
    label = "lib"
