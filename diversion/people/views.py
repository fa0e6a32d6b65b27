"""Being written: person search, person page and adding a person."""

from django.http import Http404

from diversion.accounts.roles import Role, roles


@roles(Role.CUSTODY_OFFICER, Role.MANAGER, Role.CASEWORKER)
def search(request):
    raise Http404


@roles(Role.CUSTODY_OFFICER)
def create(request):
    raise Http404


@roles(Role.CUSTODY_OFFICER, Role.MANAGER, Role.CASEWORKER)
def detail(request, pk):
    raise Http404
