import logging
import re

import pytest
from django.core import mail
from django.urls import reverse

from people import selectors, services
from tests.people_helpers import PASSWORD, empty_cache, post_login  # noqa: F401

pytestmark = pytest.mark.django_db

TEMPORARY = "temporary-Password-42"
CHOSEN = "my-own-password-77"


@pytest.fixture
def carl(django_user_model):
    user = django_user_model.objects.create_user(
        "carl", email="carl@example.com", password=TEMPORARY
    )
    services.require_password_change(user)
    return user


def test_a_temporary_password_must_be_changed_before_anything_else(client, carl):
    login = post_login(client, "carl", TEMPORARY)
    assert login.status_code == 302

    for path in ("/", "/exchanges/", "/security/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == reverse("password_change")
    page = client.get(reverse("password_change"))
    assert b"temporary password" in page.content

    changed = client.post(
        reverse("password_change"),
        {"old_password": TEMPORARY, "new_password1": CHOSEN, "new_password2": CHOSEN},
    )

    assert changed.status_code == 302
    assert changed.url == reverse("password_change_done")
    assert not selectors.must_change_password(carl)
    assert client.get("/").status_code == 200  # still logged in, and free to go


def test_the_new_password_must_differ_from_the_temporary_one(client, carl):
    client.force_login(carl)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEMPORARY, "new_password1": TEMPORARY, "new_password2": TEMPORARY},
    )
    assert response.status_code == 200
    assert b"different from the current one" in response.content
    assert selectors.must_change_password(carl)


def test_a_user_with_a_temporary_password_can_still_log_out(client, carl):
    client.force_login(carl)
    client.post(reverse("logout"))
    assert client.get("/").url.startswith(reverse("login"))


def test_password_reset_emails_a_link_that_sets_a_new_password(client, carl, settings):
    settings.EMAIL_CONFIGURED = True
    response = client.post(reverse("password_reset"), {"email": "carl@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    path = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form = client.get(path, follow=True)
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": CHOSEN, "new_password2": CHOSEN}
    )

    assert done.status_code == 302
    carl.refresh_from_db()
    assert carl.check_password(CHOSEN)
    # A password chosen through the reset link is the user's own.
    assert not selectors.must_change_password(carl)


def test_password_reset_without_email_logs_the_link_for_the_admin(client, carl, settings, caplog):
    settings.EMAIL_CONFIGURED = False
    settings.EMAIL_BACKEND = "people.mail.LogOnlyEmailBackend"
    with caplog.at_level(logging.INFO, logger="people"):
        response = client.post(
            reverse("password_reset"), {"email": "carl@example.com"}, follow=True
        )
    assert b"reset link was written to Porthole's log" in response.content
    assert re.search(r"http://testserver/accounts/reset/\S+/", caplog.text)
    assert TEMPORARY not in caplog.text


def test_password_reset_requests_are_limited_per_address(client, carl, settings):
    settings.EMAIL_CONFIGURED = True
    statuses = [
        client.post(reverse("password_reset"), {"email": "carl@example.com"}).status_code
        for _ in range(settings.LOGIN_FAILURES_PER_USERNAME + 1)
    ]
    assert statuses[-1] == 429
    assert len(mail.outbox) == settings.LOGIN_FAILURES_PER_USERNAME


# Every page people/ adds, and whether an anonymous visitor may see it.
LOGIN_REQUIRED = [
    "/security/",
    "/security/two-factor/",
    "/security/two-factor/disable/",
    "/security/recovery-codes/",
    "/accounts/password_change/",
    "/accounts/password_change/done/",
]
OPEN = [
    "/accounts/login/",
    "/accounts/password_reset/",
    "/accounts/password_reset/done/",
    "/accounts/reset/done/",
]


@pytest.mark.parametrize("path", LOGIN_REQUIRED)
def test_a_security_page_sends_an_anonymous_visitor_to_log_in(client, path):
    for response in (client.get(path), client.post(path, {"password": "x"})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("path", OPEN)
def test_a_sign_in_page_is_open_to_an_anonymous_visitor(client, path):
    assert client.get(path).status_code == 200


def test_the_code_step_without_a_correct_password_first_goes_back_to_log_in(client):
    response = client.get(reverse("login_two_factor"))
    assert response.status_code == 302
    assert response.url == reverse("login")


def test_the_login_page_links_to_password_reset_and_offers_no_sign_up(client):
    page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") in page
    assert "There is no sign-up" in page
