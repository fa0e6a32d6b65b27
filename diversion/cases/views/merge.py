"""A manager merges two records of the same person: find the other record, check both
side by side with what the merge will do, and confirm with the reason."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from diversion.accounts.roles import Role, roles
from diversion.audit.consultation import consulted
from diversion.cases.forms.merge import MergeForm
from diversion.cases.services import merge as services
from diversion.lib.concurrency import StaleEdit
from diversion.people.access import get_person_for, people_visible_to
from diversion.people.forms import SearchForm
from diversion.people.search import find_people


@roles(Role.MANAGER)
@require_GET
def choose(request, pk):
    """Find the person's other record: at first, those most like them (their name and
    date of birth, as the search box takes them); then whatever the manager searches for."""
    person = get_person_for(request.user, pk, merged=True)
    if person.merged_into_id:
        return redirect("people:merge", person.merged_into_id)
    born = person.date_of_birth
    form = SearchForm(
        request.GET
        or {
            "q": f"{person.family_name}, {person.given_names}",
            "date_of_birth_0": born.day,
            "date_of_birth_1": born.month,
            "date_of_birth_2": born.year,
        }
    )
    matches = None
    if form.is_valid():
        matches = find_people(
            people_visible_to(request.user).exclude(pk=person.pk),
            text=form.cleaned_data["q"],
            date_of_birth=form.cleaned_data["date_of_birth"],
        )
        consulted(request.user, *(m.person for m in matches))
    return render(
        request, "people/merge/choose.html", {"person": person, "form": form, "matches": matches}
    )


@roles(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def check(request, pk, other):
    """Both records side by side, what merging `other` into `pk` will do, and the merge."""
    kept = get_person_for(request.user, pk, merged=True)
    duplicate = get_person_for(request.user, other, merged=True)
    form, stale = MergeForm.opened_on(kept=kept, duplicate=duplicate), False
    if request.method == "POST":
        form = MergeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.merge_person(
                    duplicate,
                    kept=kept,
                    actor=request.user,
                    reason=data["reason"],
                    kept_version=data["kept_version"],
                    duplicate_version=data["duplicate_version"],
                )
            except StaleEdit:
                kept.refresh_from_db()
                duplicate.refresh_from_db()
                form = MergeForm.opened_on(kept=kept, duplicate=duplicate, data=request.POST)
                stale = True
            except services.MergeError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"The records are merged into {kept.full_name}'s.")
                return redirect("people:detail", kept.pk)
    return render(
        request,
        "people/merge/check.html",
        {
            "plan": services.plan(duplicate, kept=kept),
            "refusal": services.refusal(duplicate, kept=kept),
            "form": form,
            "stale": stale,
        },
    )
