"""Text people type, taken in and shown so that it cannot reorder the page around it.

Bidirectional control characters (the embeddings, overrides and isolates of Unicode's
bidirectional algorithm, UAX #9, and its marks) change the order in which the text after
them is shown: a right-to-left override (U+202E) in a name shows the rest of the line
backwards. No name or note needs them, so every form takes them out of what is typed
(forms.GovukFormMixin), and user text is shown inside <bdi>, which keeps any that are
already stored (typed before this rule) from reaching beyond it.
"""

import re
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

# LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM; the Arabic letter mark.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def without_bidi_controls(text: str) -> str:
    return BIDI_CONTROLS.sub("", text)


def isolated(value: Any) -> SafeString:
    """`value` (escaped unless already safe HTML) in a <bdi>: whatever its direction, it
    cannot reorder the text around it."""
    return format_html("<bdi>{}</bdi>", value)
