"""Subject access (DPA 2018 s45): a manager or auditor says who the answer is for and which
request it answers, then gets everything held on the person as a page to print or a file.
Either is logged as a disclosure of each record to that recipient (DPA 2018 s62)."""

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from diversion.accounts.roles import SUBJECT_ACCESS_ROLES, Role, has_role, roles
from diversion.governance import subject_access
from diversion.governance.forms import Produce, SubjectAccessForm
from diversion.governance.records import get_subject_for


@roles(*SUBJECT_ACCESS_ROLES)
@require_http_methods(["GET", "POST"])
def start(request):
    """The request's form for the person in `?person=<id>`; sent, the records."""
    person = get_subject_for(request.user, request.GET.get("person", ""))
    form = SubjectAccessForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        answer = subject_access.Request(
            recipient=form.cleaned_data["recipient"],
            reference=form.cleaned_data["reference"],
            received_on=form.cleaned_data["received_on"],
            produced_by=request.user,
            produced_at=timezone.now(),
        )
        access = subject_access.collect(person)
        if form.cleaned_data["produce"] == Produce.FILE:
            subject_access.log_disclosure(access, answer, produced="file")
            return _file(access, answer)
        subject_access.log_disclosure(access, answer, produced="printable page")
        return render(
            request,
            "governance/subject_access/records.html",
            {"access": access, "answer": answer, "person": person},
        )
    # Auditors cannot open person pages: theirs is the person's audit trail.
    if has_role(request.user, Role.MANAGER):
        back = reverse("people:detail", args=[person.pk])
    else:
        back = reverse("governance:person_trail", args=[person.pk])
    return render(
        request,
        "governance/subject_access/start.html",
        {"person": person, "form": form, "back_url": back},
    )


def _file(access: subject_access.SubjectAccess, answer: subject_access.Request) -> HttpResponse:
    """The records as a JSON file to save (like every signed-in page, never cached on the
    way: accounts.middleware.NoStoreMiddleware). Its name carries the record's number, not
    the person's name."""
    document = subject_access.as_document(access, answer)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    day = timezone.localdate(answer.produced_at).isoformat()
    name = f"subject-access-record-{access.person.pk}-{day}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
