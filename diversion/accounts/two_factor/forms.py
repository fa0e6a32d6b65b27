from typing import Any

from crispy_forms_gds.layout import Button, Field, Fixed
from django import forms
from django.http import HttpRequest
from django_otp.models import Device

from diversion.accounts import two_factor
from diversion.lib.forms import GovukForm

CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "none"}
)


class SecondFactorForm(GovukForm):
    """The code from the user's authenticator app, or one of their recovery codes, checked
    against the matching device as the form is cleaned (`device` is the one that took it)."""

    code = forms.CharField(
        label="Code",
        help_text="The 6-digit code your authenticator app shows, or one of your recovery codes",
        max_length=40,
        widget=CODE_WIDGET,
        error_messages={
            "required": "Enter the code from your authenticator app, or a recovery code",
            "max_length": "Enter the 6-digit code from your authenticator app, or a recovery code",
        },
    )
    layout = [Field.text("code", field_width=Fixed.TEN), Button("submit", "Continue")]

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.device: Device | None = None

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        user = two_factor.signed_in_user(self.request)
        if two_factor.is_authenticator_code(code):
            device, what = two_factor.authenticator(user), "authenticator code"
        else:
            device, what = two_factor.recovery_device(user), "recovery code"
        try:
            self.device = two_factor.check(self.request, code, device, what=what)
        except two_factor.CodeRefused as refused:
            raise forms.ValidationError(str(refused), code="refused") from refused
        return code


class ConfirmAuthenticatorForm(GovukForm):
    """The first code of an authenticator being set up, which confirms it."""

    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6-digit code your app shows for Checkpoint",
        max_length=40,
        widget=CODE_WIDGET,
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "max_length": "Enter the 6-digit code from your authenticator app",
        },
    )
    layout = [Field.text("code", field_width=Fixed.TEN), Button("submit", "Confirm")]

    def __init__(self, *args: Any, request: HttpRequest, device: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.device = device

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if not two_factor.is_authenticator_code(code):
            raise forms.ValidationError(
                "Enter the 6-digit code from your authenticator app, like 123456", code="format"
            )
        try:
            two_factor.check(self.request, code, self.device, what=two_factor.SETTING_UP)
        except two_factor.CodeRefused as refused:
            raise forms.ValidationError(str(refused), code="refused") from refused
        return code
