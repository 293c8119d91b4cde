import logging
import os
import time
import uuid

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import RequestFactory
from django.urls import reverse

from people import ratelimit
from people.ratelimit import Limit
from tests.people_helpers import PASSWORD, empty_cache, enrol, post_login, totp_code  # noqa: F401

pytestmark = pytest.mark.django_db

LOCKED = b"Too many attempts; try again in 15 minutes."


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password=PASSWORD)


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """Return the usernames the authentication backend was asked to check, in order."""
    checked: list[str] = []
    original = ModelBackend.authenticate

    def spy(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        return original(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", spy)
    return checked


def test_five_wrong_passwords_lock_the_username_out(client, ana, caplog):
    with caplog.at_level(logging.WARNING, logger="people"):
        responses = [post_login(client, "ana", f"wrong-{i}") for i in range(5)]

    assert [r.status_code for r in responses[:4]] == [200] * 4
    assert responses[4].status_code == 429
    assert LOCKED in responses[4].content
    lockout = [r for r in caplog.records if "locked out" in r.getMessage()]
    assert len(lockout) == 1
    assert lockout[0].levelno == logging.WARNING
    assert "'ana'" in lockout[0].getMessage()
    assert "127.0.0.1" in lockout[0].getMessage()
    assert "wrong-" not in caplog.text


def test_a_locked_out_username_is_refused_without_checking_the_password(
    client, ana, password_checks, caplog
):
    for i in range(5):
        post_login(client, "ana", f"wrong-{i}")
    assert len(password_checks) == 5

    with caplog.at_level(logging.WARNING, logger="people"):
        response = post_login(client, "ana", PASSWORD)

    assert response.status_code == 429
    assert LOCKED in response.content
    assert len(password_checks) == 5  # the right password was never even looked at
    assert client.get(reverse("dashboard")).status_code == 302
    assert "refused while locked out: username 'ana', IP 127.0.0.1" in caplog.text
    assert PASSWORD not in caplog.text


def test_the_username_lockout_ignores_letter_case(client, ana):
    for i in range(5):
        post_login(client, "ANA" if i % 2 else "ana", f"wrong-{i}")
    assert post_login(client, "Ana", PASSWORD).status_code == 429


def test_a_lockout_of_one_username_leaves_others_alone(client, ana, django_user_model):
    django_user_model.objects.create_user("bea", password=PASSWORD)
    for i in range(5):
        post_login(client, "ana", f"wrong-{i}")
    response = post_login(client, "bea")
    assert response.status_code == 302


def test_a_success_forgets_the_failures_of_the_username(client, ana):
    for i in range(4):
        post_login(client, "ana", f"wrong-{i}")
    post_login(client, "ana")
    client.post(reverse("logout"))
    for i in range(4):
        assert post_login(client, "ana", f"wrong-{i}").status_code == 200


def test_twenty_failures_from_one_address_lock_that_address(client, ana, password_checks, caplog):
    with caplog.at_level(logging.WARNING, logger="people"):
        for i in range(20):
            post_login(client, f"guess-{i}", "wrong")
    assert "per address" in caplog.text

    same_address = post_login(client, "ana", PASSWORD)
    other_address = post_login(client, "ana", PASSWORD, REMOTE_ADDR="192.0.2.7")

    assert same_address.status_code == 429
    assert LOCKED in same_address.content
    assert password_checks.count("ana") == 1  # only from the other address
    assert other_address.status_code == 302


def test_the_two_factor_code_step_is_rate_limited(client, ana, settings, caplog):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device, _ = enrol(ana)
    post_login(client, "ana")
    right = totp_code(device, 1)
    wrong = f"{(int(right) + 1) % 1000000:06d}"

    with caplog.at_level(logging.WARNING, logger="people"):
        responses = [client.post(reverse("login_two_factor"), {"code": wrong}) for _ in range(5)]
    refused = client.post(reverse("login_two_factor"), {"code": right})

    assert responses[-1].status_code == 429
    assert refused.status_code == 429
    assert LOCKED in refused.content
    assert client.get(reverse("dashboard")).status_code == 302
    assert "Two-factor code locked out" in caplog.text
    assert right not in caplog.text and wrong not in caplog.text


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.cache.backends.filebased.FileBasedCache",
        pytest.param("django.core.cache.backends.redis.RedisCache", marks=pytest.mark.services),
    ],
)
def test_a_lockout_works_on_the_file_cache_and_on_redis(settings, tmp_path, backend):
    redis = backend.endswith("RedisCache")
    settings.CACHES = {
        "default": {
            "BACKEND": backend,
            "LOCATION": os.environ["REDIS_URL"] if redis else str(tmp_path / "cache"),
            # Its own prefix on the shared Redis: nothing else's keys are touched.
            "KEY_PREFIX": f"porthole-test-{uuid.uuid4().hex}",
        }
    }
    limit = Limit("test", 3, 60)

    assert [ratelimit.record_failure(limit, "ana") for _ in range(3)] == [False, False, True]

    assert 55 < ratelimit.locked_for(limit, "ana") <= 60
    assert ratelimit.locked_for(limit, "bea") == 0
    # Counting starts afresh after a lockout, and a success clears the count.
    ratelimit.record_failure(limit, "bea")
    ratelimit.clear_failures(limit, "bea")
    assert [ratelimit.record_failure(limit, "bea") for _ in range(2)] == [False, False]


def test_a_lockout_lifts_when_its_time_is_up(monkeypatch):
    limit = Limit("test", 2, 900)
    ratelimit.record_failure(limit, "x")
    assert ratelimit.record_failure(limit, "x") is True
    assert 890 < ratelimit.locked_for(limit, "x") <= 900

    later = time.time() + 901
    monkeypatch.setattr(ratelimit.time, "time", lambda: later)
    assert ratelimit.locked_for(limit, "x") == 0


def test_the_lockout_message_counts_whole_minutes():
    assert ratelimit.minutes(1) == 1
    assert ratelimit.minutes(60) == 1
    assert ratelimit.minutes(61) == 2
    assert ratelimit.minutes(900) == 15


def test_behind_a_proxy_the_address_the_proxy_saw_is_used(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.BEHIND_PROXY = False
    assert ratelimit.client_ip(request) == "10.0.0.2"
    settings.BEHIND_PROXY = True
    # The first entry is whatever the client sent; the proxy appended the last one.
    assert ratelimit.client_ip(request) == "203.0.113.9"
