"""The case page: its overview and timeline, and the casework tabs (needs, contract and
conditions, milestones, appointments, notes).

Every page fetches the case through access.get_case_for, so a case outside the user's
reach is not found; a POST fetches it for writing (access.may_change_case). Every change
goes through the casework and programme services with the version the form was opened on:
a stale form is shown back as typed, with what changed since, instead of overwriting
someone else's work.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from diversion.accounts.roles import Role, roles
from diversion.cases.access import get_case_for, may_change_case
from diversion.cases.forms.case import (
    AppointmentForm,
    AttendanceForm,
    CaseForm,
    ConditionForm,
    ContractForm,
    MilestoneForm,
    NeedsForm,
    NoteForm,
    RescheduleForm,
    suggested_interventions,
)
from diversion.cases.models import (
    AssessmentStage,
    MilestoneStatus,
    Pathway,
    Victim,
)
from diversion.cases.offences import offences_during
from diversion.cases.overdue import overdue_milestones
from diversion.cases.services import casework
from diversion.cases.services import programme as programme_services
from diversion.cases.timeline import case_timeline, changes_since
from diversion.lib.concurrency import StaleEdit
from diversion.lib.pagination import paginate
from diversion.lib.workflow import IllegalTransition

CASEWORK = (Role.CASEWORKER, Role.MANAGER)


def case_context(request, case, tab):
    """What every case tab shows around its content (programme/case/base.html): the
    identity bar with any overdue milestones and offences during the running contract,
    and the sub-navigation."""
    return {
        "case": case,
        "referral": case.referral,
        "tab": tab,
        "overdue": list(overdue_milestones().filter(programme=case)),
        # Reoffending while the contract runs, for the caseworker to decide on a breach.
        "new_offences": list(offences_during(case)) if case.is_running else [],
        "can_change": may_change_case(request.user, case),
    }


def _case(request, pk):
    return get_case_for(request.user, pk, write=request.method == "POST")


def _posted(request):
    return request.POST if request.method == "POST" else None


def _show(request, case, tab, template, **context):
    """Render a case tab, flagging any overdue milestone it shows (get_case_for logged the
    viewing: DPA 2018 s62)."""
    frame = case_context(request, case, tab)
    overdue = {m.pk for m in frame["overdue"]}
    for milestone in [*context.get("milestones", []), context.get("milestone")]:
        if milestone is not None:
            milestone.overdue = milestone.pk in overdue
    return render(request, template, {**frame, **context})


@dataclass
class Submission:
    saved: bool = False
    stale: bool = False
    changes: list = field(default_factory=list)


def _submit(case, form, save):
    """Validate `form` and save it with `save(cleaned_data, version)`.

    A refusal by the rules goes beside its field. A stale version keeps the form exactly as
    typed but with the case's current version, and lists what changed since it was opened,
    so the user can check and save again on purpose.
    """
    if form is None or not form.is_valid():
        return Submission()
    data = form.cleaned_data
    try:
        save(data, data["version"])
    except StaleEdit as stale:
        form.refresh(stale.current.version)
        return Submission(stale=True, changes=changes_since(case, stale.seen_version))
    except programme_services.ProgrammeError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return Submission()
    except IllegalTransition as error:
        form.add_error(None, str(error))
        return Submission()
    return Submission(saved=True)


def _form_context(form, submission, form_open):
    """The form and, if it could not be saved, why; when the form is no longer offered (the
    case moved on), what the user typed is shown back so that nothing is lost."""
    unsaved = form is not None and form.is_bound and not submission.saved
    return {
        "form": form,
        "form_open": form_open,
        "stale": submission.stale,
        "changes": submission.changes,
        "not_saved": form.entered() if unsaved and not form_open else [],
    }


# --- Overview ------------------------------------------------------------------------------


@roles(*CASEWORK)
@require_GET
def overview(request, pk):
    """The case at a glance: the referral's key facts, milestones, conditions and the
    timeline of everything that happened, scheduled appointments included."""
    case = _case(request, pk)
    milestones = list(case.milestones.all())
    conditions = list(case.conditions.all())
    return _show(
        request,
        case,
        "overview",
        "cases/case/overview.html",
        milestones=milestones,
        conditions=conditions,
        timeline=case_timeline(case, milestones=milestones, conditions=conditions),
        accepted_on=timezone.localdate(case.referral.decided_at),
    )


# --- Needs ---------------------------------------------------------------------------------


@roles(*CASEWORK)
@require_http_methods(["GET", "POST"])
def needs(request, pk):
    """Need on each pathway at entry and exit, side by side, and the form for one stage."""
    stage = request.GET.get("stage") or None
    if (stage is not None and stage not in AssessmentStage.values) or (
        request.method == "POST" and stage is None
    ):
        raise Http404("No such assessment stage")
    case = _case(request, pk)
    rows = list(case.assessments.all())
    entry = {r.pathway: r for r in rows if r.stage == AssessmentStage.ENTRY}
    exit_ = {r.pathway: r for r in rows if r.stage == AssessmentStage.EXIT}
    can_change = may_change_case(request.user, case)
    open_stages = {
        AssessmentStage.ENTRY: can_change and case.is_open,
        AssessmentStage.EXIT: can_change and case.is_running and bool(entry),
    }
    form = None
    if stage:
        existing = (entry if stage == AssessmentStage.ENTRY else exit_).values()
        form = NeedsForm(_posted(request), case=case, stage=stage, existing=existing)
    submission = _submit(
        case,
        form if request.method == "POST" else None,
        lambda data, version: casework.record_assessment(
            case,
            actor=request.user,
            stage=stage,
            scores=form.scores(),  # type: ignore[union-attr]  # only a posted form is saved
            on=data["assessed_on"],
            expected_version=version,
        ),
    )
    if submission.saved:
        # Saved, so a stage was posted.
        messages.success(request, f"{AssessmentStage(stage).label} needs assessment saved")  # type: ignore[arg-type]
        return redirect("cases:needs", pk=case.pk)
    return _show(
        request,
        case,
        "needs",
        "cases/case/needs.html",
        stage=stage,
        stage_label=AssessmentStage(stage).label.lower() if stage else "",
        open_stages={str(k): v for k, v in open_stages.items()},
        has_entry=bool(entry),
        has_exit=bool(exit_),
        comparison=needs_comparison(entry, exit_),
        # open_stages is read only for a stage (mypy does not narrow through bool()).
        **_form_context(form, submission, bool(stage) and open_stages[stage]),  # type: ignore[index]
    )


def needs_comparison(entry, exit_):
    """Each pathway's scores at entry and exit and the change, and the change in average need
    as a percentage of need at entry (domain: one force reports a fall of 30–43%)."""
    rows = []
    for pathway in Pathway:
        before, after = entry.get(pathway.value), exit_.get(pathway.value)
        change = after.score - before.score if before and after else None
        rows.append({"pathway": pathway, "entry": before, "exit": after, "change": change})
    summary = None
    if entry and exit_:
        paired = [r for r in rows if r["change"] is not None]
        total_before = sum(r["entry"].score for r in paired)
        total_after = sum(r["exit"].score for r in paired)
        summary = {
            "entry_average": total_before / len(paired),
            "exit_average": total_after / len(paired),
            "percent": (
                round((total_after - total_before) * 100 / total_before) if total_before else None
            ),
        }
        summary["fell"] = summary["percent"] is not None and summary["percent"] < 0
        summary["size"] = abs(summary["percent"]) if summary["percent"] is not None else None
    return {"rows": rows, "summary": summary}


# --- The contract and its conditions -------------------------------------------------------


@roles(*CASEWORK)
@require_http_methods(["GET", "POST"])
def contract(request, pk):
    """Before signing: the signing form. After: the conditions and milestones."""
    case = _case(request, pk)
    restorative_wanted = case.referral.victim == Victim.RESTORATIVE
    entry_rows = list(case.assessments.filter(stage=AssessmentStage.ENTRY))
    form_open = (
        may_change_case(request.user, case) and case.can("sign") and case.caseworker_id is not None
    )
    form = ContractForm(
        _posted(request),
        case=case,
        restorative_wanted=restorative_wanted,
        suggestions=suggested_interventions(entry_rows)[:2],
    )
    submission = _submit(
        case,
        form if request.method == "POST" else None,
        lambda data, version: programme_services.sign_contract(
            case,
            actor=request.user,
            signed_on=data["signed_on"],
            late_reason=data["late_reason"],
            conditions=form.conditions(),
            expected_version=version,
        ),
    )
    if submission.saved:
        messages.success(
            request, f"Contract signed: it ends on {date_format(case.ends_on, 'j F Y')}"
        )
        return redirect("cases:contract", pk=case.pk)
    conditions = list(case.conditions.all())
    return _show(
        request,
        case,
        "contract",
        "cases/case/contract.html",
        conditions=conditions,
        failed=[c for c in conditions if c.is_failed],
        milestones=list(case.milestones.all()),
        **_form_context(form, submission, form_open),
    )


@roles(*CASEWORK)
@require_http_methods(["GET", "POST"])
def condition(request, pk, number):
    """Record a condition as met, failed or waived (with the reason), with its evidence."""
    case = _case(request, pk)
    condition = get_object_or_404(case.conditions, number=number)
    form = ConditionForm(_posted(request), case=case, condition=condition)
    submission = _submit(
        case,
        form if request.method == "POST" else None,
        lambda data, version: casework.update_condition(
            case,
            number,
            actor=request.user,
            status=data["status"],
            reason=data["reason"],
            evidence=data["evidence"],
            expected_version=version,
        ),
    )
    if submission.saved:
        condition.refresh_from_db()
        text = f"Condition {number} recorded as {condition.get_status_display().lower()}"
        if condition.is_failed:
            text += ". If this breaches the contract, record the breach on the Outcome tab"
        messages.success(request, text)
        return redirect("cases:contract", pk=case.pk)
    form_open = may_change_case(request.user, case) and case.is_running
    return _show(
        request,
        case,
        "contract",
        "cases/case/condition.html",
        condition=condition,
        **_form_context(form, submission, form_open),
    )


# --- Milestones ----------------------------------------------------------------------------


@roles(*CASEWORK)
@require_http_methods(["GET", "POST"])
def milestone(request, pk, milestone_id):
    """Mark a milestone done, on the day it was done, or missed, with why."""
    case = _case(request, pk)
    milestone = get_object_or_404(case.milestones, pk=milestone_id)
    form = MilestoneForm(_posted(request), case=case)
    submission = _submit(
        case,
        form if request.method == "POST" else None,
        lambda data, version: casework.record_milestone(
            case,
            milestone,
            actor=request.user,
            status=data["status"],
            completed_on=data["completed_on"],
            reason=data["reason"],
            expected_version=version,
        ),
    )
    if submission.saved:
        status = MilestoneStatus(form.cleaned_data["status"])
        messages.success(request, f"{milestone.label} recorded as {status.label.lower()}")
        return redirect("cases:case", pk=case.pk)
    form_open = may_change_case(request.user, case) and case.is_running
    return _show(
        request,
        case,
        "overview",
        "cases/case/milestone.html",
        milestone=milestone,
        **_form_context(form, submission, form_open),
    )


# --- Appointments --------------------------------------------------------------------------


@roles(*CASEWORK)
@require_http_methods(["GET", "POST"])
def appointments(request, pk):
    """The case's appointments, and a form to add one within the contract."""
    case = _case(request, pk)
    form = AppointmentForm(_posted(request), case=case)
    submission = _submit(
        case,
        form if request.method == "POST" else None,
        lambda data, version: casework.add_appointment(
            case,
            actor=request.user,
            kind=data["kind"],
            starts_at=data["starts_at"],
            notes=data["notes"],
            expected_version=version,
        ),
    )
    if submission.saved:
        when = date_format(timezone.localtime(form.cleaned_data["starts_at"]), "j F Y, H:i")
        messages.success(request, f"Appointment added for {when}")
        return redirect("cases:appointments", pk=case.pk)
    form_open = may_change_case(request.user, case) and case.is_running
    return _show(
        request,
        case,
        "appointments",
        "cases/case/appointments.html",
        appointments=list(case.appointments.select_related("rescheduled_to")),
        now=timezone.now(),
        **_form_context(form, submission, form_open),
    )


