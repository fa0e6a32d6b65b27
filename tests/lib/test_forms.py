"""The one GOV.UK date field and the one time field: what they accept and the messages that
name the date or time and the part at fault."""

import datetime
import re

import pytest
from django import forms

from diversion.lib.forms import GovukDateField, GovukForm, TimeField


class VisitForm(GovukForm):
    visit_on = GovukDateField(name="visit date", label="Date of the visit")
    visit_at = TimeField(name="visit time", label="Time of the visit")
    revisit_on = GovukDateField(name="revisit date", required=False)


def bound(day="5", month="11", year="2025", time="14:30", **extra):
    data = {"visit_on_0": day, "visit_on_1": month, "visit_on_2": year, "visit_at": time}
    return VisitForm(data | extra)


def test_a_whole_date_and_a_time_are_accepted():
    form = bound(time="9.05")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["visit_on"] == datetime.date(2025, 11, 5)
    assert form.cleaned_data["visit_at"] == datetime.time(9, 5)
    assert form.cleaned_data["revisit_on"] is None


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "", ""), "Enter the visit date"),
        (("", "11", "2025"), "The visit date must include a day"),
        (("5", "", "2025"), "The visit date must include a month"),
        (("", "", "2025"), "The visit date must include a day and month"),
        (("5", "11", ""), "The visit date must include a year"),
        (("5", "11", "25"), "Year must include 4 numbers"),
        (("31", "11", "2025"), "The visit date must be a real date"),
        (("9" * 30, "11", "2025"), "The visit date must be a real date"),
        (("5", "9" * 30, "2025"), "The visit date must be a real date"),
        (("5", "x", "2025"), "The visit date must be a real date"),
    ],
)
def test_each_date_error_names_the_date_and_the_part_at_fault(parts, message):
    day, month, year = parts
    form = bound(day, month, year)
    assert form.errors["visit_on"] == [message]


def test_only_the_inputs_at_fault_are_marked():
    form = bound("", "11", "25")
    form.is_valid()
    day, month, year = form.fields["visit_on"].fields
    assert (bool(day.widget.errors), bool(month.widget.errors), bool(year.widget.errors)) == (
        True,
        False,
        False,
    )


def test_a_date_field_can_name_its_own_subject_and_missing_message():
    field = GovukDateField(name="date of birth", subject="Date of birth", missing="Enter theirs")
    with pytest.raises(forms.ValidationError, match="Enter theirs"):
        field.clean(["", "", ""])
    with pytest.raises(forms.ValidationError, match="Date of birth must include a month"):
        field.clean(["1", "", "1990"])


@pytest.mark.parametrize("time", ["25:00", "10:75", "2pm", "1430"])
def test_a_time_not_on_the_24_hour_clock_is_refused(time):
    assert bound(time=time).errors["visit_at"] == [
        "Enter the visit time on the 24-hour clock, for example, 14:30"
    ]


def test_a_missing_time_is_asked_for():
    assert bound(time="").errors["visit_at"] == ["Enter the visit time"]


# --- The error summary's links ------------------------------------------------------------


class ChoiceForm(GovukForm):
    secret = forms.CharField(widget=forms.HiddenInput)
    colour = forms.ChoiceField(
        choices=[("red", "Red"), ("blue", "Blue")], widget=forms.RadioSelect, label="Colour"
    )
    seen_on = GovukDateField(name="date seen", label="Date seen")
    note = forms.CharField(label="Note")

    def clean(self):
        self.add_error(None, "Something about the whole form")
        return self.cleaned_data


def rendered_ids(form):
    from django.template import Context, Template

    html = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    return set(re.findall(r'\bid="([^"]+)"', html))


@pytest.mark.parametrize("prefix", [None, "choice"])
def test_every_error_summary_link_reaches_an_input_on_the_page(prefix):
    form = ChoiceForm({}, prefix=prefix)
    assert not form.is_valid()
    links = form.error_links()
    assert len(links) == 5
    ids = rendered_ids(form)
    for anchor, _ in links:
        assert anchor in ids, anchor


def test_a_prefixed_forms_links_carry_the_prefix():
    form = ChoiceForm({}, prefix="breach")
    form.is_valid()
    anchors = [anchor for anchor, _ in form.error_links()]
    assert anchors == [
        # The whole form's error, and the hidden field's, reach the first visible input.
        "id_breach-colour_1",
        "id_breach-colour_1",
        "id_breach-colour_1",
        "id_breach-seen_on_0",
        "id_breach-note",
    ]


def test_a_date_error_links_to_the_first_part_at_fault():
    form = VisitForm({"visit_on_0": "5", "visit_on_1": "", "visit_on_2": "2025"})
    form.is_valid()
    assert ("id_visit_on_1", "The visit date must include a month") in form.error_links()
