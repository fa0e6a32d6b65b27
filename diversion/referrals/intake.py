"""Being written: the custody officer's referral journey."""

from django.http import Http404

from diversion.accounts.roles import Role, roles


@roles(Role.CUSTODY_OFFICER)
def start(request):
    raise Http404


@roles(Role.CUSTODY_OFFICER)
def step(request, step):
    raise Http404
