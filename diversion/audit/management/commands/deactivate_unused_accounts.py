"""`manage.py deactivate_unused_accounts`: deactivate accounts not signed in to for 90 days
(audit.unused_accounts). Safe to run from cron as often as wanted, even two at once."""

from typing import Any

from django.core.management.base import BaseCommand

from diversion.audit.unused_accounts import UNUSED_FOR, deactivate_unused_accounts


class Command(BaseCommand):
    help = f"Deactivate accounts not signed in to for {UNUSED_FOR.days} days (safe under cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = deactivate_unused_accounts()
        self.stdout.write(
            f"Deactivated {count} account{'' if count == 1 else 's'} "
            f"not signed in to for {UNUSED_FOR.days} days."
        )
