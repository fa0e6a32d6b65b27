"""Every page needs a signed-in user with a role; this walks the URL configuration so a new
page cannot forget."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from diversion.accounts.roles import Role

# The only pages open without signing in: sign-in, the health check, and the accessibility
# statement, which is public information.
PUBLIC = {"/accounts/login/", "/healthz", "/accessibility/", "/admin/login/"}


def walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def sample_path(route):
    """A concrete path for a route: converters get a plausible value, regexes are simplified."""
    path = re.sub(r"<(?:int:)?\w+>", "1", route)
    path = re.sub(r"<path:\w+>", "x", path)
    path = re.sub(r"<(?:str|slug):\w+>", "x", path)
    path = path.lstrip("^").rstrip("$").replace("\\Z", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path


ROUTES = sorted(set(walk(get_resolver().url_patterns)), key=lambda r: r[0])
APP_ROUTES = [(route, p) for route, p in ROUTES if not route.startswith("admin/")]


PRIVATE_ROUTES = [r for r, _ in ROUTES if sample_path(r) not in PUBLIC]


def test_the_walk_finds_every_page():
    assert {sample_path(r) for r, _ in ROUTES} >= PUBLIC | {"/", "/referrals/", "/audit/"}


@pytest.mark.parametrize("route", PRIVATE_ROUTES)
def test_every_page_needs_sign_in(client, db, route):
    path = sample_path(route)
    response = client.get(path)
    assert response.status_code == 302, path
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("route,pattern", APP_ROUTES, ids=[r for r, _ in APP_ROUTES])
def test_every_page_names_the_roles_that_may_use_it(route, pattern):
    view = pattern.callback
    if not getattr(view, "login_required", True):
        assert sample_path(route) in PUBLIC
        return
    assert hasattr(view, "allowed_roles"), f"{route} does not say which roles may use it"


def test_only_sign_in_the_health_check_and_the_accessibility_statement_need_no_sign_in(client, db):
    public = {
        sample_path(route)
        for route, pattern in APP_ROUTES
        if not getattr(pattern.callback, "login_required", True)
    }
    assert public == {"/accounts/login/", "/healthz", "/accessibility/"}
    for path in public:
        assert client.get(path).status_code == 200, path


def test_a_user_without_a_role_is_refused(client, db, django_user_model):
    user = django_user_model.objects.create_user("norole", password="a-long-password-1")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert b"Your role does not give you access" in response.content


def test_a_user_without_a_role_can_still_sign_out(client, db, django_user_model):
    user = django_user_model.objects.create_user("norole", password="a-long-password-1")
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "role,path",
    [
        (Role.CUSTODY_OFFICER, "/cases/"),
        (Role.CUSTODY_OFFICER, "/dashboards/"),
        (Role.CUSTODY_OFFICER, "/audit/"),
        (Role.CASEWORKER, "/referrals/mine/"),
        (Role.CASEWORKER, "/dashboards/"),
        (Role.CASEWORKER, "/audit/"),
        (Role.MANAGER, "/referrals/mine/"),
        (Role.MANAGER, "/audit/"),
        (Role.AUDITOR, "/referrals/mine/"),
        (Role.AUDITOR, "/cases/"),
        (Role.AUDITOR, "/dashboards/"),
    ],
)
def test_roles_cannot_open_other_roles_pages(client, db, role, path):
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=[role]))
    assert client.get(path).status_code == 403


def test_admin_is_for_superusers_only(client, manager, admin_user):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/policy/policyversion/").status_code == 200
