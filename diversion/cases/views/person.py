"""A person's page: their record, with the referrals and cases the viewer may see, and the
history of corrections and merges."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from diversion.accounts.roles import SUBJECT_ACCESS_ROLES, Role, has_role, roles
from diversion.audit.consultation import consulted
from diversion.cases.access import referrals_visible_to
from diversion.cases.models import open_programmes as open_programmes_of
from diversion.lib.dates import age_on, today
from diversion.people.access import get_person_for
from diversion.people.history import person_history


@roles(Role.CUSTODY_OFFICER, Role.MANAGER, Role.CASEWORKER)
@require_GET
def detail(request, pk):
    """The person's record and the referrals the viewer may see (DPA 2018 s62: logged).
    A record merged into another sends the viewer to the record kept."""
    person = get_person_for(request.user, pk, merged=True)
    if person.merged_into_id:
        messages.info(request, "That record was merged into this one, which holds its referrals.")
        return redirect("people:detail", person.merged_into_id)
    referrals = (
        referrals_visible_to(request.user)
        .filter(person=person)
        .select_related("offence_type")
        .order_by("-created_at", "-pk")
    )
    # Shown whoever made the referral: the custody desk must know of a contract in progress.
    open_programmes = list(open_programmes_of(person))
    history = person_history(person)
    merged = {entry.record for entry in history} - {person}
    consulted(request.user, *referrals, *merged)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "age": age_on(person.date_of_birth, today()),
            "referrals": referrals,
            "open_programmes": open_programmes,
            "on_contract": any(programme.is_running for programme in open_programmes),
            "later_offences": person.later_offences.select_related("offence_type"),
            "history": history,
            "merged_records": merged,
            # Whoever made the referral: an officer arresting someone on a contract records
            # the new offence here, and the caseworker sees it on the case.
            "can_record_offence": person.referrals.exists(),
            "can_refer": has_role(request.user, Role.CUSTODY_OFFICER),
            "can_correct": has_role(request.user, Role.CUSTODY_OFFICER, Role.MANAGER),
            "can_merge": has_role(request.user, Role.MANAGER),
            # Auditors answer requests too, from their own search: they have no person page.
            "can_answer_subject_access": has_role(request.user, *SUBJECT_ACCESS_ROLES),
        },
    )
