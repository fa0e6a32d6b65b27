"""The caseload page, and allocating cases: taking one from the queue, assigning one, and
moving a whole caseload."""

from django.contrib import messages
from django.core import signing
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from diversion.accounts.roles import Role, has_role, roles
from diversion.audit.consultation import Refused
from diversion.cases.access import cases_visible_to, get_case_for
from diversion.cases.caseload import EMPTY, Tab, caseload, default_sort, default_tab, tabs_for
from diversion.cases.forms.caseload import AssignForm, CaseloadFilters, ReassignForm
from diversion.cases.models import Programme
from diversion.cases.queues import UNASSIGNED
from diversion.cases.services import allocation
from diversion.cases.tables import CaseloadTable, UnassignedTable
from diversion.cases.timeline import changes_since
from diversion.lib.concurrency import StaleEdit, refreshed
from diversion.lib.lists import ListPage

TAKE_SALT = "cases.take"
# A "Take this case" button stays good for a working day.
TAKE_MAX_AGE = 12 * 60 * 60


@roles(Role.CASEWORKER, Role.MANAGER)
@require_GET
def home(request):
    """The caseload: the user's lists of cases, searched, sorted and filtered."""
    user = request.user
    tabs = tabs_for(user)
    asked = request.GET.get("tab") or ""
    tab = Tab(asked) if asked in tabs else default_tab(user)
    filters = CaseloadFilters(request.GET, caseload(user, tab), user=user, tab=tab)
    queue = tab == Tab.UNASSIGNED
    listing = ListPage(
        request,
        filters.qs,
        table_class=UnassignedTable if queue else CaseloadTable,
        default_sort=default_sort(tab),
        filters=filters,
        keep={"tab": tab},
        noun=("case", "cases"),
        empty=EMPTY[tab],
    )
    if asked and asked != tab:
        listing.ignored.insert(0, "list")
    can_take = has_role(user, Role.CASEWORKER)
    is_manager = has_role(user, Role.MANAGER)
    for programme in listing.rows:
        if can_take and programme.caseworker_id is None:
            programme.take_token = take_token(user, programme)
        programme.assignable = is_manager and programme.is_open
    tab_links = [
        # A status filter is particular to the open or closed lists, so it does not carry over.
        {"text": Tab(t).label, "href": listing.url(tab=t, status=None), "active": t == tab}
        for t in tabs
    ]
    context = {
        "listing": listing,
        "form": filters.form,
        "tab": Tab(tab),
        "tab_links": tab_links,
        "is_manager": is_manager,
        # The whole queue's size and oldest wait, whatever the search and filters.
        "summary": UNASSIGNED.summary(user) if queue else None,
    }
    return render(request, "cases/caseload.html", context)


def take_token(user, programme):
    """Proof that `user` was shown `programme` in the unassigned queue: so that when someone
    else takes it first, their late click is told so, not met with a 404."""
    return signing.dumps([programme.pk, user.pk], salt=TAKE_SALT)


def shown_in_queue(request, pk):
    try:
        shown = signing.loads(request.POST.get("token", ""), salt=TAKE_SALT, max_age=TAKE_MAX_AGE)
    except signing.BadSignature:
        return False
    return shown == [pk, request.user.pk]


@roles(Role.CASEWORKER)
@require_POST
def take(request, pk):
    """A caseworker takes a case from the unassigned queue."""
    queue = reverse("cases:home") + f"?tab={Tab.UNASSIGNED}"
    programme = cases_visible_to(request.user).select_related("referral").filter(pk=pk).first()
    if programme is None:
        # Taken by someone else since this caseworker saw it in the queue, or never theirs.
        if not shown_in_queue(request, pk):
            raise Refused(Programme, pk)
        taken = Programme.objects.select_related("referral", "caseworker").filter(pk=pk).first()
        if taken is None:
            raise Refused(Programme, pk)
        messages.error(request, str(allocation.AlreadyTaken(taken)))
        return redirect(queue)
    try:
        allocation.take(programme, actor=request.user)
    except allocation.AlreadyTaken as error:
        if error.caseworker != request.user:
            messages.error(request, str(error))
            return redirect(queue)
        # A second click of the button: the case is theirs already.
    except allocation.AllocationError as error:
        messages.error(request, str(error))
        return redirect(queue)
    messages.success(request, f"{programme.referral.reference} is now one of your cases")
    return redirect("cases:case", pk=programme.pk)


@roles(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def assign(request, pk):
    """A manager gives a case to a caseworker, or moves it to another."""
    programme = get_case_for(request.user, pk, write=True)
    posted = request.POST if request.method == "POST" else None
    form = AssignForm(posted, programme=programme)
    changes = None
    if posted is not None and form.is_valid():
        data = form.cleaned_data
        try:
            allocation.assign(
                programme,
                actor=request.user,
                caseworker=data["caseworker"],
                reason=data["reason"],
                expected_version=data["version"],
            )
        except StaleEdit as stale:
            # Shown as every case form shows it (cases/case/_stale.html), with the case as
            # it is now and the choice kept as made.
            programme = get_case_for(request.user, pk, write=True)
            changes = changes_since(programme, stale.seen_version)
            form = AssignForm(refreshed(posted, programme.version), programme=programme)
        except allocation.AllocationError as error:
            form.add_error("caseworker", str(error))
        else:
            messages.success(
                request, f"{programme.referral.reference} is now assigned to {programme.caseworker}"
            )
            return redirect("cases:case", pk=programme.pk)
    context = {
        "programme": programme,
        "form": form,
        "stale": changes is not None,
        "changes": changes,
    }
    return render(request, "cases/assign.html", context)


@roles(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def reassign(request):
    """A manager moves every open case of one caseworker to another, after confirming."""
    if request.method == "GET":
        form = ReassignForm(initial={"from_caseworker": request.GET.get("from")})
        return render(request, "cases/reassign.html", {"form": form})
    form = ReassignForm(request.POST)
    if not form.is_valid() or "change" in request.POST:
        return render(request, "cases/reassign.html", {"form": form})
    data = form.cleaned_data
    if not data["confirmed"]:
        return render(request, "cases/reassign.html", {"form": form, "confirming": True})
    try:
        moved = allocation.reassign_caseload(
            actor=request.user,
            from_caseworker=data["from_caseworker"],
            to_caseworker=data["to_caseworker"],
            reason=data["reason"],
        )
    except allocation.AllocationError as error:
        form.add_error(None, str(error))
        return render(request, "cases/reassign.html", {"form": form})
    source, target = data["from_caseworker"], data["to_caseworker"]
    if moved:
        plural = "" if moved == 1 else "s"
        messages.success(request, f"{moved} open case{plural} moved from {source} to {target}")
    else:
        messages.info(request, f"{source} has no open cases now, so none were moved")
    return redirect(reverse("cases:home") + f"?tab={Tab.OPEN}&caseworker={target.pk}")
