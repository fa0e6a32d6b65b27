from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "diversion.policy"
    label = "policy"
