"""The README's demo logins are the ones the seed makes, with the names the pages show and
the authenticator keys the seed gives them."""

import re
from pathlib import Path

from diversion.demo.seed.staff import DEMO_AUTHENTICATOR_KEYS, DEMO_PASSWORD, DEMO_USERS

README = Path(__file__).resolve().parents[2] / "README.md"
# | `username` | Shown As | Role | `password` | `authenticator key` |
ROW = re.compile(
    r"^\| `(?P<username>[a-z0-9]+)` +\| (?P<name>[^|]+?) +\| (?P<role>[^|]+?) +"
    r"\| `(?P<password>[^`]+)` +\| `(?P<key>[A-Z2-7]+)` +\|$"
)


def demo_login_rows():
    return [match.groupdict() for match in map(ROW.match, README.read_text().splitlines()) if match]


def test_the_readme_lists_each_demo_login_with_its_display_name_role_password_and_key():
    expected = [
        {
            "username": username,
            "name": f"{first} {last}",
            "role": role.label.capitalize(),
            "password": DEMO_PASSWORD,
            "key": DEMO_AUTHENTICATOR_KEYS[username],
        }
        for username, role, first, last in DEMO_USERS
    ]
    assert demo_login_rows() == expected
