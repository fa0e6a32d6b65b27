"""Police National Computer (PNC) ID validation and normal form: the one place that reads a
PNC ID, wherever it is typed (the person form, the person search).

Domain: long form `YYYY/NNNNNNNC` or short form `YY/NNNNNNNC`; the serial is padded to seven
digits; the check letter is (two-digit year followed by the seven-digit serial, read as one
number) mod 23, indexing `ZABCDEFGHJKLMNPQRTUVWXY`. Other justice systems also accept it
without the slash (12 characters, `YYYY` + seven digits + letter, or the shorter `YY` +
serial + letter) and in lower case, and officers copy IDs from them. We store the long form.
"""

import re

from django.core.exceptions import ValidationError

from diversion.lib.dates import today

CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
# The forms accepted, each as (year, serial) then the check letter. Without the slash the
# long form has exactly seven serial digits, so 11 digits are a long form and 3 to 9 a short
# one: no text is read two ways.
FORMS = [
    re.compile(r"(\d{2}|\d{4})/(\d{1,7})([A-Z])"),
    re.compile(r"(\d{4})(\d{7})([A-Z])"),
    re.compile(r"(\d{2})(\d{1,7})([A-Z])"),
]
# Typed text meant as a PNC ID, right or wrong: digits, perhaps a slash and more digits, and
# perhaps a letter ("2012/0034567", "120034567e"). Used to give a PNC ID's own error rather
# than treat the text as something else.
MEANT_AS_PNC = re.compile(r"^\d{1,4}/\d*[A-Z]?$|^\d+[A-Z]?$")
# The normal form, as a database CHECK constraint also enforces it.
NORMAL_FORM_REGEX = r"^\d{4}/\d{7}[ZABCDEFGHJKLMNPQRTUVWXY]$"
EXAMPLES = "2012/0034567E or 12/34567E"


def check_letter(year: int, serial: int) -> str:
    return CHECK_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


def compact(value: str | None) -> str:
    """The text without spaces, in capitals: how a PNC ID is read."""
    return re.sub(r"\s+", "", value or "").upper()


def meant_as_pnc(value: str | None) -> bool:
    """Whether typed text is an attempt at a PNC ID (which normalise_pnc may still refuse)."""
    return bool(MEANT_AS_PNC.match(compact(value)))


def normalise_pnc(value: str | None) -> str:
    """Return the long normal form of a PNC ID, or raise ValidationError saying what is wrong."""
    text = compact(value)
    match = next((m for form in FORMS if (m := form.fullmatch(text))), None)
    if not match:
        raise ValidationError(f"Enter a PNC ID in the form {EXAMPLES}", code="pnc_format")
    year_text, serial_text, letter = match.groups()
    year = int(year_text)
    if len(year_text) == 2:
        # A two-digit year no later than this year is this century; otherwise the last.
        this_year = today().year
        year += this_year - this_year % 100
        if year > this_year:
            year -= 100
    serial = int(serial_text)
    if year > today().year:
        raise ValidationError("The year in a PNC ID cannot be in the future", code="pnc_year")
    if year < 1900:
        raise ValidationError("The year in a PNC ID cannot be before 1900", code="pnc_year")
    expected = check_letter(year, serial)
    if letter != expected:
        raise ValidationError(
            "The check letter does not match the rest of the PNC ID – check it was copied "
            "correctly",
            code="pnc_check_letter",
        )
    return f"{year:04d}/{serial:07d}{letter}"


def validate_pnc(value: str) -> None:
    normalise_pnc(value)
