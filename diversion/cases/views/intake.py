"""The custody officer's referral journey: one topic per page (STEPS), the answers kept as
a draft (ReferralDraft) until "check your answers", then one referral made through the service.

The draft is made when the first page is answered, so opening the journey makes nothing,
and each later page saves its answers to it: an officer can leave a referral and come back
to it from their referrals page, and can have several under way, each its own draft.

Each page's raw answers are stored as posted and re-checked on every later page, so an
answer changed from the check page is checked again against everything after it.
"""

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from diversion.accounts.roles import Role, roles
from diversion.audit.consultation import Refused
from diversion.cases.access import drafts_of, get_draft_for, get_referral_for
from diversion.cases.forms import intake as forms
from diversion.cases.models import (
    DRAFT_KEPT,
    IntakeStep,
    OfficerDecision,
    Referral,
    ReferralDraft,
    ReferralStatus,
    open_programmes,
)
from diversion.cases.services import draft as drafts
from diversion.cases.services import referral as services
from diversion.people.access import get_person_for

# The referral just submitted, and the draft it was made from: {"draft": pk, "referral": pk}.
SUBMITTED = "referral_submitted_from"


@dataclass(frozen=True)
class Step:
    slug: str
    form: type

    @property
    def title(self):
        return IntakeStep(self.slug).label

    def applies(self, answers):
        if self.slug != IntakeStep.OFFER:
            return True
        # The person is asked at the desk only when the offer can be made now.
        assessment = answers.get("assessment")
        return (
            answers.get("officer_decision") == OfficerDecision.OFFER
            and assessment is not None
            and not assessment.needs_authorisation
        )


STEPS = [
    Step(IntakeStep.CUSTODY, forms.CustodyForm),
    Step(IntakeStep.OFFENCE, forms.OffenceForm),
    Step(IntakeStep.VICTIM, forms.VictimForm),
    Step(IntakeStep.CIRCUMSTANCES, forms.CircumstancesForm),
    Step(IntakeStep.DECISION, forms.DecisionForm),
    Step(IntakeStep.OFFER, forms.OfferForm),
]
BY_SLUG = {step.slug: step for step in STEPS}
SLUGS = [step.slug for step in STEPS]


def replay(person, stored, until=None):
    """Re-check the stored answers (a draft's) in order up to `until` (a slug, or all).

    Returns (answers, forms by slug, the first step needing an answer or None).
    """
    answers: dict[str, Any] = {"person": person}
    bound: dict[str, django_forms.Form] = {}
    for step in STEPS:
        if step.slug == until:
            return answers, bound, None
        if not step.applies(answers):
            continue
        raw = stored.get(step.slug)
        if raw is None:
            return answers, bound, step.slug
        form = step.form(data=MultiValueDict(raw), draft=answers)
        if not form.is_valid():
            return answers, bound, step.slug
        bound[step.slug] = form
        answers.update(form.cleaned_data)
        if step.slug == IntakeStep.CIRCUMSTANCES:
            answers["assessment"] = services.assessment_for(**answers)
    return answers, bound, None


def open_programme_of(person):
    return open_programmes(person).first()


def step_url(draft, slug):
    return reverse("referrals:draft_step", args=[draft.pk, slug])


@roles(Role.CUSTODY_OFFICER)
@require_http_methods(["GET", "POST"])
def start(request):
    """The first question of a new referral of the person chosen (`?person=`). Answering
    it makes a new draft; the officer's other drafts, even of this person, are untouched."""
    value = request.GET.get("person", "")
    if not value:
        messages.info(request, "Find the person you are referring, or add them, to start.")
        return redirect("people:search")
    person = get_person_for(request.user, value)
    return question(request, STEPS[0], person=person)


@roles(Role.CUSTODY_OFFICER)
@require_http_methods(["GET", "POST"])
def step(request, pk, step):
    """A page of the officer's draft `pk`: a question, or the check page."""
    if step != IntakeStep.CHECK and step not in BY_SLUG:
        raise Http404
    try:
        draft = get_draft_for(request.user, pk)
    except Refused as refused:
        return already_submitted(request, pk, refused)
    if step == IntakeStep.CHECK:
        return check(request, draft)
    return question(request, BY_SLUG[step], person=draft.person, draft=draft)


