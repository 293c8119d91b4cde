import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from people import selectors, services
from people.qr import manual_key
from tests.people_helpers import PASSWORD, empty_cache, enrol, post_login, totp_code  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password=PASSWORD)


@pytest.fixture(autouse=True)
def no_device_throttle(settings):
    # django-otp's own back-off (1 s, 2 s, 4 s… after a wrong code) stays on in production;
    # here it would turn a right code typed within a second of a wrong one into a refusal.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def is_logged_in(client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


# --- Enrolment --------------------------------------------------------------------------------


def test_enrolment_shows_an_inline_qr_code_and_the_key_to_type(client, ana):
    client.force_login(ana)
    page = client.get(reverse("people:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=ana)
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and 'class="qr-code"' in html
    assert manual_key(device) in html
    assert "<script" not in html and "<img" not in html
    assert not device.confirmed


def test_reloading_the_enrolment_page_keeps_the_same_key(client, ana):
    client.force_login(ana)
    client.get(reverse("people:two_factor_enrol"))
    client.get(reverse("people:two_factor_enrol"))
    assert TOTPDevice.objects.filter(user=ana).count() == 1


def test_confirming_enrolment_with_a_code_shows_ten_recovery_codes_once(client, ana):
    client.force_login(ana)
    client.get(reverse("people:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=ana)

    response = client.post(reverse("people:two_factor_enrol"), {"code": totp_code(device)})

    codes = list(StaticToken.objects.filter(device__user=ana).values_list("token", flat=True))
    assert response.status_code == 200
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    assert selectors.has_two_factor(ana)
    again = client.get(reverse("people:two_factor_enrol"))
    assert again.status_code == 302  # never shown again
    security = client.get(reverse("people:security")).content.decode()
    assert not any(code in security for code in codes)
    assert "10 of 10" in security


def test_enrolment_refuses_a_wrong_code(client, ana):
    client.force_login(ana)
    client.get(reverse("people:two_factor_enrol"))
    device = TOTPDevice.objects.get(user=ana)
    wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"

    response = client.post(reverse("people:two_factor_enrol"), {"code": wrong})

    assert b"That code is not right" in response.content
    assert not selectors.has_two_factor(ana)


# --- Login ------------------------------------------------------------------------------------


def test_login_with_two_factor_asks_for_the_code_before_logging_in(client, ana):
    device, _ = enrol(ana)

    first = post_login(client, "ana")

    assert first.status_code == 302
    assert first.url == reverse("login_two_factor")
    assert not is_logged_in(client)
    second = client.post(reverse("login_two_factor"), {"code": totp_code(device, steps_ahead=1)})
    assert second.status_code == 302
    assert second.url == reverse("dashboard")
    assert is_logged_in(client)


def test_the_code_step_keeps_where_the_user_was_going(client, ana):
    device, _ = enrol(ana)
    client.post(reverse("login"), {"username": "ana", "password": PASSWORD, "next": "/exchanges/"})
    response = client.post(reverse("login_two_factor"), {"code": totp_code(device, 1)})
    assert response.url == "/exchanges/"


def test_a_wrong_code_is_refused(client, ana):
    device, _ = enrol(ana)
    post_login(client, "ana")
    wrong = f"{(int(totp_code(device, 1)) + 1) % 1000000:06d}"

    response = client.post(reverse("login_two_factor"), {"code": wrong})

    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert not is_logged_in(client)


def test_a_used_code_cannot_be_replayed(client, ana):
    device, _ = enrol(ana)
    code = totp_code(device)  # the one enrolment just used
    post_login(client, "ana")
    client.post(reverse("login_two_factor"), {"code": code})
    assert not is_logged_in(client)


def test_a_recovery_code_logs_in_once(client, ana):
    _, codes = enrol(ana)
    post_login(client, "ana")

    used = client.post(reverse("login_two_factor"), {"code": codes[0].upper()}, follow=True)

    assert is_logged_in(client)
    assert b"You used a recovery code; 9 left" in used.content
    client.post(reverse("logout"))
    post_login(client, "ana")
    again = client.post(reverse("login_two_factor"), {"code": codes[0]})
    assert b"That code is not right" in again.content
    assert not is_logged_in(client)


def test_the_password_step_expires_if_the_code_takes_too_long(client, ana, monkeypatch):
    device, _ = enrol(ana)
    post_login(client, "ana")
    later = time.time() + services.PENDING_LOGIN_SECONDS + 1
    monkeypatch.setattr(services.time, "time", lambda: later)

    response = client.post(reverse("login_two_factor"), {"code": totp_code(device, 1)})

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert not is_logged_in(client)


def test_a_user_without_two_factor_logs_in_with_the_password_alone(client, ana):
    response = post_login(client, "ana")
    assert response.url == reverse("dashboard")
    assert is_logged_in(client)


# --- REQUIRE_TWO_FACTOR -----------------------------------------------------------------------


def test_require_two_factor_sends_a_user_without_it_to_enrol_before_anything_else(
    client, ana, settings
):
    settings.REQUIRE_TWO_FACTOR = True
    post_login(client, "ana")

    for path in ("/", "/exchanges/", "/security/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.url == reverse("people:two_factor_enrol")
    page = client.get(reverse("people:two_factor_enrol"))
    assert b"requires two-factor" in page.content

    device = TOTPDevice.objects.get(user=ana)
    client.post(reverse("people:two_factor_enrol"), {"code": totp_code(device)})
    assert is_logged_in(client)


def test_two_factor_stays_optional_by_default(client, ana):
    post_login(client, "ana")
    assert is_logged_in(client)


# --- Disable and new recovery codes -----------------------------------------------------------


def test_turning_two_factor_off_needs_the_current_password(client, ana):
    enrol(ana)
    client.force_login(ana)

    wrong = client.post(reverse("people:two_factor_disable"), {"password": "not-it"})
    assert b"not your current password" in wrong.content
    assert selectors.has_two_factor(ana)

    right = client.post(reverse("people:two_factor_disable"), {"password": PASSWORD})
    assert right.status_code == 302
    assert not selectors.has_two_factor(ana)
    assert not StaticToken.objects.filter(device__user=ana).exists()


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(client, ana):
    _, old = enrol(ana)
    client.force_login(ana)

    refused = client.post(reverse("people:recovery_codes"), {"password": "not-it"})
    assert b"not your current password" in refused.content

    response = client.post(reverse("people:recovery_codes"), {"password": PASSWORD})
    new = list(StaticToken.objects.filter(device__user=ana).values_list("token", flat=True))
    assert len(new) == 10
    assert all(code in response.content.decode() for code in new)
    assert not set(old) & set(new)


def test_the_security_page_shows_the_status_and_links(client, ana):
    client.force_login(ana)
    off = client.get(reverse("people:security")).content.decode()
    assert "Set up two-factor" in off
    assert reverse("password_change") in off
    enrol(ana)
    on = client.get(reverse("people:security")).content.decode()
    assert "Turn off" in on
    assert reverse("people:recovery_codes") in on


def test_the_header_links_to_the_security_page(client, ana):
    client.force_login(ana)
    assert reverse("people:security") in client.get(reverse("dashboard")).content.decode()
