"""The custody officer's referral journey: one question per page, answers kept in the
session until "check your answers", then one referral made through the service.

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
from diversion.cases.access import get_referral_for
from diversion.cases.forms import intake as forms
from diversion.cases.models import OfficerDecision, Referral, ReferralStatus, open_programmes
from diversion.cases.services import referral as services
from diversion.people.access import get_person_for

DRAFT = "referral_draft"
SUBMITTED = "referral_submitted"


@dataclass(frozen=True)
class Step:
    slug: str
    title: str
    form: type

    def applies(self, answers):
        if self.slug != "offer":
            return True
        # The person is asked at the desk only when the offer can be made now.
        assessment = answers.get("assessment")
        return (
            answers.get("officer_decision") == OfficerDecision.OFFER
            and assessment is not None
            and not assessment.needs_authorisation
        )


STEPS = [
    Step("custody", "Arrest and custody details", forms.CustodyForm),
    Step("offence", "The offence", forms.OffenceForm),
    Step("victim", "The victim", forms.VictimForm),
    Step("circumstances", "Circumstances that can exclude someone", forms.CircumstancesForm),
    Step("decision", "Eligibility and your decision", forms.DecisionForm),
    Step("offer", "The offer", forms.OfferForm),
]
BY_SLUG = {step.slug: step for step in STEPS}
SLUGS = [step.slug for step in STEPS]


def replay(request, draft, until=None):
    """Re-check the stored answers in order up to `until` (a slug, or all).

    Returns (answers, forms by slug, the first step needing an answer or None).
    """
    answers: dict[str, Any] = {"person": get_person_for(request.user, draft["person"])}
    bound: dict[str, django_forms.Form] = {}
    for step in STEPS:
        if step.slug == until:
            return answers, bound, None
        if not step.applies(answers):
            continue
        raw = draft["answers"].get(step.slug)
        if raw is None:
            return answers, bound, step.slug
        form = step.form(data=MultiValueDict(raw), draft=answers)
        if not form.is_valid():
            return answers, bound, step.slug
        bound[step.slug] = form
        answers.update(form.cleaned_data)
        if step.slug == "circumstances":
            answers["assessment"] = services.assessment_for(**answers)
    return answers, bound, None


def open_programme_of(person):
    return open_programmes(person).first()


def step_url(slug):
    return reverse("referrals:new_step", args=[slug])


@roles(Role.CUSTODY_OFFICER)
@require_GET
def start(request):
    """Start a referral for the person chosen (`?person=`), or carry on with the one begun."""
    person_id = request.GET.get("person", "")
    if not person_id:
        if request.session.get(DRAFT):
            return redirect(step_url("check"))
        messages.info(request, "Find the person you are referring, or add them, to start.")
        return redirect("people:search")
    if not person_id.isdigit():
        raise Http404
    person = get_person_for(request.user, int(person_id))
    request.session[DRAFT] = {"person": person.pk, "token": str(uuid.uuid4()), "answers": {}}
    return redirect(step_url(STEPS[0].slug))


@roles(Role.CUSTODY_OFFICER)
@require_http_methods(["GET", "POST"])
def step(request, step):
    if step == "check":
        return check(request)
    if step == "confirmation":
        return confirmation(request)
    if step not in BY_SLUG:
        raise Http404
    draft = request.session.get(DRAFT)
    if not draft:
        if request.method == "POST":
            messages.info(request, "Your referral was already submitted or has expired.")
        return redirect("referrals:new")
    current = BY_SLUG[step]
    answers, _, missing = replay(request, draft, until=step)
    if missing:
        return redirect(step_url(missing))
    if not current.applies(answers):
        return redirect(step_url("check"))
    if request.method == "POST":
        form = current.form(data=request.POST, draft=answers)
        if form.is_valid():
            draft["answers"][step] = dict(request.POST.lists())
            request.session.modified = True
            return redirect(step_url(next_slug(step, {**answers, **form.cleaned_data}, draft)))
    else:
        raw = draft["answers"].get(step)
        data = MultiValueDict(raw) if raw else None
        form = current.form(data=data, draft=answers)
    return render(
        request,
        "cases/referrals/new/step.html",
        {
            "form": form,
            "step": current,
            "answers": answers,
            "back_url": back_url(step, answers),
            "open_programme": open_programme_of(answers["person"]),
        },
    )


def next_slug(slug, answers, draft):
    """The next page: the first later step that applies and is not yet answered, or the
    check page (which sends the officer back to any answer that no longer holds)."""
    index = SLUGS.index(slug)
    for later in STEPS[index + 1 :]:
        if later.applies(answers) and later.slug not in draft["answers"]:
            return later.slug
    return "check"


def back_url(slug, answers):
    """The previous page that applies, or the person's page from the first question."""
    index = SLUGS.index(slug) if slug in SLUGS else len(STEPS)
    for earlier in reversed(STEPS[:index]):
        if earlier.applies(answers):
            return step_url(earlier.slug)
    return reverse("people:detail", args=[answers["person"].pk])


def check(request):
    draft = request.session.get(DRAFT)
    if not draft:
        return already_submitted(request)
    answers, bound, missing = replay(request, draft)
    if missing:
        return redirect(step_url(missing))
    open_programme = open_programme_of(answers["person"])
    form = forms.CheckForm(
        data=request.POST or None,
        initial={"token": draft["token"]},
        open_programme=open_programme,
    )
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["token"] != draft["token"]:
            return already_submitted(request)
        try:
            referral = submit(request, answers, draft["token"])
        except services.ReferralError as error:
            # A rule that no longer holds since the answers were given (the policy, or a
            # decide-by date now out of the window): said on the page, nothing lost.
            form.add_error(None, str(error))
            referral = None
        if referral is not None:
            del request.session[DRAFT]
            request.session[SUBMITTED] = referral.pk
            return redirect(step_url("confirmation"))
    return render(
        request,
        "cases/referrals/new/check.html",
        {
            "form": form,
            "answers": answers,
            "sections": summary(bound),
            "open_programme": open_programme,
            "back_url": back_url("check", answers),
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


def submit(request, answers, token):
    """Make the referral once: the token is unique, so a double submit finds the first."""
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
                submission_token=token,
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
    except IntegrityError:
        return Referral.objects.filter(submission_token=token).first()
    return referral


def already_submitted(request):
    token = request.POST.get("token", "")
    done = None
    if _is_uuid(token):
        done = Referral.objects.filter(created_by=request.user, submission_token=token).first()
    if done:
        request.session[SUBMITTED] = done.pk
        return redirect(step_url("confirmation"))
    messages.info(request, "Your referral was already submitted or has expired.")
    return redirect("referrals:mine")


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def confirmation(request):
    pk = request.session.get(SUBMITTED)
    if not pk:
        return redirect("referrals:mine")
    referral = get_referral_for(request.user, pk)
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
