"""People's names: what a name may hold, and the keys for forgiving matching (a plain form
and a sound-alike form)."""

import string
import unicodedata

import jellyfish
from django.core.exceptions import ValidationError

# A name is stored as typed, up to this long.
NAME_MAX_LENGTH = 100
# Besides letters, a name may hold spaces, hyphens (Smith-Jones), apostrophes (O'Brien,
# O’Brien) and full stops (St. John).
NAME_PUNCTUATION = " -'’."
# The joiners some scripts need to write a name correctly (Persian, Indic scripts): they
# change how letters join, never the order text is shown in.
JOINERS = "\u200c\u200d"
NAME_RULE = "letters, spaces, hyphens, apostrophes and full stops"
# The database's guard on names (a CHECK constraint), which cannot tell the letters of every
# language from other characters: no digit, control character or ASCII symbol other than
# the punctuation above.
NAME_FORBIDDEN_REGEX = (
    "[0-9[:cntrl:]"
    + "".join("\\" + c for c in string.punctuation if c not in NAME_PUNCTUATION)
    + "]"
)


def is_name_character(character: str) -> bool:
    """Letters of any language with their accents and other marks, and NAME_PUNCTUATION."""
    return (
        unicodedata.category(character)[0] in "LM"
        or character in NAME_PUNCTUATION
        or character in JOINERS
    )


def check_name(value: str, label: str) -> None:
    """Raise ValidationError, its message starting with `label` ("Family name"), unless
    `value` is a name: NAME_RULE's characters only, with at least one letter."""
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"{label} must be {NAME_MAX_LENGTH} characters or fewer", code="name_length"
        )
    if not all(is_name_character(c) for c in value):
        raise ValidationError(f"{label} must only include {NAME_RULE}", code="name_characters")
    if not any(c.isalpha() for c in value):
        raise ValidationError(f"{label} must include letters", code="no_letters")


def validate_name(value: str) -> None:
    """check_name as a model field's validator."""
    check_name(value, "A name")


def normalise_name(value: str) -> str:
    """Lower case, without accents or punctuation, single-spaced ("O'Brien" -> "obrien",
    "Straße" -> "strasse"); letters of every language are kept ("Michał" -> "michał")."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join("".join(c for c in text if c.isalpha() or c.isspace()).split())


def sound_key(value: str) -> str:
    """Metaphone of each word, so "Jon Smyth" and "John Smith" share keys. A word metaphone
    cannot read (another script) is its own key, so it matches only itself."""
    return " ".join(jellyfish.metaphone(word) or word for word in normalise_name(value).split())
