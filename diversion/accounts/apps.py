from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "diversion.accounts"
    label = "accounts"

    def ready(self) -> None:
        from diversion.accounts import sessions

        sessions.connect()
