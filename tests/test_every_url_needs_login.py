"""Every URL of the project, the admin's included, sends an anonymous visitor to log in.

The list of URLs is read from the URL configuration itself, so a page added later is covered
without anyone remembering to add it here; only the deliberately public ones are listed.
"""

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Pages a visitor must reach before logging in (or that answer machines).
PUBLIC = {
    "healthz",
    "login",
    "login_two_factor",  # redirects to login itself when no password step is pending
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "people:invite",
}


def _routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name or ""


def _concrete(route: str) -> str:
    """Return a visitable path for a route: regex anchors dropped, converters filled in."""
    path = route.lstrip("^").rstrip("$").replace("\\", "")
    path = re.sub(r"<int:\w+>", "1", path)
    path = re.sub(r"<(?:str|slug|path:)?\w+>", "x", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    return "/" + path


def app_routes():
    return [
        (route, name)
        for route, name in _routes(get_resolver().url_patterns)
        if not route.startswith("admin/") and name not in PUBLIC
    ]


@pytest.mark.parametrize(("route", "name"), app_routes())
def test_an_anonymous_visitor_is_sent_to_log_in(client, route, name):
    response = client.get(_concrete(route))
    assert response.status_code in (302, 405), f"{route} answered {response.status_code}"
    if response.status_code == 302:
        assert response.url.startswith("/accounts/login/"), f"{route} -> {response.url}"


def admin_pages():
    pages = ["/admin/", "/admin/overview/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, base + "add/", base + "1/change/", base + "1/history/"]
    return pages


@pytest.mark.parametrize("path", admin_pages())
def test_every_admin_page_sends_an_anonymous_visitor_to_log_in(client, path):
    response = client.get(path, follow=True)
    assert response.redirect_chain, f"{path} was shown without logging in"
    assert response.request["PATH_INFO"] == "/accounts/login/"


def test_the_public_pages_open_without_logging_in(client):
    for path in ("/accounts/login/", "/accounts/password_reset/", "/healthz"):
        assert client.get(path).status_code in (200, 503), path


@pytest.mark.parametrize(
    "path", ["/admin/", "/admin/exchanges/exchangeaccount/", "/admin/overview/"]
)
def test_a_user_who_is_not_staff_gets_no_admin_page(client, django_user_model, path):
    client.force_login(django_user_model.objects.create_user("ana", password="x-long-pass-1"))
    response = client.get(path, follow=True)
    page = response.content.decode()
    assert "Site administration" not in page
    assert "Select exchange account to change" not in page
    assert "holdings or values are shown here" not in page
