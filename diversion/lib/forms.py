"""GOV.UK form pieces shared by every form of the service: one base form, one date field
whose errors name the date and the part at fault, one time field, and error summary links
that reach the input to correct."""

import datetime
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Layout
from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.utils.datastructures import MultiValueDict

from diversion.lib.dates import today
from diversion.lib.text import without_bidi_controls

# The mixin is used on forms only; mypy is told so, to check it against BaseForm.
if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    _Form = forms.BaseForm
else:
    _Form = object

DIGITS = re.compile(r"^[0-9]+$")


class GovukDateField(DateInputField):
    """A GOV.UK date input whose errors name the date and the part at fault, as the Design
    System's date input asks ("Enter the decision date", "The decision date must include a
    month", "Year must include 4 numbers", "The decision date must be a real date"); only the
    inputs at fault are highlighted.

    `name` is the date in words ("decision date"); `subject` starts its sentences (by default
    "The decision date") and `missing` is the message when nothing was entered.
    """

    PARTS: tuple[str, ...] = ("day", "month", "year")

    def __init__(
        self, *, name: str, subject: str | None = None, missing: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.subject = subject or f"The {name}"
        self.error_messages["required"] = missing or f"Enter the {name}"

    def clean(self, value: Any) -> datetime.date | None:
        size = len(self.PARTS)
        parts = ([str(part or "").strip() for part in (value or [])] + [""] * size)[:size]
        for subfield in self.fields:
            subfield.widget.errors = []
        if not any(parts):
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        missing = [name for name, part in zip(self.PARTS, parts, strict=True) if not part]
        if missing:
            message = f"{self.subject} must include a {' and '.join(missing)}"
            self._mark([name in missing for name in self.PARTS], message)
            raise forms.ValidationError(message, code="incomplete")
        real = f"{self.subject} must be a real date"
        if not all(DIGITS.match(part) for part in parts):
            raise forms.ValidationError(real, code="invalid_date")
        if len(parts[-1]) != 4:
            message = "Year must include 4 numbers"
            self._mark([name == "year" for name in self.PARTS], message)
            raise forms.ValidationError(message, code="invalid_year")
        given = {
            "day": 1,
            **{name: int(part) for name, part in zip(self.PARTS, parts, strict=True)},
        }
        try:
            value = datetime.date(given["year"], given["month"], given["day"])
        except (ValueError, OverflowError):
            # OverflowError: a day or month of more digits than any date has.
            raise forms.ValidationError(real, code="invalid_date") from None
        self.run_validators(value)
        return value

    def _mark(self, which: list[bool], message: str) -> None:
        """Tie `message` to the day, month or year inputs it is about, so only they are
        highlighted."""
        for subfield, marked in zip(self.fields, which, strict=True):
            if marked:
                subfield.widget.errors.append(message)


class MonthInputWidget(DateInputWidget):
    """GOV.UK's date input with the month and year only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.widgets: list[forms.Widget] = self.widgets[1:]

    def decompress(self, value: Any) -> tuple[Any, Any]:
        return (value.month, value.year) if value else (None, None)


class GovukMonthField(GovukDateField):
    """A month and year, as GOV.UK's date input asks for dates that need no day; it cleans
    to the first day of the month."""

    PARTS = ("month", "year")
    widget = MonthInputWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields: tuple[forms.Field, ...] = tuple(self.fields)[1:]

    def compress(self, data_list: Any) -> Any:
        return data_list


# A time of day on the 24-hour clock, as "14:30" or "14.30".
TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")


class TimeField(forms.CharField):
    """A time of day on the 24-hour clock, as "14:30" (GOV.UK has no time input)."""

    def __init__(self, *, name: str, **kwargs: Any) -> None:
        self.name = name
        kwargs.setdefault("help_text", "Use the 24-hour clock, for example, 14:30")
        super().__init__(max_length=5, error_messages={"required": f"Enter the {name}"}, **kwargs)

    # The field cleans to a time, where CharField's to_python gives text.
    def to_python(self, value: Any) -> datetime.time | None:  # type: ignore[override]
        value = super().to_python(value)
        if value is None or value in self.empty_values:
            return None
        match = TIME.match(value)
        if not match:
            raise forms.ValidationError(
                f"Enter the {self.name} on the 24-hour clock, for example, 14:30"
            )
        return datetime.time(int(match[1]), int(match[2]))

    def prepare_value(self, value: Any) -> Any:
        return value.strftime("%H:%M") if isinstance(value, datetime.time) else value

    def run_validators(self, value: Any) -> None:
        # A time has no length to check: the pattern above is the rule.
        return None


def form_helper(*fields: Any) -> FormHelper:
    """A crispy-forms-gds layout of `fields`, inside the page template's own <form> tag."""
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*fields)
    return helper


class GovukFormMixin(_Form):
    """For forms rendered with crispy-forms-gds: errors listed for the error summary, and
    what was typed, to show back when it could not be saved.

    Every form takes bidirectional control characters out of what was typed (lib.text), but
    for passwords, which must be kept exactly as typed.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = self._without_bidi_controls(self.data)

    def _without_bidi_controls(self, data: Any) -> Any:
        secret = {
            self.add_prefix(name)
            for name, field in self.fields.items()
            if isinstance(field.widget, forms.PasswordInput)
        }

        def clean(key: str, value: Any) -> Any:
            if key in secret:
                return value
            if isinstance(value, str):
                return without_bidi_controls(value)
            if isinstance(value, list | tuple):
                return [clean(key, item) for item in value]
            return value

        if isinstance(data, MultiValueDict):
            cleaned = data.copy()
            for key, values in data.lists():
                cleaned.setlist(key, clean(key, values))
            return cleaned
        return {key: clean(key, value) for key, value in data.items()}

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
    """The base of every form: laid out by crispy-forms-gds from `layout`, inside the page
    template's own <form> tag."""

    layout: Sequence[Any] = ()
    # Each field is used as the kind it is (a choice field's choices, say); django-stubs
    # would have them all be the base Field.
    fields: dict[str, Any]
    # What the form is bound to: a request's GET or POST, or Form's own empty one.
    data: MultiValueDict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = form_helper(*self.layout)

    def clean(self) -> dict[str, Any]:
        # As Form.clean does; declared so that a subclass's super().clean() is the dict.
        return self.cleaned_data


def not_in_future(field: str) -> Callable[[datetime.date | None], None]:
    def check(value: datetime.date | None) -> None:
        if value and value > today():
            raise forms.ValidationError(f"The {field} cannot be in the future")

    return check
