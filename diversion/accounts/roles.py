"""The four roles of the service, held as Django groups (a user may hold several)."""

from django.db import models


class Role(models.TextChoices):
    CUSTODY_OFFICER = "Custody officer"
    CASEWORKER = "Caseworker"
    MANAGER = "Manager"
    AUDITOR = "Auditor"


ALL_ROLES = frozenset(Role)

# Where each role starts, and the navigation it sees, in the order shown.
HOME_URL_NAMES = {
    Role.CUSTODY_OFFICER: "referrals:mine",
    Role.CASEWORKER: "cases:home",
    Role.MANAGER: "dashboards:home",
    Role.AUDITOR: "audit:home",
}
NAVIGATION = {
    Role.CUSTODY_OFFICER: [
        ("referrals:new", "New referral"),
        ("referrals:mine", "Your referrals"),
        ("people:search", "People"),
    ],
    Role.CASEWORKER: [("cases:home", "Cases")],
    Role.MANAGER: [
        ("dashboards:home", "Dashboard"),
        ("referrals:authorisations", "Authorisations"),
        ("cases:home", "Cases"),
        ("people:search", "People"),
    ],
    Role.AUDITOR: [("audit:home", "Access log")],
}


def roles_of(user):
    """The roles a signed-in user holds, cached on the user for the request."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_roles"):
        names = {g.name for g in user.groups.all()}
        user._roles = frozenset(r for r in Role if r.value in names)
    return user._roles


def has_role(user, *roles):
    return bool(roles_of(user) & set(roles))


def signed_in(view):
    """Mark a view any signed-in user may use, with or without a role (signing out)."""
    view.allowed_roles = None
    return view


def roles(*allowed):
    """Mark a view with the roles that may use it; RoleRequiredMiddleware enforces it."""

    def decorate(view):
        view.allowed_roles = frozenset(allowed)
        return view

    return decorate
