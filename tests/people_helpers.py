"""Helpers shared by the tests of people/ (sign-in, invites, two-factor)."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from people import services

PASSWORD = "a-long-password-1"


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """Return the code the user's app would show now (or steps_ahead periods later)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    """Return the user's confirmed authenticator device and recovery codes."""
    device = services.pending_totp_device(user)
    codes = services.confirm_totp_device(device, totp_code(device))
    assert codes is not None
    # The code above used up this time step; the app's next one is what a login would use.
    return device, codes


def post_login(client, username: str, password: str = PASSWORD, **extra):
    """Return the response to the login form."""
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


@pytest.fixture(autouse=True)
def empty_cache(settings, tmp_path):
    """Give each test a cache of its own, of the embedded start's kind (a file cache), so
    failure counters do not leak between tests and the shared cache is never cleared."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
