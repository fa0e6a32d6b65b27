"""The manager's confirmation of a merge of two records of one person."""

from django import forms

from diversion.lib.concurrency import refreshed
from diversion.lib.forms import GovukForm
from diversion.people.forms import reason_field, reason_layout

INCOMPLETE = dict.fromkeys(("required", "invalid"), "This form is incomplete: open the page again")


class MergeForm(GovukForm):
    """Why the two records are the same person, with the version of each record the check
    page showed, so a merge is refused if either changed since (lib.concurrency)."""

    reason = reason_field(
        "How do you know these are the same person?",
        missing="Enter how you know these records are the same person",
        help_text="For example, the same custody photograph and address on both referrals",
    )
    kept_version = forms.IntegerField(widget=forms.HiddenInput, error_messages=INCOMPLETE)
    duplicate_version = forms.IntegerField(widget=forms.HiddenInput, error_messages=INCOMPLETE)
    layout = (reason_layout(),)

    @classmethod
    def opened_on(cls, *, kept, duplicate, data=None):
        """The form for the records as they stand; with `data`, what was typed, carried
        onto their current versions."""
        versions = {"kept_version": kept.version, "duplicate_version": duplicate.version}
        if data is None:
            return cls(initial=versions)
        data = refreshed(
            refreshed(data, kept.version, "kept_version"), duplicate.version, "duplicate_version"
        )
        return cls(data)