def question(request, current, *, person, draft=None):
    """One question page, of a draft or (the first page, with no draft yet) of a new one."""
    stored = draft.answers if draft else {}
    answers, _, missing = replay(person, stored, until=current.slug)
    if missing:
        return redirect(step_url(draft, missing))
    if not current.applies(answers):
        return redirect(step_url(draft, IntakeStep.CHECK))
    if request.method == "POST":
        form = current.form(data=request.POST, draft=answers)
        if form.is_valid():
            reached = next_slug(current.slug, {**answers, **form.cleaned_data}, stored)
            try:
                saved = save(request, draft, person, current.slug, form.posted(), reached)
            except drafts.DraftError as error:
                form.add_error(None, str(error))
            except ReferralDraft.DoesNotExist:
                # Submitted or discarded (in another tab) while this page was open.
                return already_submitted(request, draft.pk, Refused(ReferralDraft, draft.pk))
            else:
                return redirect(step_url(saved, reached))
    else:
        raw = stored.get(current.slug)
        data = MultiValueDict(raw) if raw else None
        form = current.form(data=data, draft=answers)
    return render(
        request,
        "cases/referrals/new/step.html",
        {
            "form": form,
            "step": current,
            "draft": draft,
            "answers": answers,
            "back_url": back_url(draft, current.slug, answers),
            "open_programme": open_programme_of(person),
            "other_drafts": [] if draft else list(drafts_of(request.user).filter(person=person)),
            "kept_days": DRAFT_KEPT.days,
        },
    )


def save(request, draft, person, slug, posted, reached):
    """Keep the page's answers: in a new draft from the first page, else in this one."""
    if draft is None:
        return drafts.start_draft(
            actor=request.user, person=person, page=slug, answers=posted, reached=reached
        )
    return drafts.save_answers(
        draft, actor=request.user, page=slug, answers=posted, reached=reached
    )


def next_slug(slug, answers, stored):
    """The next page: the first later step that applies and is not yet answered, or the
    check page (which sends the officer back to any answer that no longer holds)."""
    index = SLUGS.index(slug)
    for later in STEPS[index + 1 :]:
        if later.applies(answers) and later.slug not in stored:
            return later.slug
    return IntakeStep.CHECK


def back_url(draft, slug, answers):
    """The previous page that applies, or the person's page from the first question."""
    index = SLUGS.index(slug) if slug in SLUGS else len(STEPS)
    for earlier in reversed(STEPS[:index]):
        if earlier.applies(answers):
            return step_url(draft, earlier.slug)
    return reverse("people:detail", args=[answers["person"].pk])


@roles(Role.CUSTODY_OFFICER)
@require_GET
def resume(request, pk):
    """Carry on with a draft from the page the officer reached."""
    draft = get_draft_for(request.user, pk)
    return redirect(step_url(draft, draft.step))


@roles(Role.CUSTODY_OFFICER)
@require_http_methods(["GET", "POST"])
def discard(request, pk):
    """Ask, then (on POST only) delete a draft."""
    draft = get_draft_for(request.user, pk)
    if request.method == "POST":
        drafts.delete_draft(draft, actor=request.user, detail="referral draft discarded")
        # Messages travel in a cookie, so they name no one.
        messages.success(request, "The unfinished referral was discarded")
        return redirect("referrals:mine")
    return render(
        request,
        "cases/referrals/new/discard.html",
        {"draft": draft, "reached": IntakeStep(draft.step).label},
    )


def check(request, draft):
    if request.method == "POST":
        # A second press of the button, while the first is still making the referral.
        done = submitted_referral(request, draft.pk)
        if done is not None:
            return show_submitted(request, draft.pk, done)
    answers, bound, missing = replay(draft.person, draft.answers)
    if missing:
        return redirect(step_url(draft, missing))
    open_programme = open_programme_of(answers["person"])
    form = forms.CheckForm(
        data=request.POST or None,
        initial={"token": draft.token},
        open_programme=open_programme,
    )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["token"] != str(draft.token):
            raise Http404
        try:
            referral = submit(request, draft, answers)
        except services.ReferralError as error:
            # A rule that no longer holds since the answers were given (the policy, or a
            # decide-by date now out of the window): said on the page, nothing lost.
            form.add_error(None, str(error))
            referral = None
        if referral is not None:
            return show_submitted(request, draft.pk, referral)
    return render(
        request,
        "cases/referrals/new/check.html",
        {
            "form": form,
            "draft": draft,
            "answers": answers,
            "sections": summary(bound),
            "open_programme": open_programme,
            "back_url": back_url(draft, IntakeStep.CHECK, answers),
        },
    )


def summary(bound):
    """The answers as check-your-answers rows: (title, slug, [(label, value)])."""
    return [
        (
            BY_SLUG[slug].title,
            slug,
            [
                (
                    field.label or name.replace("_", " ").capitalize(),
                    display(field, form.cleaned_data.get(name)),
                )
                for name, field in form.fields.items()
            ],
        )
        for slug, form in bound.items()
    ]


