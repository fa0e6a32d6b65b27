from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse

from diversion.accounts.roles import NAVIGATION, Role, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's roles and the navigation their roles give them."""
    user_roles = roles_of(getattr(request, "user", None) or AnonymousUser())
    items: list[dict[str, Any]] = []
    seen = set()
    for role in Role:
        if role not in user_roles:
            continue
        for url_name, label in NAVIGATION[role]:
            if url_name in seen:
                continue
            seen.add(url_name)
            href = reverse(url_name)
            items.append({"href": href, "text": label, "current": False})
    # The item whose address the page's starts with, the longest if several do (the
    # auditor's /audit/ and /audit/people/).
    current = [item for item in items if request.path.startswith(item["href"])]
    if current:
        max(current, key=lambda item: len(item["href"]))["current"] = True
    return {
        "FORCE_NAME": settings.FORCE_NAME,
        "user_roles": [r.value for r in Role if r in user_roles],
        "navigation_items": items,
    }
