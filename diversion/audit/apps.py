from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "diversion.audit"
    label = "audit"

    def ready(self) -> None:
        from diversion.audit import security

        security.connect()
