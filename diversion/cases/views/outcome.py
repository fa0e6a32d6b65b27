"""Ending a programme (completed, breached, withdrawn), reopening it, and later offences."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from diversion.accounts.roles import Role, has_role, roles
from diversion.audit.models import Action
from diversion.audit.services import log
from diversion.cases.access import get_case_for
from diversion.cases.forms.outcome import (
    BreachForm,
    CompleteForm,
    ReopenForm,
    WithdrawForm,
)
from diversion.cases.models import ProgrammeStatus
from diversion.cases.services import programme as services
from diversion.cases.timeline import changes_since
from diversion.cases.views.case import case_context
from diversion.lib.concurrency import StaleEdit, refreshed
from diversion.lib.workflow import IllegalTransition

FORMS = {"complete": CompleteForm, "breach": BreachForm, "withdraw": WithdrawForm}


@roles(Role.CASEWORKER, Role.MANAGER)
@require_http_methods(["GET", "POST"])
def outcome(request, pk):
    """End the programme, or, once ended, see how it ended."""
    case = get_case_for(request.user, pk, write=request.method == "POST")
    action, bound, stale = request.POST.get("action"), {}, {}
    if request.method == "POST" and action in FORMS and not case.is_closed:
        form = bound[action] = FORMS[action](request.POST, case=case, prefix=action)
        if form.is_valid():
            try:
                if _end(request, case, action, form):
                    return redirect("cases:outcome", pk=case.pk)
            except StaleEdit as error:
                bound[action] = FORMS[action](
                    refreshed(request.POST, error.current.version, f"{action}-version"),
                    case=case,
                    prefix=action,
                )
                stale = _stale(case, error)
    log(request.user, Action.CONSULTATION, case, detail="outcome")
    return _page(request, case, bound=bound, stale=stale)


def _stale(case, error):
    """The case page's one message for a form opened before someone else changed the case
    (cases/case/_stale.html): nothing saved, what changed since, the form kept as typed."""
    return {"stale": True, "changes": changes_since(case, error.seen_version), "form_open": True}


def _page(request, case, *, bound=None, reopen_form=None, stale=None):
    """The outcome tab, with any forms the user submitted in place of fresh ones."""
    forms = {name: form(case=case, prefix=name) for name, form in FORMS.items()}
    forms.update(bound or {})
    return render(
        request,
        "cases/case/outcome.html",
        {
            **case_context(request, case, "outcome"),
            "forms": forms,
            "action": next(iter(bound or {}), None),
            "outstanding": services.still_to_do(case) if case.can("complete") else [],
            "reopen_form": reopen_form or ReopenForm(case=case, prefix="reopen"),
            "can_reopen": has_role(request.user, Role.MANAGER) and case.can("reopen"),
            **(stale or {}),
        },
    )


def _end(request, case, action, form):
    """Carry out one ending; on a refusal, put the reason on the form and return False.
    A stale form raises StaleEdit."""
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


@roles(Role.MANAGER)
@require_POST
def reopen(request, pk):
    """A manager reopens a case closed in error, with the reason."""
    case = get_case_for(request.user, pk, write=True)
    form, stale = ReopenForm(request.POST, case=case, prefix="reopen"), None
    if form.is_valid():
        try:
            with transaction.atomic():
                services.reopen(
                    case,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
        except StaleEdit as error:
            form = ReopenForm(
                refreshed(request.POST, error.current.version, "reopen-version"),
                case=case,
                prefix="reopen",
            )
            stale = _stale(case, error)
        except IllegalTransition as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{case.referral.reference} is reopened.")
            return redirect("cases:outcome", pk=case.pk)
    return _page(request, case, reopen_form=form, stale=stale)
