from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractUser

if TYPE_CHECKING:
    from diversion.accounts.roles import Role


class User(AbstractUser):
    """A member of staff. Roles are Django groups (see roles.py)."""

    # The user's roles, cached on the instance for the request by roles.roles_of().
    _roles: "frozenset[Role]"

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username
