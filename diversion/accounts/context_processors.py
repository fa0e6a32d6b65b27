from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse

from diversion.accounts.roles import NAVIGATION, Role, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's roles and the navigation their roles give them."""
    user_roles = roles_of(getattr(request, "user", None) or AnonymousUser())
    items, seen = [], set()
    for role in Role:
        if role not in user_roles:
            continue
        for url_name, label in NAVIGATION[role]:
            if url_name in seen:
                continue
            seen.add(url_name)
            href = reverse(url_name)
            items.append({"href": href, "text": label, "current": request.path.startswith(href)})
    return {
        "FORCE_NAME": settings.FORCE_NAME,
        "user_roles": [r.value for r in Role if r in user_roles],
        "navigation_items": items,
    }
