"""`manage.py purge_referral_drafts`: delete unfinished referrals left unsaved for 30 days
(DRAFT_KEPT), so the answers in them are not kept longer than the work needs.

Safe to run from cron as often as wanted, even two at once: a run deletes only drafts past
the limit, skips any another run or an officer saving it holds, and logs each erasure once.
"""

from django.core.management.base import BaseCommand

from diversion.cases.models import DRAFT_KEPT
from diversion.cases.services.draft import purge_drafts


class Command(BaseCommand):
    help = f"Delete unfinished referrals unsaved for {DRAFT_KEPT.days} days (safe under cron)."

    def handle(self, *args, **options):
        deleted = purge_drafts()
        self.stdout.write(
            f"Deleted {deleted} unfinished referral{'' if deleted == 1 else 's'} "
            f"unsaved for {DRAFT_KEPT.days} days."
        )
