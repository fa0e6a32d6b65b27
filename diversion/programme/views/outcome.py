"""Ending a programme (completed, breached, withdrawn), reopening it, and later offences."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from diversion.accounts.roles import Role, has_role, roles
from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.lib.concurrency import StaleEdit
from diversion.lib.workflow import IllegalTransition
from diversion.people.access import get_person_for

from .. import services
from ..access import get_case_for
from ..models import CLOSED, ConditionStatus, MilestoneStatus, ProgrammeStatus
from ..outcome_forms import BreachForm, CompleteForm, LaterOffenceForm, ReopenForm, WithdrawForm
from .case import case_context

FORMS = {"complete": CompleteForm, "breach": BreachForm, "withdraw": WithdrawForm}
STALE = "This case changed since you opened it. Check the case, then try again."


@roles(Role.CASEWORKER, Role.MANAGER)
@require_http_methods(["GET", "POST"])
def outcome(request, pk):
    """End the programme, or, once ended, see how it ended."""
    case = get_case_for(request.user, pk, write=request.method == "POST")
    action, bound = request.POST.get("action"), {}
    if request.method == "POST" and action in FORMS and case.status not in CLOSED:
        form = bound[action] = FORMS[action](request.POST, prefix=action)
        if form.is_valid() and _end(request, case, action, form):
            return redirect("programme:outcome", pk=case.pk)
    log(request.user, Action.CONSULTATION, case, detail="outcome")
    return _page(request, case, bound=bound)


def _page(request, case, *, bound=None, reopen_form=None):
    """The outcome tab, with any forms the user submitted in place of fresh ones."""
    initial = {"version": case.version}
    forms = {name: form(initial=initial, prefix=name) for name, form in FORMS.items()}
    forms.update(bound or {})
    return render(
        request,
        "programme/case/outcome.html",
        {
            **case_context(request, case, "outcome"),
            "forms": forms,
            "action": next(iter(bound or {}), None),
            "outstanding": _outstanding(case),
            "reopen_form": reopen_form or ReopenForm(initial=initial, prefix="reopen"),
            "can_reopen": has_role(request.user, Role.MANAGER) and case.status in CLOSED,
        },
    )


def _end(request, case, action, form):
    """Carry out one ending; on a refusal, put the reason on the form and return False."""
    data, version = form.cleaned_data, form.cleaned_data["version"]
    try:
        with transaction.atomic():
            if action == "complete":
                services.complete(
                    case,
                    actor=request.user,
                    outcome_on=data["outcome_on"],
                    expected_version=version,
                )
            else:
                services.end(
                    case,
                    ProgrammeStatus.BREACHED if action == "breach" else ProgrammeStatus.WITHDRAWN,
                    actor=request.user,
                    outcome_on=data["outcome_on"],
                    reason=data["reason"],
                    detail=data["detail"],
                    new_offence=form.new_offence() if action == "breach" else None,
                    expected_version=version,
                )
    except StaleEdit:
        form.add_error(None, STALE)
        return False
    except (services.ProgrammeError, IllegalTransition) as error:
        form.add_error(None, str(error))
        return False
    messages.success(request, _done_message(case, action))
    return True


def _done_message(case, action):
    if action == "complete":
        return f"{case.referral.reference} is completed: no further action (crime outcome 22)."
    if action == "breach":
        return (
            f"{case.referral.reference} is breached and returned to the officer in the case "
            "for prosecution."
        )
    return f"{case.referral.reference} is withdrawn."


def _outstanding(case):
    """What stands between an active programme and completion, in plain words."""
    if case.status != ProgrammeStatus.ACTIVE:
        return []
    waiting = [
        f"Condition {c.number} ({c.get_kind_display().lower()}) is {c.get_status_display().lower()}"
        for c in case.conditions.exclude(status__in=[ConditionStatus.MET, ConditionStatus.WAIVED])
    ]
    final = case.milestones.filter(code="final_review").first()
    if final and final.status != MilestoneStatus.DONE:
        waiting.append("The final review is not done")
    return waiting


@roles(Role.MANAGER)
@require_POST
def reopen(request, pk):
    """A manager reopens a case closed in error, with the reason."""
    case = get_case_for(request.user, pk, write=True)
    form = ReopenForm(request.POST, prefix="reopen")
    if form.is_valid():
        try:
            with transaction.atomic():
                services.reopen(
                    case,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
        except StaleEdit:
            form.add_error(None, STALE)
        except IllegalTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{case.referral.reference} is reopened.")
            return redirect("programme:outcome", pk=case.pk)
    return _page(request, case, reopen_form=form)


@roles(Role.CASEWORKER, Role.MANAGER, Role.CUSTODY_OFFICER)
@require_http_methods(["GET", "POST"])
def later_offence(request, person_pk):
    """Record an offence by someone after their referral, for breach and reoffending figures."""
    person = get_person_for(request.user, person_pk)
    form = LaterOffenceForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_later_offence(person, actor=request.user, **form.cleaned_data)
        except services.ProgrammeError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The offence is recorded on {person}'s record.")
            return redirect("people:detail", pk=person.pk)
    return render(request, "programme/later_offence.html", {"person": person, "form": form})
