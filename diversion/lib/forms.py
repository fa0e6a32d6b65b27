"""GOV.UK form pieces shared by every form of the service: dates that name themselves in
their errors, and error summary links that reach the input to correct."""

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.validators import RegexValidator
from django.utils.datastructures import MultiValueDict

from diversion.lib.dates import today

# The mixin is used on forms only; mypy is told so, to check it against BaseForm.
if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    _Form = forms.BaseForm
else:
    _Form = object


class GovukDateField(DateInputField):
    """A GOV.UK date input whose errors name the date, as the Design System asks:
    "Enter the decision date", "The decision date must include a month"."""

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        super().__init__(require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {name}"
        self.error_messages["incomplete"] = f"Enter the {name}"
        self.error_messages["invalid_date"] = f"The {name} must be a real date"
        day, month, year = self.fields
        for part, field, pattern in (
            ("day", day, r"^\d{1,2}$"),
            ("month", month, r"^\d{1,2}$"),
            ("year", year, r"^\d{4}$"),
        ):
            field.error_messages["incomplete"] = f"The {name} must include a {part}"
            field.validators = [RegexValidator(pattern, f"The {name} must be a real date")]

    def compress(self, data_list: list[str]) -> datetime.date | None:
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError as error:
            raise forms.ValidationError(
                self.error_messages["invalid_date"], code="invalid_date"
            ) from error


class GovukFormMixin(_Form):
    """For forms rendered with crispy-forms-gds: errors listed for the error summary, and
    what was typed, to show back when it could not be saved."""

    def error_links(self) -> list[tuple[str, "StrOrPromise | forms.ValidationError"]]:
        """(anchor id, message) for each error, pointing at the input to correct."""
        links = []
        for message in self.non_field_errors():
            links.append((self._anchor(next(iter(self.fields))), message))
        for name in self.fields:
            for message in self[name].errors:
                links.append((self._anchor(name), message))
        return links

    def _anchor(self, name: str) -> str:
        field = self.fields[name]
        if isinstance(field, DateInputField):
            return f"id_{name}_0"
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            # crispy-forms-gds numbers a field's radios and checkboxes from 1.
            return f"id_{name}_1"
        return f"id_{name}"

    def entered(self) -> list[tuple["StrOrPromise | None", Any]]:
        """What the user typed, as (label, text) rows: shown back when it could not be saved,
        so nothing they wrote is lost."""
        rows = []
        for name, field in self.fields.items():
            value = self[name].value()
            if isinstance(field, DateInputField):
                value = "/".join(str(part) for part in value or [] if part)
            elif isinstance(field, forms.ChoiceField):
                choices: Any = getattr(field, "all_choices", field.choices)
                value = dict(choices).get(value, value)
            if value:
                rows.append((field.label, value))
        return rows


class GovukForm(GovukFormMixin, forms.Form):
    # Each field is used as the kind it is (a choice field's choices, say); django-stubs
    # would have them all be the base Field.
    fields: dict[str, Any]
    # What the form is bound to: a request's GET or POST, or Form's own empty one.
    data: MultiValueDict[str, Any]

    def clean(self) -> dict[str, Any]:
        # As Form.clean does; declared so that a subclass's super().clean() is the dict.
        return self.cleaned_data


def not_in_future(field: str) -> Callable[[datetime.date | None], None]:
    def check(value: datetime.date | None) -> None:
        if value and value > today():
            raise forms.ValidationError(f"The {field} cannot be in the future")

    return check
