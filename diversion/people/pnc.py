"""Police National Computer (PNC) ID validation and normal form.

Domain: long form `YYYY/NNNNNNNC` or short form `YY/NNNNNNNC`; the serial is padded to seven
digits; the check letter is (two-digit year followed by the seven-digit serial, read as one
number) mod 23, indexing `ZABCDEFGHJKLMNPQRTUVWXY`. We store the long form.
"""

import re

from django.core.exceptions import ValidationError

from diversion.lib.dates import today

CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
PATTERN = re.compile(r"^(\d{2}|\d{4})/(\d{1,7})([A-Z])$")
# The normal form, as a database CHECK constraint also enforces it.
NORMAL_FORM_REGEX = r"^\d{4}/\d{7}[ZABCDEFGHJKLMNPQRTUVWXY]$"


def check_letter(year: int, serial: int) -> str:
    return CHECK_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


def normalise_pnc(value: str) -> str:
    """Return the long normal form of a PNC ID, or raise ValidationError saying what is wrong."""
    text = re.sub(r"\s+", "", value or "").upper()
    match = PATTERN.match(text)
    if not match:
        raise ValidationError(
            "Enter a PNC ID in the form 2012/0034567E or 12/34567E", code="pnc_format"
        )
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
