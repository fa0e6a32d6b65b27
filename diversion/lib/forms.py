"""GOV.UK form pieces shared by every form of the service: one base form, one date field
whose errors name the date and the part at fault, one time field, free text with its
length limit and character count, and error summary links that reach the input to
correct."""

import datetime
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from crispy_forms.layout import LayoutObject
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout
from crispy_forms_gds.widgets import DateInputWidget
from django import forms
from django.forms.utils import pretty_name
from django.utils.datastructures import MultiValueDict
from django.utils.formats import date_format
from django.utils.safestring import SafeString

from diversion.lib.dates import today
from diversion.lib.text import too_long, without_bidi_controls

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


class FreeTextField(forms.CharField):
    """Free text of at most `limit` characters, one of the limits in lib.text that the
    database also holds. Longer text is refused with "<subject> must be 2,000 characters or
    fewer", the subject being the label unless given (see limit_messages); a textarea shows
    a GOV.UK character count (GovukFormHelper).

    A line break counts as one character, as the character count counts it, though browsers
    send it as two (CR LF); it is kept as one.
    """

    def __init__(
        self, *, limit: int, subject: str | None = None, missing: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(max_length=limit, **kwargs)
        if subject:
            self.error_messages["max_length"] = too_long(subject, limit)
        if missing:
            self.error_messages["required"] = missing

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().to_python(value)


def text_area(label: str, limit: int, **kwargs: Any) -> FreeTextField:
    """A textarea of free text of at most `limit` characters (FreeTextField)."""
    return FreeTextField(label=label, limit=limit, widget=forms.Textarea, **kwargs)


def limit_messages(form: forms.BaseForm) -> None:
    """Give each text field of `form` with a length limit the GOV.UK message for text over
    it, naming the field by its label, unless it has its own; and take away the maxlength
    attribute that would have the browser cut a pasted text short without saying so."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.CharField) or field.max_length is None:
            continue
        if "max_length" not in field.error_messages:
            subject = str(field.label or pretty_name(name)).removesuffix(" (optional)")
            field.error_messages["max_length"] = too_long(subject, field.max_length)
        field.widget.attrs.pop("maxlength", None)


class GovukFormHelper(FormHelper):
    """crispy-forms-gds's helper, showing a GOV.UK character count under each textarea with
    a length limit (FreeTextField), so the limit is stated once, on the field."""

    def render_layout(self, form: forms.BaseForm, context: Any, **kwargs: Any) -> SafeString:
        _count_characters(self.layout, form)
        return super().render_layout(form, context, **kwargs)


def _count_characters(layout: LayoutObject, form: forms.BaseForm) -> None:
    """Lay out each limited textarea in `layout` as a character count (crispy-forms-gds's
    Field.textarea with max_characters), keeping its other settings."""
    for index, item in enumerate(layout.fields):
        if isinstance(item, Field) and len(item.fields) == 1:
            name = item.fields[0]
        elif isinstance(item, str):
            name = item
        else:
            if hasattr(item, "fields"):
                _count_characters(item, form)
            continue
        field = form.fields.get(name)
        if not isinstance(field, FreeTextField) or not isinstance(field.widget, forms.Textarea):
            continue
        if isinstance(item, Field) and "max_characters" in item.context:
            continue
        # crispy-forms-gds adds the count's message to the textarea's description, and
        # needs one to add to even when the field has no hint.
        field.widget.attrs.setdefault("aria-describedby", "")
        counted = Field(name, context=getattr(item, "context", None))
        counted.attrs = dict(getattr(item, "attrs", {}))
        counted.add_class("govuk-js-character-count")
        counted.add_context(max_characters=field.max_length)
        layout.fields[index] = counted


def form_helper(*fields: Any) -> FormHelper:
    """A crispy-forms-gds layout of `fields`, inside the page template's own <form> tag."""
    helper = GovukFormHelper()
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
        """(anchor id, message) for each error, pointing at the input to correct. The ids
        are the bound fields' own, so a form with a prefix (two forms on one page) links
        to its inputs; an error with no visible input of its own (the whole form's, or a
        hidden field's) links to the form's first visible input."""
        links = []
        for message in self.non_field_errors():
            links.append((self._anchor(None), message))
        for name in self.fields:
            for message in self[name].errors:
                links.append((self._anchor(name), message))
        return links

    def _anchor(self, name: str | None) -> str:
        if name is None or self.fields[name].widget.is_hidden:
            visible = [n for n, f in self.fields.items() if not f.widget.is_hidden]
            if not visible:
                return ""
            name = visible[0]
        field, auto_id = self.fields[name], self[name].auto_id
        if isinstance(field, DateInputField):
            # The first of the day, month and year inputs at fault (GovukDateField marks
            # them), else the first.
            parts = getattr(field, "fields", ())
            marked = [n for n, part in enumerate(parts) if getattr(part.widget, "errors", None)]
            return f"{auto_id}_{marked[0] if marked else 0}"
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            # crispy-forms-gds numbers a field's radios and checkboxes from 1.
            return f"{auto_id}_1"
        return auto_id

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
                # By text: a model choice's keys are its primary keys, the value as typed.
                value = {str(key): text for key, text in choices}.get(str(value), value)
            if value:
                rows.append((field.label, value))
        return rows

    def answers(self) -> list[tuple["StrOrPromise | None", Any]]:
        """What a valid form says, as (label, text) rows for a page that asks the user to
        check it before it is saved: a date in words, a choice by its label; hidden fields
        and questions left unanswered are left out."""
        rows = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if field.widget.is_hidden or value in (None, "", []):
                continue
            if isinstance(value, datetime.date):
                value = date_format(value, "j F Y")
            elif isinstance(field, forms.ModelChoiceField):
                value = str(value)
            elif isinstance(field, forms.ChoiceField):
                choices: Any = field.choices
                value = dict(choices).get(value, value)
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
        limit_messages(self)
        self.helper = form_helper(*self.layout)

    def clean(self) -> dict[str, Any]:
        # As Form.clean does; declared so that a subclass's super().clean() is the dict.
        return self.cleaned_data


def not_in_future(field: str) -> Callable[[datetime.date | None], None]:
    def check(value: datetime.date | None) -> None:
        if value and value > today():
            raise forms.ValidationError(f"The {field} cannot be in the future")

    return check
