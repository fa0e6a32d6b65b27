"""The four roles of the service, held as Django groups (a user may hold several)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db import models

if TYPE_CHECKING:
    # Not imported when the service runs: roles are needed before the models are loaded.
    from diversion.accounts.models import User

View = TypeVar("View", bound=Callable[..., Any])


class Role(models.TextChoices):
    CUSTODY_OFFICER = "Custody officer"
    CASEWORKER = "Caseworker"
    MANAGER = "Manager"
    AUDITOR = "Auditor"


ALL_ROLES = frozenset(Role)
# Who answers a person's request for everything held on them (DPA 2018 s45).
SUBJECT_ACCESS_ROLES = (Role.MANAGER, Role.AUDITOR)

# Where each role starts, and the navigation it sees, in the order shown.
HOME_URL_NAMES = {
    Role.CUSTODY_OFFICER: "referrals:mine",
    Role.CASEWORKER: "cases:home",
    Role.MANAGER: "dashboards:home",
    Role.AUDITOR: "governance:log",
}
NAVIGATION = {
    Role.CUSTODY_OFFICER: [
        ("referrals:new", "New referral"),
        ("referrals:mine", "Your referrals"),
        ("referrals:returned", "Returned cases"),
        ("people:search", "People"),
    ],
    Role.CASEWORKER: [("cases:home", "Cases")],
    Role.MANAGER: [
        ("dashboards:home", "Dashboard"),
        ("referrals:authorisations", "Authorisations"),
        ("cases:home", "Cases"),
        ("people:search", "People"),
        ("governance:retention", "Retention review"),
    ],
    Role.AUDITOR: [
        ("governance:log", "Access log"),
        ("governance:people", "People"),
        ("governance:staff", "Staff"),
        ("governance:retention", "Retention review"),
    ],
}


def roles_of(user: "User | AnonymousUser") -> frozenset[Role]:
    """The roles a signed-in user holds, cached on the user for the request."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_roles"):
        names = {g.name for g in user.groups.all()}
        user._roles = frozenset(r for r in Role if r.value in names)
    return user._roles


def has_role(user: "User | AnonymousUser", *roles: Role) -> bool:
    return bool(roles_of(user) & set(roles))


def signed_in(view: View) -> View:
    """Mark a view any signed-in user may use, with or without a role (signing out)."""
    view.allowed_roles = None  # type: ignore[attr-defined]  # a mark on the function
    return view


def roles(*allowed: Role) -> Callable[[View], View]:
    """Mark a view with the roles that may use it; RoleRequiredMiddleware enforces it."""

    def decorate(view: View) -> View:
        view.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]  # as above
        return view

    return decorate