def display(field, value):
    """An answer as words: dates written out, choices by their labels."""
    if isinstance(value, datetime.date):
        return format_date(value, "j F Y")
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M")
    if value in (None, "", []) and not isinstance(field, django_forms.MultipleChoiceField):
        return "Not given"
    if isinstance(field, django_forms.ModelChoiceField) or not hasattr(field, "choices"):
        return value
    labels = dict(field.choices)
    if isinstance(value, list):
        return ", ".join(str(labels.get(v, v)) for v in value) or "None of these"
    return labels.get(value, value)


def submit(request, draft, answers):
    """Make the referral once, and delete its draft: the draft's token becomes the
    referral's, which is unique, so a double submit finds the first."""
    details = {
        name: answers[name]
        for name in (
            "arrested_at",
            "offence_date",
            "custody_suite",
            "custody_record_number",
            "crime_reference",
            "offence_type",
            "gravity_score",
            "risk_band",
            "victim",
            "victim_views",
            "circumstances",
        )
    }
    # An answer given at the desk on an earlier day: the offer was made that day too.
    answered_on = answers.get("answered_on")
    try:
        with transaction.atomic():
            referral = services.create_referral(
                actor=request.user,
                person=answers["person"],
                officer_decision=answers["officer_decision"],
                decision_rationale=answers["decision_rationale"],
                submission_token=draft.token,
                offered_on=answered_on,
                **details,
            )
            if answers.get("person_decision"):
                services.record_person_decision(
                    referral,
                    actor=request.user,
                    decision=answers["person_decision"],
                    decide_by=answers.get("decide_by"),
                    decline_reason=answers.get("decline_reason", ""),
                    decided_on=answered_on,
                    late_reason=answers.get("late_reason", ""),
                )
            drafts.delete_draft(
                draft,
                actor=request.user,
                detail=f"referral draft submitted as {referral.reference}",
            )
    except IntegrityError:
        return Referral.objects.filter(submission_token=draft.token).first()
    return referral


def submitted_referral(request, pk):
    """The referral the officer made from draft `pk`, if they submitted it: found by the
    token the check page posts, or, for a page asked for again, by their session."""
    token = request.POST.get("token", "")
    if _is_uuid(token):
        done = Referral.objects.filter(created_by=request.user, submission_token=token).first()
        if done is not None:
            return done
    submitted = request.session.get(SUBMITTED)
    if isinstance(submitted, dict) and submitted.get("draft") == pk:
        return Referral.objects.filter(created_by=request.user, pk=submitted["referral"]).first()
    return None


def show_submitted(request, pk, referral):
    request.session[SUBMITTED] = {"draft": pk, "referral": referral.pk}
    return redirect("referrals:new_confirmation")


def already_submitted(request, pk, refused):
    """A page of a draft that is no longer there: the referral made from it, if this
    officer submitted it; otherwise the draft is not found (discarded, deleted after
    DRAFT_KEPT, or never theirs), and `refused` is raised."""
    done = submitted_referral(request, pk)
    if done is None:
        raise refused
    messages.info(request, f"This referral was already submitted, as {done.reference}.")
    return show_submitted(request, pk, done)


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@roles(Role.CUSTODY_OFFICER)
@require_GET
def confirmation(request):
    submitted = request.session.get(SUBMITTED)
    if not isinstance(submitted, dict):
        return redirect("referrals:mine")
    referral = get_referral_for(request.user, submitted["referral"])
    return render(
        request,
        "cases/referrals/new/confirmation.html",
        {"referral": referral, "next_step": next_step(referral)},
    )


def next_step(referral):
    """What happens next to a referral just made, in the status it was left in (only the
    person's name and the date come from the record, and are escaped)."""
    person, S = referral.person, ReferralStatus
    if referral.considering_until:
        return format_html(
            "{} asked for time to consider, until {}. Record their answer from the referral page.",
            person,
            format_date(referral.considering_until, "j F Y"),
        )
    text = {
        S.AWAITING_AUTHORISATION: "A manager will authorise or refuse the offer. Their decision "
        "will show on your referrals page; then record the person's answer.",
        S.ACCEPTED: "{} accepted the offer. Their case is now in the caseworkers' queue for a "
        "navigator to take on.",
        S.DECLINED: "{} declined the offer. The case goes on through the usual route.",
        S.NOT_OFFERED: "The referral is recorded as not offered, with your reasons.",
    }.get(referral.status, "Record the person's answer from the referral page.")
    return format_html(text, person)
