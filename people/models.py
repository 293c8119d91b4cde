"""Who may use this Porthole: invitations (there is no public sign-up) and per-user security.

Two-factor devices are django-otp's own models (TOTPDevice, StaticDevice for recovery codes).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

INVITE_LIFETIME = timedelta(days=7)


def hash_invite_token(token: str) -> str:
    """Return the SHA-256 hex digest stored in place of an invite token."""
    # A plain hash suffices: the token is 256 random bits, so there is nothing to brute-force,
    # and a leaked database does not hand out working links.
    return hashlib.sha256(token.encode()).hexdigest()


def default_invite_expiry():
    """Return the expiry of an invite made now."""
    return timezone.now() + INVITE_LIFETIME


class Invite(models.Model):
    """A one-time link with which the person it was made for creates their account."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        USED = "used", "Used"
        EXPIRED = "expired", "Expired"

    email = models.EmailField(
        blank=True, help_text="The link is emailed here when email is configured."
    )
    username = models.CharField(
        "intended username",
        max_length=150,
        blank=True,
        help_text="Suggested on the invite page; the person may pick another.",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(default=default_invite_expiry)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The account made with it, kept so an admin can see who accepted what.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.email or self.username or f"Invite {self.pk}"

    def clean(self) -> None:
        if not self.email and not self.username:
            raise ValidationError("Give an email address or an intended username.")

    @property
    def state(self) -> "Invite.State":
        """Return whether the invite can still be used."""
        if self.used_at is not None:
            return Invite.State.USED
        if self.expires_at <= timezone.now():
            return Invite.State.EXPIRED
        return Invite.State.OPEN


class UserSecurity(models.Model):
    """Security state of one user that django.contrib.auth has no field for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security"
    )
    # Set when an administrator chose the password; cleared when the user picks their own.
    must_change_password = models.BooleanField(
        default=False,
        help_text="Until changed, every page leads to the password change form.",
    )
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "security settings"
        verbose_name_plural = "security settings"

    def __str__(self) -> str:
        return f"Security of {self.user}"
