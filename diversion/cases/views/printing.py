"""What the person is given on paper: the offer, to read before they decide (at the custody
desk, before the referral is saved, or from the referral page), and the contract, to sign.

Each printout shows the policy version's wording of the contract and the scheme's contact
details (settings.SCHEME_CONTACT). Printing discloses the record to the person, so each is
logged as a disclosure to them (DPA 2018 s62: disclosures are logged, with the recipient).
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from diversion.accounts.roles import Role, roles
from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.cases.access import get_case_for, get_draft_for, get_referral_for
from diversion.cases.models import Referral, ReferralStatus, Victim, contract_end
from diversion.cases.views import intake
from diversion.lib.dates import today

TO_THE_PERSON = "the person referred"


def _offer_page(request, referral, *, printable, back_url, back_text):
    signed = today()
    return render(
        request,
        "cases/print/offer.html",
        {
            "referral": referral,
            "policy_version": referral.policy_version,
            "printable": printable,
            "example_start": signed,
            "example_end": contract_end(signed),
            "restorative": referral.victim == Victim.RESTORATIVE,
            "contact": settings.SCHEME_CONTACT,
            "back_url": back_url,
            "back_text": back_text,
        },
    )


@roles(Role.CUSTODY_OFFICER, Role.MANAGER, Role.CASEWORKER)
@require_GET
def offer(request, pk):
    """The offer on paper, for the person to read before they decide and to keep."""
    referral = get_referral_for(request.user, pk)
    printable = referral.offer_printable
    if printable:
        log(
            request.user,
            Action.DISCLOSURE,
            referral,
            detail="offer printed",
            recipient=TO_THE_PERSON,
        )
    return _offer_page(
        request,
        referral,
        printable=printable,
        back_url=reverse("referrals:detail", args=[referral.pk]),
        back_text="Back to the referral",
    )


@roles(Role.CUSTODY_OFFICER)
@require_GET
def desk_offer(request, pk):
    """The offer being made at the custody desk, printed from the officer's draft so far,
    before the person answers and the referral is saved (so nothing is saved by printing it)."""
    draft = get_draft_for(request.user, pk)
    answers, _, missing = intake.replay(draft.person, draft.answers, until="offer")
    if missing:
        return redirect(intake.step_url(draft, missing))
    if not intake.BY_SLUG["offer"].applies(answers):
        # No offer is made at the desk: it waits for a manager, or is not made at all.
        return redirect(intake.step_url(draft, "check"))
    referral = Referral(
        person=answers["person"],
        custody_record_number=answers["custody_record_number"],
        offence_type=answers["offence_type"],
        offence_date=answers["offence_date"],
        victim=answers["victim"],
        policy_version=answers["assessment"].policy_version,
        status=ReferralStatus.OFFERED,
        offered_at=timezone.now(),
    )
    log(
        request.user,
        Action.DISCLOSURE,
        answers["person"],
        detail="offer printed at the custody desk",
        recipient=TO_THE_PERSON,
    )
    return _offer_page(
        request,
        referral,
        printable=True,
        back_url=intake.step_url(draft, "offer"),
        back_text="Back to the offer",
    )


@roles(Role.CASEWORKER, Role.MANAGER)
@require_GET
def contract(request, pk):
    """The signed contract on paper: the person and the navigator sign it, and the person
    keeps a copy."""
    case = get_case_for(request.user, pk)
    printable = case.signed_on is not None
    if printable:
        log(
            request.user,
            Action.DISCLOSURE,
            case,
            detail="contract printed",
            recipient="the person on the programme",
        )
    return render(
        request,
        "cases/print/contract.html",
        {
            "case": case,
            "referral": case.referral,
            "policy_version": case.referral.policy_version,
            "printable": printable,
            "conditions": list(case.conditions.all()) if printable else [],
            "milestones": list(case.milestones.all()) if printable else [],
            "contact": settings.SCHEME_CONTACT,
        },
    )
