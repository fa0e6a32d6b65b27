from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "diversion.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from diversion.accounts import sessions, two_factor

        user_logged_in.connect(two_factor.note_sign_in, dispatch_uid="two_factor_note_sign_in")
        sessions.connect()
