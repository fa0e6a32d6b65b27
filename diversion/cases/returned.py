"""Cases returned for prosecution: the officer in the case's list of breached cases, those
still to action or those actioned, and the banner of the latest on their referrals page.
The page is a lib.lists list (tables.ReturnedCasesTable); each list reads one partial index
of ProsecutionReturn."""

from django.db import models

from diversion.accounts.models import User
from diversion.cases.models import ProsecutionReturn, ReturnStatus


class Show(models.TextChoices):
    TO_ACTION = "to_action", "To action"
    ACTIONED = "actioned", "Actioned"


STATUS = {Show.TO_ACTION: ReturnStatus.TO_ACTION, Show.ACTIONED: ReturnStatus.ACTIONED}
# To action: the oldest first, to work through; actioned: the most recent first.
DEFAULT_SORT = {Show.TO_ACTION: "returned", Show.ACTIONED: "-returned"}
EMPTY = {
    Show.TO_ACTION: "No cases are waiting for you to action.",
    Show.ACTIONED: "You have not marked any returned cases as actioned.",
}


def returned_to(officer: User, show: Show) -> models.QuerySet[ProsecutionReturn]:
    """The cases returned to `officer` as the officer in the case, to action or actioned,
    with what a row shows (the index return_officer_to_action or return_officer_actioned)."""
    return ProsecutionReturn.objects.filter(officer=officer, status=STATUS[show]).select_related(
        "programme__referral__person",
        "programme__referral__offence_type",
        "programme__breach_offence__offence_type",
        "actioned_by",
    )


def latest_to_action(officer: User, limit: int) -> tuple[list[ProsecutionReturn], int]:
    """The `limit` cases most recently returned to `officer` and still to action, and how
    many there are in all, for the banner of their referrals page: fewer than `limit` is
    all of them, so the count needs no query of its own (else one count on the index
    return_officer_to_action)."""
    latest = list(returned_to(officer, Show.TO_ACTION).order_by("-returned_on", "-pk")[:limit])
    if len(latest) < limit:
        return latest, len(latest)
    return latest, returned_to(officer, Show.TO_ACTION).count()
