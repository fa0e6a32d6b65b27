"""Reading a record's key from an address (lib.db.parse_pk): any text is a key or None,
never an error."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diversion.lib.db import BIGINT_MAX, parse_pk


@given(st.integers(min_value=0, max_value=BIGINT_MAX))
def test_every_key_a_record_can_have_is_read_back(number):
    assert parse_pk(str(number)) == number


@given(st.text())
def test_any_text_is_a_key_written_in_ascii_digits_or_none(value):
    number = parse_pk(value)
    if number is not None:
        assert value.isascii() and value.isdigit() and int(value) == number


@pytest.mark.parametrize("value", ["", "²", "٣", "1²", "-1", " 1", "1 ", "1.0", "0x1", "\x00"])
def test_text_that_is_not_plain_digits_is_no_key(value):
    assert parse_pk(value) is None


def test_a_number_past_postgresqls_bigint_is_no_key():
    assert parse_pk(str(BIGINT_MAX + 1)) is None
