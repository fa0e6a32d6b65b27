"""The retention review: the queue of cases due, and a manager's decision on each, to keep it
until a new review (with the reason) or to erase it, after a page that says what goes.

Who: the manager decides, as the one who authorises exceptions and answers for the scheme's
records; the auditor (the data-protection officer) sees the queue, to check that reviews
are made on time, but not the cases, so sees no more personal data than that needs
(domain.md, People who use the tracker)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from diversion.accounts.roles import Role, has_role, roles
from diversion.audit.consultation import Refused, consulted, fetch
from diversion.governance import retention
from diversion.governance.forms import EraseForm, RetainForm
from diversion.governance.models import Outcome, RetentionDecision, RetentionReview
from diversion.governance.tables import DecisionQueueTable, ReviewQueueTable
from diversion.lib.db import parse_pk
from diversion.lib.lists import ListPage


@roles(Role.MANAGER, Role.AUDITOR)
@require_GET
def queue(request):
    """The closed cases whose review date has come, oldest due first (DPA 2018 s39)."""
    decides = has_role(request.user, Role.MANAGER)
    listing = ListPage(
        request,
        # Only what the table shows: the reference, and how and when the case ended.
        retention.due()
        .select_related("referral__programme")
        .only(
            "closed_on", "review_on", "retained", "referral__status", "referral__programme__status"
        ),
        table_class=DecisionQueueTable if decides else ReviewQueueTable,
        default_sort="due",
        noun=("case", "cases"),
        empty="No cases are due for review.",
    )
    return render(request, "governance/retention/queue.html", {"listing": listing})


def get_review_for(pk: int | str) -> RetentionReview:
    """A closed case's review, with the case, or not found (the attempt logged: a manager
    reaches every closed case). An erased case raises retention.RetentionError, saying who
    erased it and when."""
    reviews = RetentionReview.objects.select_related(
        "referral__person",
        "referral__offence_type",
        "referral__custody_suite",
        "referral__created_by",
        "referral__policy_version",
        "referral__programme",
    )
    try:
        return fetch(reviews, pk)
    except Refused:
        number = parse_pk(str(pk))
        if number is not None and retention.erased(number) is not None:
            raise retention.RetentionError(retention.gone(number)) from None
        raise


@roles(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def case(request, pk):
    """A case due for review: what it is, the decisions before, and the form to keep it."""
    try:
        review = get_review_for(pk)
    except retention.RetentionError as error:
        messages.error(request, str(error))
        return redirect("governance:retention")
    posted = request.POST if request.method == "POST" else None
    form = RetainForm(posted, review=review)
    problem = None
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            retention.retain(
                review.pk,
                actor=request.user,
                reason=data["reason"],
                next_review_on=data["next_review_on"],
                was_due_on=data["was_due_on"],
            )
        except retention.RetentionError as error:
            problem = str(error)
        else:
            messages.success(
                request,
                f"{review.referral.reference} is kept. Its next review is on "
                f"{data['next_review_on']:%-d %B %Y}.",
            )
            return redirect("governance:retention")
    return _page(request, review, "governance/retention/case.html", form, problem)


@roles(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def erase(request, pk):
    """Check before erasing a case: what goes, what stays; erased once confirmed."""
    try:
        review = get_review_for(pk)
    except retention.RetentionError as error:
        messages.error(request, str(error))
        return redirect("governance:retention")
    posted = request.POST if request.method == "POST" else None
    form = EraseForm(posted, review=review)
    problem = None
    if posted is not None and form.is_valid():
        reference = review.referral.reference
        try:
            retention.erase(
                review.pk, actor=request.user, was_due_on=form.cleaned_data["was_due_on"]
            )
        except retention.RetentionError as error:
            problem = str(error)
        else:
            messages.success(request, f"{reference} is erased. Only its erasure is recorded.")
            return redirect("governance:retention")
    return _page(request, review, "governance/retention/erase.html", form, problem)


def _page(request, review, template, form, problem):
    """A decision page (DPA 2018 s62: the viewing of the case is logged). A case no longer
    due, kept by someone else meanwhile, says so in place of the form."""
    consulted(request.user, review.referral)
    due = review.review_on <= retention.today()
    return render(
        request,
        template,
        {
            "review": review,
            "referral": review.referral,
            "form": form,
            "problem": problem or (None if due else retention.not_due_message(review)),
            "not_saved": form.entered() if problem else [],
            "decisions": RetentionDecision.objects.filter(
                referral_id=review.pk, outcome=Outcome.RETAIN
            ).select_related("decided_by"),
            "erasure": retention.erasure_of(review.referral),
            "latest": retention.latest_next_review(review),
        },
    )
