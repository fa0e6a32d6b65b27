from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "diversion.audit"
    label = "audit"

    def ready(self) -> None:
        from diversion.audit import account_events, consultation, privileges, security

        security.connect()
        consultation.connect()
        account_events.connect()
        # Sent once per app after every migrate (and flush): once is enough.
        post_migrate.connect(privileges.grant, sender=self, dispatch_uid="service_role_grants")
