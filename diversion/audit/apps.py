from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "diversion.audit"
    label = "audit"

    def ready(self) -> None:
        from diversion.audit import consultation, security

        security.connect()
        consultation.connect()
