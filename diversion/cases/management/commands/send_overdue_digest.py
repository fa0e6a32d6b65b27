"""`manage.py send_overdue_digest [--date YYYY-MM-DD]`: the morning email of overdue work.

Each caseworker with overdue milestones, or a later offence recorded during a running
contract (which breaks its condition not to reoffend), gets a list of them; each manager
gets a team summary (overdue work per caseworker, cases with a later offence, and cases
waiting for a caseworker). Nobody with nothing to act on gets an email.

Safe to run from cron more than once a day: a DigestSent row is recorded for each recipient
and day before the email goes, in the same transaction, so a second run that day sends
nothing, and an email that fails to send leaves no row and is tried again next run.

Emails leave the service's protected system, so they name no person on the scheme: case
references, milestone labels and dates only (an offence's date, not what it was), with the
path of each case page.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format

from diversion.accounts.models import User
from diversion.accounts.roles import Role
from diversion.cases.caseload import OPEN
from diversion.cases.models import DigestSent, Programme, Referral
from diversion.cases.offences import OFFENCE, running_offences
from diversion.cases.overdue import overdue_milestones
from diversion.lib.dates import today

CASEWORKER, MANAGER = "caseworker", "manager"


@dataclass
class Digest:
    recipient: User
    kind: str
    subject: str
    body: str


def parse_date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a date like 2026-03-16, not {value!r}") from None


def plural(count, word):
    return f"{count} {word}{'' if count == 1 else 's'}"


def caseworker_digests(on):
    """One digest per active caseworker with overdue milestones or a later offence during a
    running contract, listing only their own cases."""
    overdue = (
        overdue_milestones(on)
        .filter(programme__caseworker__is_active=True)
        .select_related("programme__referral", "programme__caseworker")
        .order_by("programme__caseworker", "due_on", "programme__referral_id", "pk")
    )
    items = defaultdict(list)
    for milestone in overdue:
        programme = milestone.programme
        assert programme.caseworker is not None  # chosen by the filter above
        items[programme.caseworker].append(
            {
                "reference": programme.referral.reference,
                "label": milestone.label,
                "due_on": milestone.due_on,
                "days_overdue": (on - milestone.due_on).days,
                "path": reverse("cases:case", args=[programme.pk]),
            }
        )
    offences = defaultdict(list)
    for row in new_offences(on):
        offences[row["caseworker"]].append(row)
    staff = User.objects.in_bulk(offences.keys() - {c.pk for c in items})
    for caseworker in [*items, *(staff[pk] for pk in sorted(staff))]:
        rows, found = items.get(caseworker, []), offences.get(caseworker.pk, [])
        cases = len({row["reference"] for row in rows})
        parts = [plural(len(rows), "overdue milestone")] if rows else []
        parts += [plural(len(found), "later offence")] if found else []
        yield Digest(
            recipient=caseworker,
            kind=CASEWORKER,
            subject=f"Checkpoint: {' and '.join(parts)} on your cases",
            body=render_to_string(
                "cases/email/caseworker_digest.txt",
                {
                    "on": on,
                    "items": rows,
                    "milestones": len(rows),
                    "cases": cases,
                    "offences": found,
                },
            ),
        )


def new_offences(on):
    """Later offences dated during running contracts, up to `on`, of active caseworkers'
    cases (cases.offences): each with its case's reference and path, and the offence's
    date only (the email names no one, and says no more than it must)."""
    found = (
        running_offences(on)
        .filter(caseworker__is_active=True)
        .order_by("caseworker", f"{OFFENCE}offence_date", "referral_id", f"{OFFENCE}pk")
        .values("pk", "referral_id", "caseworker", offence_date=F(f"{OFFENCE}offence_date"))
    )
    for row in found:
        yield {
            "caseworker": row["caseworker"],
            "reference": Referral(pk=row["referral_id"]).reference,
            "offence_date": row["offence_date"],
            "path": reverse("cases:case", args=[row["pk"]]),
        }


def manager_digests(on):
    """The team summary, for every active manager, if anything is overdue or unassigned, or
    a running case has a later offence."""
    counts = list(
        overdue_milestones(on)
        .values("programme__caseworker")
        .annotate(milestones=Count("pk"), cases=Count("programme", distinct=True))
        .order_by()
    )
    unassigned = Programme.objects.filter(caseworker__isnull=True, status__in=OPEN).count()
    reoffended = running_offences(on).values("pk").distinct().count()
    if not counts and not unassigned and not reoffended:
        return
    staff = User.objects.in_bulk([row["programme__caseworker"] for row in counts])
    team = sorted(
        (
            {
                "caseworker": staff.get(row["programme__caseworker"]),
                "milestones": row["milestones"],
                "cases": row["cases"],
            }
            for row in counts
        ),
        key=lambda row: (-row["milestones"], str(row["caseworker"] or "")),
    )
    total = sum(row["milestones"] for row in team)
    body = render_to_string(
        "cases/email/manager_digest.txt",
        {
            "on": on,
            "team": team,
            "total": total,
            "unassigned": unassigned,
            "reoffended": reoffended,
        },
    )
    subject = (
        f"Checkpoint: {plural(total, 'overdue milestone')} and "
        f"{plural(unassigned, 'unassigned case')} on {date_format(on, 'j F Y')}"
    )
    managers = User.objects.filter(is_active=True, groups__name=Role.MANAGER.value).order_by("pk")
    for manager in managers:
        yield Digest(recipient=manager, kind=MANAGER, subject=subject, body=body)


class Command(BaseCommand):
    help = (
        "Email each caseworker their overdue milestones and each manager a team summary. "
        "Sends each person at most one of each a day, however often it runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=parse_date,
            help="The day to report on, as YYYY-MM-DD (default: today in Europe/London).",
        )

    def handle(self, *args, date=None, **options):
        on = date or today()
        sent, already, no_address = 0, 0, []
        for digest in [*caseworker_digests(on), *manager_digests(on)]:
            if not digest.recipient.email:
                no_address.append(digest.recipient.username)
                continue
            with transaction.atomic():
                _, created = DigestSent.objects.get_or_create(
                    recipient=digest.recipient, sent_on=on, kind=digest.kind
                )
                if created:
                    EmailMessage(
                        digest.subject,
                        digest.body,
                        settings.DEFAULT_FROM_EMAIL,
                        [digest.recipient.email],
                    ).send()
            if created:
                sent += 1
            else:
                already += 1
        self.stdout.write(f"Sent {plural(sent, 'digest')}; {already} already sent today")
        if no_address:
            self.stdout.write(f"No email address, so not sent: {', '.join(sorted(no_address))}")
