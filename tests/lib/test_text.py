"""Bidirectional control characters: every form takes them out of what is typed, and user
text is shown in a <bdi> so that any already stored cannot reorder the page around it."""

import pytest
from django import forms
from django.http import QueryDict
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from diversion.accounts.forms import SignInForm
from diversion.lib.forms import GovukForm
from diversion.lib.text import BIDI_CONTROLS, isolated, without_bidi_controls

RLO = "\u202e"
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


class NoteForm(GovukForm):
    title = forms.CharField()
    tags = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)


@pytest.mark.parametrize("control", CONTROLS)
def test_each_bidirectional_control_is_taken_out(control):
    assert without_bidi_controls(f"Kelly{control} Wickmore") == "Kelly Wickmore"


@given(st.text())
def test_no_bidirectional_control_is_left_and_other_text_is_kept(text):
    cleaned = without_bidi_controls(text)
    assert not BIDI_CONTROLS.search(cleaned)
    assert cleaned == "".join(c for c in text if c not in CONTROLS)


def test_letters_of_right_to_left_scripts_and_joiners_are_kept():
    assert without_bidi_controls("مهر\u200cآفرین") == "مهر\u200cآفرین"


def test_a_form_takes_the_controls_out_of_what_was_typed():
    form = NoteForm({"title": f"{RLO}Visit{RLO}", "tags": ["a", f"b{RLO}"]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"title": "Visit", "tags": ["a", "b"], "secret": ""}
    # What is shown back in the form is the same text.
    assert form["title"].value() == "Visit"


def test_a_form_bound_to_a_request_takes_them_out_too():
    data = QueryDict(mutable=True)
    data.setlist("title", [f"Vi{RLO}sit"])
    data.setlist("tags", ["a", "b"])
    form = NoteForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == "Visit"
    assert form.cleaned_data["tags"] == ["a", "b"]
    assert data["title"] == f"Vi{RLO}sit"  # the request's own data is left alone


def test_a_password_is_kept_exactly_as_typed():
    form = NoteForm({"title": "x", "secret": f"pass{RLO}word"})
    assert form.is_valid()
    assert form.cleaned_data["secret"] == f"pass{RLO}word"
    sign_in = SignInForm(data={"username": f"kelly{RLO}", "password": f"pw{RLO}"})
    assert sign_in.data["username"] == "kelly"
    assert sign_in.data["password"] == f"pw{RLO}"


def test_user_text_is_shown_in_a_bdi_and_escaped():
    assert isolated(f"<b>Kelly</b>{RLO}") == f"<bdi>&lt;b&gt;Kelly&lt;/b&gt;{RLO}</bdi>"
    html = Template("Hello {{ name|bdi }}, welcome").render(Context({"name": f"Kelly{RLO}"}))
    assert html == f"Hello <bdi>Kelly{RLO}</bdi>, welcome"


def test_the_title_filter_takes_the_controls_out():
    html = Template("<title>{{ name|without_bidi_controls }} – Checkpoint</title>").render(
        Context({"name": f"<Kelly>{RLO}"})
    )
    assert html == "<title>&lt;Kelly&gt; – Checkpoint</title>"
