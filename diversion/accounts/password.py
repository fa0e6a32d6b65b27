"""A signed-in user changing their own password."""

from typing import Any

from crispy_forms_gds.layout import Button, Field, Fixed
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from diversion.accounts.signals import password_changed
from diversion.lib.forms import GovukFormMixin, form_helper


class PasswordChangeForm(GovukFormMixin, auth_forms.PasswordChangeForm):
    """Django's own form (the password rules are settings.AUTH_PASSWORD_VALIDATORS), in
    GOV.UK's words."""

    error_messages = {
        "password_incorrect": "Your current password is wrong. Enter it again.",
        "password_mismatch": "The new passwords do not match. Enter the same password twice.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label, missing in [
            ("old_password", "Current password", "Enter your current password"),
            ("new_password1", "New password", "Enter a new password"),
            ("new_password2", "Confirm new password", "Enter the new password again"),
        ]:
            self.fields[name].label = label
            self.fields[name].error_messages["required"] = missing
        # The label says it; Django's hint would only say it again.
        self.fields["new_password2"].help_text = ""
        self.helper = form_helper(
            Field.text("old_password", field_width=Fixed.TWENTY),
            Field.text("new_password1", field_width=Fixed.TWENTY),
            Field.text("new_password2", field_width=Fixed.TWENTY),
            Button("submit", "Change password"),
        )


class PasswordChangeView(auth_views.PasswordChangeView):
    """Keeps this session signed in and ends the user's others: each session holds a digest
    of the password it signed in with, which Django checks on every request."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")
    http_method_names = ["get", "post"]

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_changed.send(sender=type(form.user), request=self.request, user=form.user)
        messages.success(self.request, "Your password has been changed")
        return response