@roles(*CASEWORK)
@require_http_methods(["GET", "POST"])
def appointment(request, pk, appointment_id):
    """One appointment: record whether it took place and who attended, or reschedule it."""
    case = _case(request, pk)
    appointment = get_object_or_404(
        case.appointments.select_related("rescheduled_to"), pk=appointment_id
    )
    posted = _posted(request)
    action = request.POST.get("action") if posted is not None else None
    if posted is not None and action not in ("record", "reschedule"):
        raise BadRequest("Unknown appointment action")
    record_form = AttendanceForm(
        posted if action == "record" else None, case=case, appointment=appointment
    )
    reschedule_form = RescheduleForm(posted if action == "reschedule" else None, case=case)
    form: CaseForm
    if action == "record":
        form, save = record_form, _record_attendance(request, case, appointment)
    else:
        form, save = reschedule_form, _reschedule(request, case, appointment)
    submission = _submit(case, form if posted is not None else None, save)
    if submission.saved:
        messages.success(
            request,
            "Attendance recorded" if action == "record" else "Appointment rescheduled",
        )
        return redirect("cases:appointments", pk=case.pk)
    can_change = may_change_case(request.user, case) and case.is_running
    is_open = can_change and not appointment.rescheduled_to_id
    open_forms: dict[str | None, bool] = {
        "record": is_open and appointment.starts_at <= timezone.now(),
        "reschedule": is_open and not appointment.took_place,
    }
    return _show(
        request,
        case,
        "appointments",
        "cases/case/appointment.html",
        appointment=appointment,
        record_form=record_form,
        reschedule_form=reschedule_form,
        open_forms=open_forms,
        action=action,
        **_form_context(
            form if posted is not None else None,
            submission,
            open_forms.get(action, False),
        ),
    )


