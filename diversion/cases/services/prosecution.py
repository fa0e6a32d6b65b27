"""The officer in the case's side of a breach: a case returned for prosecution is marked
actioned once they have taken it on. The breach itself makes the return
(services.programme.end), and reopening the case cancels it (services.programme.reopen)."""

from django.db import transaction
from django.utils import timezone

from diversion.accounts.models import User
from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.cases.models import ProsecutionReturn, ReturnStatus
from diversion.lib.history import recorded
from diversion.lib.workflow import transition

ACTIONED_REASON = "Actioned by the officer in the case"


class ReturnError(Exception):
    """A change to a returned case the rules do not allow, with a message for the user."""


@transaction.atomic
@recorded
def mark_actioned(returned: ProsecutionReturn, *, actor: User) -> ProsecutionReturn:
    """The officer in the case has taken the returned case on for prosecution: it leaves
    their list of cases to action, with who marked it and when. Marking a return already
    actioned or cancelled raises IllegalTransition."""
    if returned.officer_id != actor.pk:
        raise ReturnError("Only the officer in the case can mark it as actioned")
    transition(
        returned,
        ReturnStatus.ACTIONED,
        actor=actor,
        reason=ACTIONED_REASON,
        actioned_by=actor,
        actioned_at=timezone.now(),
    )
    log(actor, Action.ALTERATION, returned, detail="return actioned")
    return returned
