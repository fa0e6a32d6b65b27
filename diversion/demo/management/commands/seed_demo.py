"""`manage.py seed_demo`: demo logins for every role and a realistic, fictional case history.

The data is made by diversion.demo.seed, from the domain's own rules; this command only
reads the options and prints the demo logins at the end of every run. The logins' passwords
are printed and published, so it runs only where DEBUG or DEMO is on (`make run` sets DEMO).
"""

import argparse

from django.core.management.base import BaseCommand
from django.db import connection

from diversion.demo.guard import refuse_unless_demo
from diversion.demo.seed import run, staff
from diversion.lib.db import use_owner


class Command(BaseCommand):
    help = (
        "Create demo logins for every role and a fictional case history of --referrals demo "
        "referrals (topping up what is there; running it again adds nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--referrals", type=int, default=400, help="Demo referrals wanted in all."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed (same seed, same data)."
        )
        parser.add_argument("--batch-size", type=int, default=5000, help=argparse.SUPPRESS)

    def handle(self, *args, referrals, seed, batch_size, **options):
        refuse_unless_demo("seed_demo")
        # Set-up, not the service: the run ends with ANALYZE, which only the tables' owner
        # may run (the service role would skip each table with a warning).
        use_owner(connection)
        run.seed(referrals, seed=seed, batch_size=batch_size, out=self.stdout)
        self.stdout.write("Demo logins:")
        for username, shown_as, role, password in staff.demo_logins():
            self.stdout.write(f"  {username:<12} {shown_as:<16} {role.value:<16} {password}")
        self.stdout.write(
            "Then a two-factor code: `make codes` prints each login's current one (or add its "
            "key, in the README, to an authenticator app)."
        )
