"""The auditor's pages: the access log, a person's trail (who viewed, changed or disclosed
their records) and a member of staff's activity, each filtered by action and period and
exported as CSV (DPA 2018 s62). Auditors see no case files: these pages name records and
people, and link to trails only."""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from diversion.accounts.models import User
from diversion.accounts.roles import Role, roles
from diversion.audit.consultation import consulted
from diversion.governance import trail
from diversion.governance.records import get_subject_for
from diversion.governance.tables import LogTable, SecurityTable, StaffLogTable
from diversion.lib.lists import ListPage
from diversion.people.views import SEARCH_FIELDS
from diversion.reporting.exports import attachment, moment_stamp
from diversion.reporting.forms import DisclosureForm

NOUN = ("entry", "entries")


def _entries(request, entries, table_class, empty: str) -> tuple[ListPage, trail.LogFilters]:
    """One page of access log entries under the page's filters, each record named, and
    the filters."""
    filters = trail.LogFilters(request.GET, entries)
    listing = ListPage(
        request,
        filters.qs,
        table_class=table_class,
        default_sort="-when",
        filters=filters,
        noun=NOUN,
        empty=empty,
    )
    # The table holds these very rows: naming them names its cells, and shows whom each
    # record is about.
    named = trail.named(listing.rows)
    sources = (e.name.source for e in named)  # type: ignore[attr-defined]  # set by named()
    consulted(request.user, *(source for source in sources if source is not None))
    return listing, filters


def _export_url(name: str, pk: int, listing: ListPage) -> str:
    """The export of a list under its filters (its sort and paging do not matter)."""
    params = listing.params(sort=None)
    return reverse(name, args=[pk]) + (f"?{urlencode(params, doseq=True)}" if params else "")


@roles(Role.AUDITOR)
@require_GET
def general(request) -> HttpResponse:
    """The whole access log, newest first, filtered by action and period."""
    listing, filters = _entries(
        request, trail.general_log(), LogTable, "Nothing has been logged yet."
    )
    return render(request, "governance/trail/log.html", {"listing": listing, "form": filters.form})


@roles(Role.AUDITOR)
@require_GET
def people(request) -> HttpResponse:
    """Find the person an audit question is about, by name, PNC ID or a reference."""
    form = trail.SubjectSearchForm(request.GET if SEARCH_FIELDS & request.GET.keys() else None)
    matches = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        matches = trail.find_subjects(data["q"], data["date_of_birth"], form.reference)
        consulted(request.user, *(m.person for m in matches))
    return render(request, "governance/trail/people.html", {"form": form, "matches": matches})


@roles(Role.AUDITOR)
@require_GET
def person_trail(request, pk: int) -> HttpResponse:
    """Who viewed, changed or disclosed any of the person's records, and when."""
    person = get_subject_for(request.user, pk, merged=True)
    if person.merged_into_id:
        return redirect("governance:person_trail", person.merged_into_id)
    listing, filters = _entries(
        request, trail.trail_of(person), LogTable, "Nothing has been logged about this person."
    )
    context = {
        "person": person,
        "listing": listing,
        "form": filters.form,
        "export_url": _export_url("governance:person_export", person.pk, listing),
    }
    return render(request, "governance/trail/person.html", context)


@roles(Role.AUDITOR)
@require_GET
def staff(request) -> HttpResponse:
    """Find a member of staff by username or name."""
    form = trail.StaffSearchForm(request.GET if "q" in request.GET else None)
    text = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    found = trail.find_staff(text) if text else None
    return render(request, "governance/trail/staff.html", {"form": form, "found": found})


@roles(Role.AUDITOR)
@require_GET
def staff_activity(request, pk: int) -> HttpResponse:
    """Everything a member of staff did in a period: their access log entries, and their
    sign-ins and other security events (the period applies to both)."""
    user = get_object_or_404(User, pk=pk)
    listing, filters = _entries(
        request, trail.activity_of(user), StaffLogTable, "They have done nothing logged."
    )
    security = ListPage(
        request,
        filters.period(trail.security_events_of(user)),
        table_class=SecurityTable,
        default_sort="-when",
        keep=listing.params(),
        noun=("event", "events"),
        empty="No sign-ins or other security events.",
        prefix="security_",
    )
    context = {
        "member": user,
        "listing": listing,
        "security": security,
        "form": filters.form,
        "export_url": _export_url("governance:staff_export", user.pk, listing),
    }
    return render(request, "governance/trail/staff_activity.html", context)


@roles(Role.AUDITOR)
@require_http_methods(["GET", "POST"])
def person_export(request, pk: int) -> HttpResponse:
    """The person's trail as CSV under its filters: the page asks who it is for, and the
    download is logged as a disclosure of the person's record (DPA 2018 s62)."""
    person = get_subject_for(request.user, pk, merged=True)
    if person.merged_into_id:
        url = reverse("governance:person_export", args=[person.merged_into_id])
        return redirect(f"{url}?{request.GET.urlencode()}")
    title = f"Audit trail of {person.full_name}"
    entries = trail.trail_of(person)
    return _export(request, person, title, entries, None, back=("governance:person_trail", pk))


@roles(Role.AUDITOR)
@require_http_methods(["GET", "POST"])
def staff_export(request, pk: int) -> HttpResponse:
    """A member of staff's activity as CSV under its filters, their security events after
    their access log entries; logged as a disclosure, like the person's trail."""
    user = get_object_or_404(User, pk=pk)
    title = f"Activity of {user}"
    events = trail.security_events_of(user)
    return _export(
        request,
        user,
        title,
        trail.activity_of(user),
        events,
        back=("governance:staff_activity", pk),
    )


def _export(request, subject, title, entries, events, *, back) -> HttpResponse:
    """The export page of a trail, asking who the file is for; on a good answer, the file,
    its disclosure logged. Filters in error are left out, and the page says so."""
    filters = trail.LogFilters(request.GET, entries)
    back_url = reverse(back[0], args=[back[1]])
    if request.GET:
        back_url += f"?{request.GET.urlencode()}"
    form = DisclosureForm(request.POST if request.method == "POST" else None)
    if not form.is_valid():
        context = {"form": form, "filters": filters, "title": title, "back_url": back_url}
        return render(request, "governance/trail/export.html", context)
    data = form.cleaned_data
    named_records: trail.Named = {}
    lines = [
        *trail.header_lines(title, filters, actor=request.user, recipient=data["recipient"]),
        [],
        trail.ENTRY_HEAD,
        *trail.entry_lines(filters.qs, named_records),
    ]
    if events is not None:
        lines += [[], trail.EVENT_HEAD, *trail.event_lines(filters.period(events))]
    trail.disclose(
        request.user,
        subject,
        "audit export",
        filters,
        named_records=named_records,
        recipient=data["recipient"],
        reason=data["reason"],
    )
    kind = "person" if events is None else "staff"
    stamp = moment_stamp(timezone.now())
    return attachment(lines, f"checkpoint-audit-{kind}-{subject.pk}_{stamp}.csv")
