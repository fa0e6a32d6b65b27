"""`manage.py load_accounts --users N --out FILE`: sign-in details for a load test's
simulated staff (`make loadtest`), on a demo copy only.

Each simulated user signs in as a person would, with the password and then a code from an
authenticator, and a code is taken once only, so every simulated user needs an account of
its own. The demo's numbered staff are used (caseworkers among them hold the seeded
caseloads), topped up where a role has fewer than N; each is given the demo password and a
new authenticator with a random key. The file lists them by role with their keys, for the
load test to work out their codes; the named demo logins are left as they are.
"""

import itertools
import json
import secrets
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from diversion.accounts import two_factor
from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.cases.models import OPEN
from diversion.demo.guard import refuse_unless_demo
from diversion.demo.seed import staff


class Command(BaseCommand):
    help = "Give N demo staff of each role a password and an authenticator for a load test."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, required=True, help="Accounts of each role.")
        parser.add_argument("--out", type=Path, required=True, help="Where to write them.")

    def handle(self, *args, users, out, **options):
        refuse_unless_demo("load_accounts")
        accounts = make_accounts(users)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"password": staff.DEMO_PASSWORD, "accounts": accounts}))
        self.stdout.write(f"{users} accounts for each of {len(accounts)} roles: {out}")


def usernames(role: Role, count: int) -> list[str]:
    """`count` accounts of `role` for simulated users: the demo's staff of that role first
    (caseworkers by how many open cases they hold, so a simulated caseworker has a caseload
    to work), then new numbered ones. The named logins keep their published keys."""
    staff_of_role = (
        User.objects.filter(groups__name=role)
        .exclude(username__in=staff.DEMO_AUTHENTICATOR_KEYS)
        .annotate(cases=Count("caseload", filter=Q(caseload__status__in=OPEN)))
        .order_by("-cases", "pk")
    )
    names = list(staff_of_role.values_list("username", flat=True)[:count])
    numbered = (staff.username(role, number) for number in itertools.count(1))
    new = (name for name in numbered if name not in staff.DEMO_AUTHENTICATOR_KEYS)
    while len(names) < count:
        name = next(new)
        if name not in names:
            names.append(name)
    return names


@transaction.atomic
def make_accounts(count: int) -> dict[str, list[dict[str, str]]]:
    """`count` numbered demo accounts of each role, each with the demo password (hashed once:
    the same password) and a new confirmed authenticator: {role: [{username, key}]}."""
    password = make_password(staff.DEMO_PASSWORD)
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    accounts: dict[str, list[dict[str, str]]] = {}
    for role in Role:
        names = usernames(role, count)
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        new = [
            User(username=name, first_name=first, last_name=last, email=f"{name}@example.com")
            for name in names
            if name not in existing
            for first, last in [staff.staff_name(name)]
        ]
        User.objects.bulk_create(new, batch_size=1000)
        User.groups.through.objects.bulk_create(
            User.groups.through(user=user, group=groups[role]) for user in new
        )
        users = User.objects.filter(username__in=names)
        users.update(password=password, is_active=True)
        TOTPDevice.objects.filter(user__in=users).delete()
        keys = {name: secrets.token_hex(20) for name in names}
        TOTPDevice.objects.bulk_create(
            TOTPDevice(
                user=user,
                name=two_factor.AUTHENTICATOR_NAME,
                confirmed=True,
                key=keys[user.username],
            )
            for user in users
        )
        accounts[role.value] = [{"username": name, "key": keys[name]} for name in names]
    return accounts
