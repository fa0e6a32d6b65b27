"""Being written: ending a programme, reopening it, and later offences."""

from django.http import Http404

from diversion.accounts.roles import Role, roles


@roles(Role.CASEWORKER, Role.MANAGER)
def outcome(request, pk):
    raise Http404


@roles(Role.MANAGER)
def reopen(request, pk):
    raise Http404


@roles(Role.CASEWORKER, Role.MANAGER, Role.CUSTODY_OFFICER)
def later_offence(request, person_pk):
    raise Http404
