"""The demo's staff: the named demo logins, and the rest of a force's team in proportion to
the number of referrals, so each caseworker holds a realistic caseload at any scale.

Our design, from the scheme's shape (domain.md, People who use the tracker): a custody
officer records a referral now and then among other custody work; caseworkers ("navigators")
hold a few dozen open cases each; a manager leads a team of caseworkers and authorises and
allocates their cases. About 3% of demo referrals are open cases at any time, so one
caseworker for every REFERRALS_PER_CASEWORKER referrals gives each about 35 open cases.

Staff hold blocks of referrals by demo index: referrals are drawn independently of their
index, so every block has the same mix of old and open cases, and a caseworker's cases stay
theirs when a top-up adds more staff. Caseworkers work in pairs sharing a block, so the two
named caseworker logins share the first cases. The first member of each post is its named
login (custody, caseworker, manager, auditor); the second is numbered 2, and so on.
"""

import itertools
import math
import random
import time
from base64 import b32decode

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.demo.seed import people

# Meets AUTH_PASSWORD_VALIDATORS; printed at the end of every run.
DEMO_PASSWORD = "checkpoint-demo-2026"  # noqa: S105 - public on purpose: demo data only
DEMO_USERS = [
    ("custody", Role.CUSTODY_OFFICER, "Sam", "Thornwick"),
    ("caseworker", Role.CASEWORKER, "Priya", "Elmhurst"),
    ("caseworker2", Role.CASEWORKER, "Tom", "Fernsby"),
    ("manager", Role.MANAGER, "Ruth", "Aldcott"),
    ("auditor", Role.AUDITOR, "Kwame", "Penridge"),
]
# Each named login's authenticator key (base32, as an authenticator app takes it typed in),
# public on purpose like the password: add it to an app, or run `manage.py demo_codes`.
DEMO_AUTHENTICATOR_KEYS = {
    "custody": "CY2FLTANHGHQEX2RZAYUWN5VKLEY52XE",
    "caseworker": "TJGC2MWNEWAIWQI7ARZFB5NS2F66WOI5",
    "caseworker2": "3E227HAB6ZBRTN57LCD2WNMOK7YFNVJW",
    "manager": "SXLCRGL2OFDX33GEGGFRMORJYMVLTJ72",
    "auditor": "6QZ65JN2UCGEVCKQUCHE76MXKTPJKDXZ",
}
BASE_NAMES = {
    Role.CUSTODY_OFFICER: "custody",
    Role.CASEWORKER: "caseworker",
    Role.MANAGER: "manager",
    Role.AUDITOR: "auditor",
}
DEMO_USERNAME_REGEX = r"^(custody|caseworker|manager|auditor)[0-9]*$"
CUSTODY_USERNAME_REGEX = r"^custody[0-9]*$"

REFERRALS_PER_CUSTODY_OFFICER = 1_000
REFERRALS_PER_CASEWORKER = 1_200
CASEWORKERS_PER_BLOCK = 2
CASEWORKERS_PER_MANAGER = 8
MANAGERS_PER_AUDITOR = 10


def username(role, number):
    """The demo username of the `number`th member (from 0) of a post."""
    base = BASE_NAMES[role]
    return base if number == 0 else f"{base}{number + 1}"


def headcount(referrals):
    """How many demo staff of each role `referrals` demo referrals need."""
    caseworker_blocks = math.ceil(referrals / (REFERRALS_PER_CASEWORKER * CASEWORKERS_PER_BLOCK))
    caseworkers = max(1, caseworker_blocks) * CASEWORKERS_PER_BLOCK
    managers = math.ceil(caseworkers / CASEWORKERS_PER_MANAGER)
    return {
        Role.CUSTODY_OFFICER: max(1, math.ceil(referrals / REFERRALS_PER_CUSTODY_OFFICER)),
        Role.CASEWORKER: caseworkers,
        Role.MANAGER: managers,
        Role.AUDITOR: math.ceil(managers / MANAGERS_PER_AUDITOR),
    }


