"""`manage.py refresh_dashboards`: work the dashboard's figures out again.

Safe to run from cron as often as every few minutes: runs never overlap (a second one
started meanwhile returns at once), and the dashboard keeps showing the previous figures,
complete, until the new ones are in.
"""

from django.core.management.base import BaseCommand

from diversion.reporting.refresh import refresh


class Command(BaseCommand):
    help = "Work out the dashboard's figures again (safe under cron; never blocks readers)."

    def handle(self, *args, **options):
        outcome = refresh()
        self.stdout.write(outcome.message)
        if options["verbosity"] > 1:
            for step in outcome.steps:
                self.stdout.write(f"{step.seconds:8.2f} s  {step.label}")
