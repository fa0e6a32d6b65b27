from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "diversion.programme"
    label = "programme"
