"""Ending a programme (completed, breached, withdrawn) and reopening it, each checked on a
page that says what will happen and who is told before it is confirmed."""

import copy

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from diversion.accounts.roles import Role, has_role, roles
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
# The check page's two buttons: carry it out, or go back to the form as it was filled in.
CONFIRM, CHANGE = "confirm", "change"
# What the check page calls each action: its heading and its button.
CHECKS = {
    "complete": ("Check the completion before you record it", "Confirm completion"),
    "breach": ("Check the breach before you record it", "Confirm breach"),
    "withdraw": ("Check the withdrawal before you record it", "Confirm withdrawal"),
    "reopen": ("Check before you reopen the case", "Confirm reopening"),
}


class _Checked(Exception):
    """Raised inside a trial run of an action, to roll it back once it has passed."""


@roles(Role.CASEWORKER, Role.MANAGER)
@require_http_methods(["GET", "POST"])
def outcome(request, pk):
    """End the programme, or, once ended, see how it ended."""
    case = get_case_for(request.user, pk, write=request.method == "POST")
    action = request.POST.get("action")
    if request.method == "POST" and action in FORMS:
        form = FORMS[action](request.POST, case=case, prefix=action)
        return _submitted(request, case, action, form)
    return _page(request, case)


@roles(Role.MANAGER)
@require_POST
def reopen(request, pk):
    """A manager reopens a case closed in error, with the reason."""
    case = get_case_for(request.user, pk, write=True)
    return _submitted(request, case, "reopen", ReopenForm(request.POST, case=case, prefix="reopen"))


def _submitted(request, case, action, form):
    """A submitted ending or reopening. First the check page, once the form is valid and a
    trial run of the service (rolled back) has passed, so that it promises nothing the
    service would refuse; then, confirmed, the change itself. "Change" goes back to the
    form as filled in. A case changed meanwhile is shown as every case form shows it
    (cases/case/_stale.html), with what was entered kept."""
    if not case.can(action):
        # Ended or reopened by someone else since the form was opened.
        return _page(request, case, action=action, form=form, stale=_moved_on(case, form))
    if CHANGE in request.POST or not form.is_valid():
        return _page(request, case, action=action, form=form)
    confirmed = CONFIRM in request.POST
    try:
        with transaction.atomic():
            # A trial run changes a copy, so the page still shows the case as it is.
            _carry_out(request, case if confirmed else copy.copy(case), action, form)
            if not confirmed:
                raise _Checked
    except _Checked:
        return _check_page(request, case, action, form)
    except StaleEdit as error:
        field = f"{action}-version"
        form = type(form)(
            refreshed(request.POST, error.current.version, field), case=case, prefix=action
        )
        stale = {"changes": changes_since(case, error.seen_version), "form_open": True}
        return _page(request, case, action=action, form=form, stale=stale)
    except (services.ProgrammeError, IllegalTransition) as error:
        form.add_error(None, str(error))
        return _page(request, case, action=action, form=form)
    messages.success(request, _done_message(case, action))
    return redirect("cases:outcome", pk=case.pk)


def _carry_out(request, case, action, form):
    data, version = form.cleaned_data, form.cleaned_data["version"]
    if action == "complete":
        services.complete(
            case, actor=request.user, outcome_on=data["outcome_on"], expected_version=version
        )
    elif action == "reopen":
        services.reopen(case, actor=request.user, reason=data["reason"], expected_version=version)
    else:
        services.end(
            case,
            ProgrammeStatus.BREACHED if action == "breach" else ProgrammeStatus.WITHDRAWN,
            actor=request.user,
            outcome_on=data["outcome_on"],
            reason=data["reason"],
            detail=data["detail"],
            new_offence=form.new_offence() if action == "breach" else None,
            offence=form.chosen_offence() if action == "breach" else None,
            expected_version=version,
        )


def _moved_on(case, form):
    """The stale message for a form whose action the case no longer allows: what changed
    since the version it was opened on, and what was entered, which is no longer offered."""
    try:
        changes = changes_since(case, int(form.data.get(form.add_prefix("version"), "")))
    except ValueError:
        changes = []  # a form without its version: no changes to name
    return {"changes": changes, "form_open": False, "not_saved": form.entered()}


def _page(request, case, *, action=None, form=None, stale=None):
    """The outcome tab, with the form the user submitted in place of a fresh one."""
    forms = {name: form_class(case=case, prefix=name) for name, form_class in FORMS.items()}
    reopen_form = ReopenForm(case=case, prefix="reopen")
    if action == "reopen":
        reopen_form = form
    elif form is not None:
        forms[action] = form
    return render(
        request,
        "cases/case/outcome.html",
        {
            **case_context(request, case, "outcome"),
            "forms": forms,
            "action": action,
            "outstanding": services.still_to_do(case) if case.can("complete") else [],
            "reopen_form": reopen_form,
            "can_reopen": has_role(request.user, Role.MANAGER) and case.can("reopen"),
            **({"stale": True, **stale} if stale else {}),
        },
    )


def _check_page(request, case, action, form):
    heading, button = CHECKS[action]
    prefix = form.add_prefix("")
    carried = [
        (name, value)
        for name in request.POST
        if name.startswith(prefix)
        for value in request.POST.getlist(name)
    ]
    return render(
        request,
        "cases/case/outcome_check.html",
        {
            **case_context(request, case, "outcome"),
            "check_action": action,
            "heading": heading,
            "button": button,
            "answers": form.answers(),
            "what_happens": what_happens(case, action, form),
            "carried": carried,
        },
    )


def what_happens(case, action, form):
    """What carrying out `action` will do to the case, and who is told, in plain words."""
    officer = case.referral.created_by
    closes = "The case closes: no more casework can be recorded on it unless a manager reopens it."
    stops = "The milestones stop: those still due are no longer expected or shown as overdue."
    if action == "complete":
        return [
            "The programme is completed with no further action: crime outcome 22 "
            "(diversionary activity undertaken) is recorded.",
            f"The officer in the case, {officer}, sees the completion on the referral page.",
            closes,
            stops,
        ]
    if action == "breach":
        told = [
            f"The case is returned to the officer in the case, {officer}, for prosecution. It "
            "goes on their list of returned cases, with the reason and what happened, until "
            "they mark it as actioned.",
            closes,
            stops,
        ]
        if form.new_offence() is not None:
            told.append(f"The new offence is recorded on {case.referral.person}'s record.")
        return told
    if action == "withdraw":
        return [
            "The programme is withdrawn with the reason given.",
            f"The officer in the case, {officer}, sees the withdrawal and its reason on the "
            "referral page.",
            closes,
            stops,
        ]
    who = f"The caseworker, {case.caseworker}," if case.caseworker else "Whoever takes the case"
    told = [
        "The outcome is cleared and the case is open again; its history stays on the timeline.",
        f"{who} can record casework on it again, and milestones past their due date show as "
        "overdue.",
    ]
    if case.is_breached:
        told.append(
            f"It is no longer returned for prosecution: it leaves {officer}'s list of "
            "returned cases."
        )
    return told


def _done_message(case, action):
    reference = case.referral.reference
    if action == "complete":
        return f"{reference} is completed: no further action (crime outcome 22)."
    if action == "breach":
        return f"{reference} is breached and returned to the officer in the case for prosecution."
    if action == "reopen":
        return f"{reference} is reopened."
    return f"{reference} is withdrawn."
