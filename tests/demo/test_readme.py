"""The README's demo logins are the ones the seed makes, with the names the pages show."""

import re
from pathlib import Path

from diversion.demo.seed.staff import DEMO_PASSWORD, DEMO_USERS

README = Path(__file__).resolve().parents[2] / "README.md"
# | `username` | Shown As | Role | `password` |
ROW = re.compile(
    r"^\| `(?P<username>[a-z0-9]+)` +\| (?P<name>[^|]+?) +\| (?P<role>[^|]+?) +"
    r"\| `(?P<password>[^`]+)` +\|$"
)


def demo_login_rows():
    return [match.groupdict() for match in map(ROW.match, README.read_text().splitlines()) if match]


def test_the_readme_lists_each_demo_login_with_its_display_name_role_and_password():
    expected = [
        {
            "username": username,
            "name": f"{first} {last}",
            "role": role.label.capitalize(),
            "password": DEMO_PASSWORD,
        }
        for username, role, first, last in DEMO_USERS
    ]
    assert demo_login_rows() == expected
