"""Text people type: how long it may be, and how it is taken in and shown so that it
cannot reorder the page around it.

Every field a person types into has one of these limits. Its form refuses longer text with
a GOV.UK message next to the field ("Your reasons must be 2,000 characters or fewer") and a
textarea shows a character count (lib.forms); the database refuses it too, with a CHECK on
the text's length (`length_limit`), so no bug, script or admin edit can store more. Each is
comfortably above what anyone writes there: a limit stops a document pasted by mistake,
not a long answer.

Bidirectional control characters (the embeddings, overrides and isolates of Unicode's
bidirectional algorithm, UAX #9, and its marks) change the order in which the text after
them is shown: a right-to-left override (U+202E) in a name shows the rest of the line
backwards. No name or note needs them, so every form takes them out of what is typed
(forms.GovukFormMixin), and user text is shown inside <bdi>, which keeps any that are
already stored (typed before this rule) from reaching beyond it.
"""

import re
from typing import Any

from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.html import format_html
from django.utils.safestring import SafeString

# A line: a condition of the contract, an intervention.
SHORT_TEXT = 500
# A paragraph: a reason or rationale, a victim's views, what happened, a note on one record.
LONG_TEXT = 2_000
# A page: a case note, the evidence that a condition was met.
NOTE_TEXT = 5_000
# Structured data the service writes as JSON (the rules a referral was checked against, a
# policy's milestone schedule), measured as its text.
DATA_TEXT = 10_000


def too_long(subject: str, limit: int) -> str:
    """The GOV.UK message for text over its limit: "Note must be 5,000 characters or fewer"."""
    return f"{subject} must be {limit:,} characters or fewer"


def length_limit(
    name: str, field: str, limit: int, *, key: str | None = None
) -> models.CheckConstraint:
    """A CHECK that the text in `field` is at most `limit` characters; with `key`, the text
    under that key of the JSON object in `field` (as a change's reason in its history)."""
    text = KeyTextTransform(key, field) if key else field
    return models.CheckConstraint(
        name=name,
        condition=LessThanOrEqual(Length(text), limit),
        violation_error_message=f"{too_long('The text', limit)}.",
    )


def json_length_limit(name: str, field: str, limit: int) -> models.CheckConstraint:
    """A CHECK that the JSON in `field`, written out as text, is at most `limit` characters."""
    return models.CheckConstraint(
        name=name,
        condition=LessThanOrEqual(Length(Cast(field, models.TextField())), limit),
        violation_error_message=f"{too_long('The data', limit)}.",
    )


# LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM; the Arabic letter mark.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def without_bidi_controls(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def isolated(value: Any) -> SafeString:
    """`value` (escaped unless already safe HTML) in a <bdi>: whatever its direction, it
    cannot reorder the text around it."""
    return format_html("<bdi>{}</bdi>", value)
