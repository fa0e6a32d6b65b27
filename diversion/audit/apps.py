from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "diversion.audit"
    label = "audit"

    def ready(self) -> None:
        from diversion.audit import account_events, consultation, security

        security.connect()
        consultation.connect()
        account_events.connect()