def _record_attendance(request, case, appointment):
    def save(data, version):
        casework.record_attendance(
            case,
            appointment,
            actor=request.user,
            took_place=data["took_place"] == AttendanceForm.YES,
            attendance=data["attendance"],
            expected_version=version,
        )

    return save


def _reschedule(request, case, appointment):
    def save(data, version):
        casework.reschedule_appointment(
            case,
            appointment,
            actor=request.user,
            starts_at=data["starts_at"],
            requested_by=data["requested_by"],
            reason=data["reason"],
            expected_version=version,
        )

    return save


# --- Notes ---------------------------------------------------------------------------------


@roles(*CASEWORK)
@require_http_methods(["GET", "POST"])
def notes(request, pk):
    """Case notes, newest first, and a form to add one."""
    case = _case(request, pk)
    form = NoteForm(_posted(request), case=case)
    submission = _submit(
        case,
        form if request.method == "POST" else None,
        lambda data, version: casework.add_note(
            case, actor=request.user, text=data["text"], expected_version=version
        ),
    )
    if submission.saved:
        messages.success(request, "Note added")
        return redirect("cases:notes", pk=case.pk)
    page = paginate(request, case.notes.select_related("author").order_by("-at", "-pk"))
    return _show(
        request,
        case,
        "notes",
        "cases/case/notes.html",
        page=page,
        **_form_context(form, submission, may_change_case(request.user, case)),
    )
