"""Being written: the case page and the casework on it."""

from django.http import Http404

from diversion.accounts.roles import Role, roles

CASEWORK = (Role.CASEWORKER, Role.MANAGER)


@roles(*CASEWORK)
def overview(request, pk):
    raise Http404


@roles(*CASEWORK)
def needs(request, pk):
    raise Http404


@roles(*CASEWORK)
def contract(request, pk):
    raise Http404


@roles(*CASEWORK)
def condition(request, pk, number):
    raise Http404


@roles(*CASEWORK)
def milestone(request, pk, milestone_id):
    raise Http404


@roles(*CASEWORK)
def appointments(request, pk):
    raise Http404


@roles(*CASEWORK)
def appointment(request, pk, appointment_id):
    raise Http404


@roles(*CASEWORK)
def notes(request, pk):
    raise Http404
