from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from diversion.accounts.models import User

# Only superusers may use the admin site: it edits reference data, policy and accounts.
# Replacing the one check on the default site keeps every registration on it; mypy would
# have a subclass of AdminSite instead.
admin.site.has_permission = (  # type: ignore[method-assign]
    lambda request: request.user.is_active and request.user.is_superuser
)

admin.site.register(User, UserAdmin)
