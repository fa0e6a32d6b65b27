from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A member of staff. Roles are Django groups (see roles.py)."""

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.get_full_name() or self.username
