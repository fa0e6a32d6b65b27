"""Finding a person, adding someone new, and correcting a person's details."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from diversion.accounts.roles import Role, has_role, roles
from diversion.audit.consultation import consulted
from diversion.lib.concurrency import StaleEdit, refreshed
from diversion.lib.text import isolated
from diversion.people import services
from diversion.people.access import get_person_for, people_visible_to
from diversion.people.forms import (
    ConfirmNewPersonForm,
    CorrectPersonForm,
    LaterOffenceForm,
    PersonForm,
    SearchForm,
    typed_in_search,
)
from diversion.people.history import changes_since
from diversion.people.search import PNC, find_people

SEARCH_FIELDS = {"q", "date_of_birth_0", "date_of_birth_1", "date_of_birth_2"}


@roles(Role.CUSTODY_OFFICER, Role.MANAGER, Role.CASEWORKER)
@require_GET
def search(request):
    """Find a person by name, date of birth, PNC ID or custody record number."""
    form = SearchForm(request.GET if SEARCH_FIELDS & request.GET.keys() else None)
    matches = None
    add_url = reverse("people:new")
    if form.is_bound and form.is_valid():
        matches = find_people(
            people_visible_to(request.user),
            text=form.cleaned_data["q"],
            date_of_birth=form.cleaned_data["date_of_birth"],
        )
        if form.query.kind == PNC and len(matches) == 1:
            # The person's page logs the consultation.
            return redirect("people:detail", matches[0].person.pk)
        consulted(request.user, *(m.person for m in matches))
        # Adding the person starts from what was typed (forms.typed_in_search reads it).
        searched = {name: request.GET[name] for name in SEARCH_FIELDS & request.GET.keys()}
        add_url += f"?{urlencode(sorted(searched.items()))}"
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "matches": matches,
            "can_add": has_role(request.user, Role.CUSTODY_OFFICER),
            "add_url": add_url,
        },
    )


@roles(Role.CUSTODY_OFFICER)
@require_http_methods(["GET", "POST"])
def create(request):
    """Add a person: check the details, show anyone already on file who may be them, and
    add a new record only once the officer says none of those is the person."""
    if request.method == "GET":
        form = PersonForm(initial=typed_in_search(request.GET))
        return render(request, "people/new.html", {"form": form})
    form = PersonForm(request.POST)
    if not form.is_valid() or "change" in request.POST:
        return render(request, "people/new.html", {"form": form})
    confirm = ConfirmNewPersonForm(request.POST if "confirm" in request.POST else None)
    try:
        person = services.create_person(
            actor=request.user, ruled_out=confirm.ruled_out_ids(), **form.cleaned_data
        )
    except services.OnFile as on_file:
        messages.info(
            request,
            format_html(
                "This PNC ID is already on file: {} is {}'s. Check this is the person rather "
                "than adding them again.",
                on_file.person.pnc_id,
                isolated(on_file.person.full_name),
            ),
        )
        return redirect("people:detail", on_file.person.pk)
    except services.AlreadyAdded as already:
        return _added_a_moment_ago(request, already.person)
    except services.PossibleMatches as possible:
        consulted(request.user, *(m.person for m in possible.matches))
        context = {
            "form": confirm,
            "person_form": form,
            "matches": possible.matches,
            "details": form.cleaned_data,
            # The officer ruled out those listed before, but someone has been added since.
            "added_since": confirm.ruled_out_ids() != [],
        }
        return render(request, "people/confirm.html", context)
    except ValidationError as error:
        form.add_error(None, error)
        return render(request, "people/new.html", {"form": form})
    messages.success(request, format_html("{} has been added", isolated(person.full_name)))
    return redirect("people:detail", person.pk)


def _added_a_moment_ago(request, person):
    """A double submit lands on the record the first submit made."""
    messages.info(request, format_html("You added {} a moment ago.", isolated(person.full_name)))
    return redirect("people:detail", person.pk)


@roles(Role.CASEWORKER, Role.MANAGER, Role.CUSTODY_OFFICER)
@require_http_methods(["GET", "POST"])
def later_offence(request, pk):
    """Record an offence by someone after their referral, for breach and reoffending figures."""
    person = get_person_for(request.user, pk)
    form = LaterOffenceForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_later_offence(person, actor=request.user, **form.cleaned_data)
        except services.OffenceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, format_html("The offence is recorded on {}'s record.", isolated(person))
            )
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/later_offence.html", {"person": person, "form": form})


@roles(Role.CUSTODY_OFFICER, Role.MANAGER)
@require_http_methods(["GET", "POST"])
def correct(request, pk):
    """Correct a person's details, with the reason (DPA 2018 s62: the view and the change
    are logged). A correction opened before someone else changed the record, or merged it
    into another, is not saved: it is shown back as typed, with what happened meanwhile."""
    person = get_person_for(request.user, pk, merged=True)
    form = CorrectPersonForm.opened_on(person)
    stale: dict[str, Any] | None = None
    if person.merged_into_id:
        merged, person = person, get_person_for(request.user, person.merged_into_id)
        if request.method == "GET":
            return redirect("people:correct", person.pk)
        form = CorrectPersonForm(refreshed(request.POST, person.version))
        stale = {"merged": merged}
    elif request.method == "POST":
        form = CorrectPersonForm(request.POST)
        if form.is_valid():
            try:
                corrected = services.correct_person(
                    person,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                    **form.details(),
                )
            except StaleEdit as error:
                form = CorrectPersonForm(refreshed(request.POST, error.current.version))
                stale = {"changes": changes_since(person, error.seen_version)}
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, format_html("{}'s details are corrected.", isolated(corrected))
                )
                return redirect("people:detail", person.pk)
    return render(request, "people/correct.html", {"person": person, "form": form, "stale": stale})
