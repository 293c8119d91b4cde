"""Reads about people: invites by token, password and two-factor state."""

from dataclasses import dataclass
from datetime import datetime

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from people.models import Invite, UserSecurity, hash_invite_token


def invite_for_token(token: str) -> Invite | None:
    """Return the invite whose link carries token, used or not, or None for an unknown one."""
    return Invite.objects.filter(token_hash=hash_invite_token(token)).first()


def must_change_password(user) -> bool:
    """Return whether the user still has a password an administrator chose."""
    return UserSecurity.objects.filter(user=user, must_change_password=True).exists()


def confirmed_totp_device(user) -> TOTPDevice | None:
    """Return the user's confirmed authenticator device, if two-factor is on."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_factor(user) -> bool:
    """Return whether logging in as the user needs a second factor."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    """Return how many unused recovery codes the user has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def recovery_device(user) -> StaticDevice | None:
    """Return the device holding the user's recovery codes."""
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


@dataclass(frozen=True)
class TwoFactorStatus:
    """What the security page shows about a user's second factor."""

    enabled: bool
    since: datetime | None
    last_used_at: datetime | None
    recovery_codes_left: int


def two_factor_status(user) -> TwoFactorStatus:
    """Return the user's two-factor status."""
    device = confirmed_totp_device(user)
    return TwoFactorStatus(
        enabled=device is not None,
        since=device.created_at if device else None,
        last_used_at=device.last_used_at if device else None,
        recovery_codes_left=recovery_codes_left(user) if device else 0,
    )
