"""`manage.py demo_codes`: the code each demo login's authenticator shows now, to sign in to
a demo copy without adding the published keys to an app. Refused outside a demo copy."""

from django.core.management.base import BaseCommand

from diversion.demo.guard import refuse_unless_demo
from diversion.demo.seed import staff


class Command(BaseCommand):
    help = "Print the two-factor code each demo login can sign in with now (demo copies only)."

    def handle(self, *args, **options):
        refuse_unless_demo("demo_codes")
        self.stdout.write("Two-factor codes for the demo logins (a new code every 30 seconds):")
        for username, code, left in staff.demo_codes():
            shown = f"{code}   (next code in {left} s)" if code else "no authenticator set up"
            self.stdout.write(f"  {username:<12} {shown}")
