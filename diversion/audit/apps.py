from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "diversion.audit"
    label = "audit"

    def ready(self) -> None:
        from diversion.audit import account_events, security

        security.connect()
        account_events.connect()
