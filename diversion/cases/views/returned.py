"""Cases returned for prosecution: the officer in the case's list, and marking one
actioned."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_POST

from diversion.accounts.roles import Role, roles
from diversion.cases.access import get_return_for
from diversion.cases.returned import DEFAULT_SORT, EMPTY, Show, returned_to
from diversion.cases.services import prosecution
from diversion.cases.tables import ReturnedCasesTable
from diversion.lib.lists import ListPage
from diversion.lib.workflow import IllegalTransition


@roles(Role.CUSTODY_OFFICER)
@require_GET
def returned_cases(request):
    """The breached cases returned to the officer for prosecution: those to action, oldest
    first, or those already actioned."""
    asked = request.GET.get("show") or ""
    show = Show(asked) if asked in Show.values else Show.TO_ACTION
    listing = ListPage(
        request,
        returned_to(request.user, show),
        table_class=ReturnedCasesTable,
        default_sort=DEFAULT_SORT[show],
        keep={"show": show},
        noun=("case", "cases"),
        empty=EMPTY[show],
    )
    if asked and asked != show:
        listing.ignored.insert(0, "list")
    tabs = [{"text": Show(s).label, "href": f"?show={s}", "active": s == show} for s in Show.values]
    return render(
        request,
        "cases/referrals/returned.html",
        {"listing": listing, "show": show, "tabs": tabs},
    )


@roles(Role.CUSTODY_OFFICER)
@require_POST
def mark_actioned(request, pk):
    """The officer in the case marks a returned case as actioned: taken on for prosecution."""
    returned = get_return_for(request.user, pk, write=True)
    reference = returned.programme.referral.reference
    try:
        prosecution.mark_actioned(returned, actor=request.user)
    except IllegalTransition:
        returned.refresh_from_db()
        messages.info(request, already_message(returned, reference))
    else:
        messages.success(request, f"{reference} is marked as actioned.")
    if request.POST.get("back") == "list":
        return redirect("referrals:returned")
    return redirect("referrals:detail", pk=returned.programme.referral_id)


def already_message(returned, reference):
    """Why a return could not be marked: someone marked it first, or the case was reopened."""
    if returned.is_actioned:
        when = date_format(timezone.localtime(returned.actioned_at), "j F Y, H:i")
        return f"{reference} was already marked as actioned by {returned.actioned_by} on {when}."
    return f"{reference} is no longer returned for prosecution: the case was reopened."
