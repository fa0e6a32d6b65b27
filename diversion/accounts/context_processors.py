from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse

from diversion.accounts import two_factor
from diversion.accounts.roles import NAVIGATION, Role, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's roles and the navigation their roles give them: none until their
    second factor is checked, when all they can do is give it or sign out."""
    user = getattr(request, "user", None) or AnonymousUser()
    pending = two_factor.must_verify(request)
    user_roles = frozenset() if pending else roles_of(user)
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
        # With REQUIRE_2FA off, a user who has no authenticator is offered one.
        "offer_two_factor": (
            user.is_authenticated
            and not pending
            and not settings.REQUIRE_2FA
            and not two_factor.is_verified(user)
        ),
    }