class Staff:
    """Who does what for the demo referral with a given index: user ids by post."""

    def __init__(self, ids):
        self.ids = ids  # username -> user id

    def custody_officer(self, index):
        return self.ids[username(Role.CUSTODY_OFFICER, index // REFERRALS_PER_CUSTODY_OFFICER)]

    def caseworker_number(self, rng, index):
        block = index // (REFERRALS_PER_CASEWORKER * CASEWORKERS_PER_BLOCK)
        return block * CASEWORKERS_PER_BLOCK + rng.randrange(CASEWORKERS_PER_BLOCK)

    def caseworker(self, number):
        return self.ids[username(Role.CASEWORKER, number)]

    def manager(self, caseworker_number):
        """The manager of the caseworker's team."""
        return self.ids[username(Role.MANAGER, caseworker_number // CASEWORKERS_PER_MANAGER)]


def ensure_staff(referrals):
    """The demo staff `referrals` demo referrals need, each made once: an existing account is
    left as it is, password included. Only the named logins can sign in with the demo
    password; the rest exist to hold their share of the work."""
    named = {name: (role, first, last) for name, role, first, last in DEMO_USERS}
    wanted = {}
    for role, count in headcount(referrals).items():
        for number in range(count):
            name = username(role, number)
            wanted[name] = named.get(name) or (role, *staff_name(name))
    for name, (role, first, last) in named.items():
        wanted.setdefault(name, (role, first, last))
    with transaction.atomic():
        existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
        new = [
            User(
                username=name,
                first_name=first,
                last_name=last,
                email=f"{name}@example.com",
                password=make_password(None),
            )
            for name, (_, first, last) in wanted.items()
            if name not in existing
        ]
        User.objects.bulk_create(new, batch_size=1000)
        for user in new:
            if user.username in named:
                validate_password(DEMO_PASSWORD, user)
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
        User.groups.through.objects.bulk_create(
            (
                User.groups.through(user_id=user.pk, group_id=groups[wanted[user.username][0]].pk)
                for user in new
            ),
            batch_size=1000,
        )
        ensure_authenticators()
    ids = dict(User.objects.filter(username__in=wanted).values_list("username", "pk"))
    return Staff(ids)


def ensure_authenticators():
    """Give each named login that has no authenticator one with its published key, already
    confirmed, so the demo signs in with a code at once (REQUIRE_2FA is on unless DEBUG).
    One set up since, in the service, is left as it is."""
    users = User.objects.filter(username__in=DEMO_AUTHENTICATOR_KEYS).exclude(
        pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id")
    )
    TOTPDevice.objects.bulk_create(
        TOTPDevice(
            user=user,
            name="Authenticator app",
            confirmed=True,
            key=b32decode(DEMO_AUTHENTICATOR_KEYS[user.username]).hex(),
        )
        for user in users
    )


def staff_name(name):
    """A fictional name for a demo member of staff, the same for the same username."""
    rng = random.Random(name)
    given = rng.choice(list(itertools.chain(people.MALE_NAMES, people.FEMALE_NAMES)))
    return given, rng.choice(people.SURNAMES)


def demo_logins():
    """The named logins with the names the pages show them by, their roles, and whether each
    still has the demo password."""
    users = {u.username: u for u in User.objects.filter(username__in=[n for n, *_ in DEMO_USERS])}
    return [
        (
            name,
            str(users[name]),
            role,
            DEMO_PASSWORD if users[name].check_password(DEMO_PASSWORD) else "(changed)",
        )
        for name, role, *_ in DEMO_USERS
    ]


def demo_codes(now=None):
    """Each named login with the code its authenticator accepts now (None if it has none)
    and the seconds until the next code, read from the login's own authenticator (so one set
    up since still gets its code). A code once used is not taken again: then the next one is
    given, which is accepted too (one step early is within the authenticator's tolerance)."""
    now = time.time() if now is None else now
    devices = {
        device.user.username: device
        for device in TOTPDevice.objects.filter(
            user__username__in=[name for name, *_ in DEMO_USERS], confirmed=True
        ).select_related("user")
    }
    codes: list[tuple[str, str | None, int]] = []
    for name, *_ in DEMO_USERS:
        device = devices.get(name)
        if device is None:
            codes.append((name, None, 0))
            continue
        # As the service checks it: with the clock difference it has learnt for the app.
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = now
        if totp.t() <= device.last_t:
            totp.time = now + (device.last_t + 1 - totp.t()) * device.step
        left = device.step - (int(now) - device.t0) % device.step
        codes.append((name, f"{totp.token():0{device.digits}d}", left))
    return codes
