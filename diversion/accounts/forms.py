from typing import Any

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fixed, Layout
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from diversion.lib.forms import GovukFormMixin


class SignInForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive. Ask a manager to restore it.",
        "locked": (
            f"This account is locked after {settings.AXES_FAILURE_LIMIT} failed sign-ins. "
            "Ask an administrator to unlock it."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.text("username", field_width=Fixed.TWENTY),
            Field.text("password", field_width=Fixed.TWENTY),
            Button("submit", "Sign in"),
        )

    def get_invalid_login_error(self) -> ValidationError:
        # django-axes marks a sign-in it refused because the account is locked (lockout.py).
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(self.error_messages["locked"], code="locked")
        return super().get_invalid_login_error()
