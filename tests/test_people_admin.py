import logging
import re

import pytest
from django.core import mail
from django.urls import reverse

from people import selectors
from people.models import Invite
from tests.people_helpers import PASSWORD, empty_cache, enrol  # noqa: F401

pytestmark = pytest.mark.django_db

INVITE_ADD = "admin:people_invite_add"


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def link_in(text: str) -> str:
    return re.search(r"https?://\S+/invite/[\w-]+/", text).group(0)


def test_the_admin_invite_form_shows_the_link_when_no_email_is_configured(
    admin_client, client, settings, caplog
):
    settings.EMAIL_CONFIGURED = False
    with caplog.at_level(logging.INFO, logger="people"):
        response = admin_client.post(
            reverse(INVITE_ADD), {"email": "bea@example.com", "username": "bea"}, follow=True
        )

    assert response.status_code == 200
    message = next(m for m in shown_messages(response) if "/invite/" in m)
    link = link_in(message)
    assert "Email is not configured" in message
    assert mail.outbox == []
    assert link in caplog.text  # on the console too, for whoever started Porthole
    invite = Invite.objects.get()
    assert invite.created_by.username == "admin"
    assert client.get(link.split("testserver", 1)[1]).status_code == 200


def test_the_admin_invite_is_emailed_when_email_is_configured(admin_client, client, settings):
    settings.EMAIL_CONFIGURED = True  # pytest-django's locmem backend collects the mail
    response = admin_client.post(reverse(INVITE_ADD), {"email": "bea@example.com"}, follow=True)

    assert any("emailed to bea@example.com" in m for m in shown_messages(response))
    assert not any("/invite/" in m for m in shown_messages(response))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bea@example.com"]
    link = link_in(mail.outbox[0].body)
    assert client.get(link.split("testserver", 1)[1]).status_code == 200


def test_an_invite_without_an_email_shows_the_link_even_with_email_configured(
    admin_client, settings
):
    settings.EMAIL_CONFIGURED = True
    response = admin_client.post(reverse(INVITE_ADD), {"username": "bea"}, follow=True)
    assert any("/invite/" in m for m in shown_messages(response))
    assert mail.outbox == []


def test_an_invite_needs_an_email_or_a_username(admin_client):
    response = admin_client.post(reverse(INVITE_ADD), {"email": "", "username": ""})
    assert response.status_code == 200
    assert b"Give an email address or an intended username" in response.content
    assert not Invite.objects.exists()


def test_renewing_an_invite_makes_a_new_link_and_kills_the_old_one(admin_client, client):
    first = admin_client.post(reverse(INVITE_ADD), {"username": "bea"}, follow=True)
    old_link = link_in(" ".join(shown_messages(first)))
    invite = Invite.objects.get()

    renewed = admin_client.post(
        reverse("admin:people_invite_changelist"),
        {"action": "renew", "_selected_action": [invite.pk]},
        follow=True,
    )

    new_link = link_in(" ".join(shown_messages(renewed)))
    assert new_link != old_link
    assert client.get(old_link.split("testserver", 1)[1]).status_code == 404
    assert client.get(new_link.split("testserver", 1)[1]).status_code == 200


def test_the_admin_creates_a_user_with_a_temporary_password(admin_client, django_user_model):
    page = admin_client.get(reverse("admin:auth_user_add")).content.decode()
    assert 'name="must_change_password"' in page and "checked" in page
    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "carl",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "must_change_password": "on",
        },
    )
    assert response.status_code == 302
    assert selectors.must_change_password(django_user_model.objects.get(username="carl"))


def test_an_unticked_temporary_box_leaves_the_password_as_it_is(admin_client, django_user_model):
    admin_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "carl",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert not selectors.must_change_password(django_user_model.objects.get(username="carl"))


def test_a_password_the_admin_sets_later_is_temporary_too(admin_client, django_user_model):
    carl = django_user_model.objects.create_user("carl", password="carls-own-password-9")
    page = admin_client.get(reverse("admin:auth_user_password_change", args=[carl.pk]))
    assert 'name="must_change_password"' in page.content.decode()
    admin_client.post(
        reverse("admin:auth_user_password_change", args=[carl.pk]),
        {
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "must_change_password": "on",
        },
    )
    carl.refresh_from_db()
    assert carl.check_password(PASSWORD)
    assert selectors.must_change_password(carl)


def test_the_reset_link_action_shows_the_link_without_email(
    admin_client, client, django_user_model, settings, caplog
):
    settings.EMAIL_CONFIGURED = False
    carl = django_user_model.objects.create_user("carl", password=PASSWORD)
    with caplog.at_level(logging.INFO, logger="people"):
        response = admin_client.post(
            reverse("admin:auth_user_changelist"),
            {"action": "make_reset_link", "_selected_action": [carl.pk]},
            follow=True,
        )
    message = next(m for m in shown_messages(response) if "reset link" in m)
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message).group(1)
    assert link in caplog.text
    assert PASSWORD not in caplog.text
    assert client.get(link, follow=True).context["validlink"] is True


def test_the_admin_can_turn_off_a_users_two_factor(admin_client, django_user_model):
    carl = django_user_model.objects.create_user("carl", password=PASSWORD)
    enrol(carl)
    admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [carl.pk]},
    )
    assert not selectors.has_two_factor(carl)


def test_the_device_admin_never_shows_the_authenticator_secret(admin_client, django_user_model):
    carl = django_user_model.objects.create_user("carl", password=PASSWORD)
    device, codes = enrol(carl)
    pages = [
        admin_client.get(reverse("admin:otp_totp_totpdevice_changelist")),
        admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])),
        admin_client.get(reverse("admin:otp_static_staticdevice_changelist")),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert device.key not in text
        assert not any(code in text for code in codes)


def test_the_admin_login_page_leads_to_the_two_factor_aware_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/admin/"
