"""Referral pages: the custody officer's list, the referral page, the manager's
authorisation queue, and the person's answer to the offer (the printed offer is in
views.printing)."""

import datetime

from django.contrib import messages
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from diversion.accounts.roles import Role, has_role, roles
from diversion.audit.consultation import consulted
from diversion.cases.access import drafts_of, get_referral_for, is_referring_officer
from diversion.cases.forms.decision import AuthorisationForm, PersonDecisionForm
from diversion.cases.models import (
    PersonDecision,
    Programme,
    Referral,
    ReferralHistory,
    ReferralStatus,
    ReturnStatus,
    open_programmes,
)
from diversion.cases.offences import offences_during
from diversion.cases.queues import AUTHORISATIONS
from diversion.cases.returned import latest_to_action
from diversion.cases.services import referral as services
from diversion.cases.tables import AuthorisationQueueTable, DraftsTable, ReferralsTable
from diversion.cases.timeline import referral_moves
from diversion.lib.lists import ListPage
from diversion.lib.workflow import IllegalTransition, statuses_where
from diversion.policy.models import Circumstance

S = ReferralStatus
# How long a refusal stays in the custody officer's notification banner (our design).
REFUSAL_NOTICE_DAYS = 14
NOTICE_LIMIT = 10


@roles(Role.CUSTODY_OFFICER, Role.MANAGER)
@require_GET
def home(request):
    if has_role(request.user, Role.CUSTODY_OFFICER):
        return redirect("referrals:mine")
    return redirect("referrals:authorisations")


@roles(Role.CUSTODY_OFFICER)
@require_GET
def mine(request):
    """The custody officer's referrals, newest first, under a banner of managers' answers,
    and their unfinished referrals, last saved first."""
    referrals = Referral.objects.filter(created_by=request.user).select_related(
        "person", "offence_type", "custody_suite"
    )
    listing = ListPage(
        request,
        referrals,
        table_class=ReferralsTable,
        default_sort="-referred",
        noun=("referral", "referrals"),
        empty="You have not made any referrals yet.",
    )
    drafts = ListPage(
        request,
        # The answers, up to MAX_ANSWERS_LENGTH each, are not shown here.
        drafts_of(request.user).select_related("person").defer("answers"),
        table_class=DraftsTable,
        default_sort="-saved",
        noun=("unfinished referral", "unfinished referrals"),
        prefix="drafts-",
    )
    results = authorisation_results(request.user)
    returned, returned_count = latest_to_action(request.user, NOTICE_LIMIT)
    # The lists' rows are logged as they are read; the banners' too.
    consulted(request.user, *results, *returned)
    return render(
        request,
        "cases/referrals/mine.html",
        {
            "listing": listing,
            "drafts": drafts,
            "results": results,
            "returned": returned,
            "returned_count": returned_count,
        },
    )


def authorisation_results(officer):
    """The officer's referrals a manager has authorised and that await the person's answer,
    and those refused in the last fortnight, most recent first (one query)."""
    refused_at = (
        ReferralHistory.objects.filter(pgh_obj=OuterRef("pk"), status=S.AUTHORISATION_REFUSED)
        .order_by("pgh_id")
        .values("pgh_created_at")[:1]
    )
    since = timezone.now() - datetime.timedelta(days=REFUSAL_NOTICE_DAYS)
    return list(
        Referral.objects.filter(created_by=officer)
        .annotate(refused_at=Subquery(refused_at))
        .filter(
            Q(status=S.OFFERED, needs_authorisation=True)
            | Q(status=S.AUTHORISATION_REFUSED, refused_at__gte=since)
        )
        .annotate(answered_at=Coalesce("authorised_at", "refused_at"))
        .select_related("person", "authorised_by")
        .order_by("-answered_at", "-pk")[:NOTICE_LIMIT]
    )


@roles(Role.CUSTODY_OFFICER, Role.MANAGER, Role.CASEWORKER)
@require_GET
def detail(request, pk):
    """Everything recorded about one referral, its eligibility and its history."""
    referral = get_referral_for(request.user, pk)
    events = referral_moves(referral)
    context = {
        "referral": referral,
        "events": events[::-1],
        "refusal": next((e for e in events if e.to_status == S.AUTHORISATION_REFUSED), None),
        **programme_outcome(request.user, referral),
        "circumstances": [Circumstance(c).label for c in referral.circumstances],
        "can_record_decision": is_referring_officer(request.user, referral)
        and referral.can("answer"),
        "can_authorise": has_role(request.user, Role.MANAGER) and referral.can("authorise"),
        "printable": referral.offer_printable,
    }
    return render(request, "cases/referrals/detail.html", context)


