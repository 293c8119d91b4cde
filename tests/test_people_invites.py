from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import get_resolver, reverse
from django.utils import timezone

from people import services
from people.models import Invite, hash_invite_token
from tests.people_helpers import PASSWORD, empty_cache  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue(admin_user):
    """Return a function that makes an invite and returns its path."""

    def make(**fields) -> str:
        request = RequestFactory().get("/")
        issued = services.issue_invite(Invite(**fields), created_by=admin_user, request=request)
        return issued.link.removeprefix("http://testserver")

    return make


def accept(client, path: str, username: str = "bea", password: str = PASSWORD):
    return client.post(path, {"username": username, "password1": password, "password2": password})


def test_an_invite_link_creates_an_account_and_logs_the_person_in(client, issue):
    path = issue(email="bea@example.com", username="bea")
    page = client.get(path)
    assert page.status_code == 200
    assert b'value="bea"' in page.content  # the intended username is suggested

    response = accept(client, path)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    user = get_user_model().objects.get(username="bea")
    assert user.email == "bea@example.com"
    assert user.check_password(PASSWORD)
    assert client.get(reverse("dashboard")).status_code == 200
    invite = Invite.objects.get()
    assert invite.used_at is not None
    assert invite.user == user


def test_an_invite_link_works_only_once(client, issue):
    path = issue(email="bea@example.com")
    accept(client, path)
    client.logout()

    again = client.get(path)
    second = accept(client, path, username="mallory")

    assert again.status_code == 410
    assert b"already used" in again.content
    assert second.status_code == 410
    assert not get_user_model().objects.filter(username="mallory").exists()


def test_an_expired_invite_link_gives_a_clear_page(client, issue):
    path = issue(email="bea@example.com")
    Invite.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    page = client.get(path)
    submitted = accept(client, path)

    assert page.status_code == 410
    assert b"expired" in page.content
    assert submitted.status_code == 410
    assert not get_user_model().objects.filter(username="bea").exists()


def test_an_invite_expires_after_seven_days_by_default(issue):
    issue(email="bea@example.com")
    invite = Invite.objects.get()
    assert timedelta(days=6, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=7)


def test_an_unknown_invite_token_gives_a_clear_page(client):
    page = client.get("/invite/not-a-real-token/")
    assert page.status_code == 404
    assert b"not a valid invite link" in page.content


def test_the_invite_token_is_stored_only_as_a_hash(issue):
    path = issue(username="bea")
    token = path.strip("/").split("/")[-1]
    invite = Invite.objects.get()
    assert invite.token_hash == hash_invite_token(token)
    assert token not in str(Invite.objects.values().get())


def test_the_invite_page_applies_the_password_validators(client, issue):
    path = issue(email="bea@example.com")
    response = accept(client, path, password="password")
    assert response.status_code == 200
    assert b"too common" in response.content
    assert Invite.objects.get().used_at is None


def test_a_logged_in_visitor_cannot_use_an_invite(client, issue, django_user_model):
    path = issue(email="bea@example.com")
    client.force_login(django_user_model.objects.create_user("ana", password=PASSWORD))
    response = accept(client, path)
    assert b"already logged in" in response.content
    assert Invite.objects.get().used_at is None


@pytest.mark.parametrize(
    "path", ["/signup/", "/accounts/signup/", "/register/", "/accounts/register/"]
)
def test_there_is_no_public_sign_up_page(client, path):
    assert client.get(path).status_code == 404
    assert client.post(path, {"username": "x", "password1": PASSWORD}).status_code == 404


def test_no_url_is_named_like_a_sign_up():
    names = [str(name) for name in get_resolver().reverse_dict if isinstance(name, str)]
    assert not [n for n in names if "signup" in n or "register" in n or "sign_up" in n]