def programme_outcome(user, referral):
    """The programme of an accepted referral, for its page: how it ended, any offences
    during the contract, and, for a breach, its return to the officer in the case, whom
    alone it offers to mark it actioned."""
    programme = (
        Programme.objects.filter(referral=referral)
        .select_related("caseworker", "breach_offence__offence_type")
        .first()
    )
    if programme is None:
        return {"programme": None}
    programme.referral = referral
    returned = None
    if programme.is_breached:
        # A breach's return; reopening the case cancels it.
        returned = (
            programme.returns.exclude(status=ReturnStatus.CANCELLED)
            .select_related("actioned_by")
            .first()
        )
    return {
        "programme": programme,
        "offences": list(offences_during(programme)),
        "returned": returned,
        "can_mark_actioned": returned is not None
        and returned.officer_id == user.pk
        and returned.can("action"),
    }


@roles(Role.MANAGER)
@require_GET
def authorisations(request):
    """Referrals waiting for a manager, longest waiting first, under the queue's size and
    its oldest wait."""
    referrals = AUTHORISATIONS.items(request.user).select_related(
        "person", "offence_type", "created_by", "policy_version"
    )
    listing = ListPage(
        request,
        referrals,
        table_class=AuthorisationQueueTable,
        default_sort="-waiting",
        noun=AUTHORISATIONS.noun,
        empty="No referrals are waiting for authorisation.",
    )
    return render(
        request,
        "cases/referrals/authorisations.html",
        {"listing": listing, "summary": AUTHORISATIONS.summary(request.user)},
    )


@roles(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def authorisation(request, pk):
    """A manager authorises or refuses an offer that needs it."""
    referral = get_referral_for(request.user, pk)
    posted = request.POST if request.method == "POST" else None
    form = AuthorisationForm(posted)
    stale = posted is not None and not referral.can("authorise")
    if posted is not None and not stale and form.is_valid():
        authorised = form.cleaned_data["decision"] == AuthorisationForm.AUTHORISE
        act = services.authorise if authorised else services.refuse
        try:
            act(referral, actor=request.user, reason=form.cleaned_data["reason"])
        except IllegalTransition:
            referral.refresh_from_db()
            stale = True
        else:
            messages.success(request, authorisation_message(referral, authorised))
            return redirect("referrals:authorisations")
    context = {"referral": referral, "form": form, "not_saved": form.entered() if stale else []}
    if not referral.can("authorise"):
        context["closed"] = closed_message(
            referral,
            "authorise",
            otherwise="This referral does not need a manager's authorisation",
        )
    return render(request, "cases/referrals/authorisation.html", context)


@roles(Role.CUSTODY_OFFICER)
@require_http_methods(["GET", "POST"])
def record_decision(request, pk):
    """The custody officer who made the offer records the person's answer."""
    referral = get_referral_for(request.user, pk, answer=True)
    posted = request.POST if request.method == "POST" else None
    form = PersonDecisionForm(posted, referral=referral)
    stale = posted is not None and not referral.can("answer")
    if posted is not None and not stale and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_person_decision(
                referral,
                actor=request.user,
                decision=data["decision"],
                decide_by=data["decide_by"],
                decline_reason=data["decline_reason"],
                decided_on=data["decided_on"],
                late_reason=data["late_reason"],
                reason=data["note"],
            )
        except IllegalTransition:
            referral.refresh_from_db()
            stale = True
        except services.ReferralError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, decision_message(referral))
            return redirect("referrals:detail", pk=referral.pk)
    context = {"referral": referral, "form": form, "other_programmes": other_programmes(referral)}
    if stale:
        # Show back what was entered; a fresh form only if an answer can still be recorded.
        context.update(not_saved=form.entered(), form=PersonDecisionForm(referral=referral))
    if stale or not referral.can("answer"):
        context["closed"] = closed_message(
            referral, "answer", otherwise="The person's decision cannot be recorded"
        )
    return render(request, "cases/referrals/decision.html", context)


def closed_message(referral, action, *, otherwise):
    """Why the form for `action` is not there: who moved the referral on from the statuses
    where it was open, and to what."""
    from_statuses = statuses_where(Referral, action)
    event = next(
        (m for m in reversed(referral_moves(referral)) if m.from_status in from_statuses), None
    )
    status = referral.get_status_display()
    if event is None:
        return f"{otherwise} – it is {status.lower()}."
    return f"This referral was already decided by {event.actor} – it is now {status.lower()}."


def authorisation_message(referral, authorised):
    officer = referral.created_by
    if authorised:
        return f"{referral.reference} is authorised: {officer} can now record the person's answer"
    return f"{referral.reference}: authorisation refused. {officer} will see this on their list"


def decision_message(referral):
    if referral.person_decision == PersonDecision.ACCEPTED:
        return f"{referral.reference} is now in the caseworkers' queue"
    if referral.person_decision == PersonDecision.DECLINED:
        return f"{referral.reference}: the person declined the offer"
    return (
        f"{referral.reference}: the person has until "
        f"{date_format(referral.decide_by, 'j F Y')} to decide"
    )


def other_programmes(referral):
    """The person's other programmes still open, which acceptance would run alongside."""
    return list(open_programmes(referral.person).exclude(referral_id=referral.pk))
