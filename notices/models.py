"""What needs someone's attention: each user's notices, their choice of channels per kind,
and the devices they signed in from (only as hashes).

A notice says what happened to one of the user's own accounts in words; it never carries an
amount, a balance, a price or any part of a key.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    """The events a user can be told about."""

    SUSPENDED = "suspended", "A key was refused or suspended"
    SYNC_FAILING = "sync_failing", "A sync has failed for more than a day"
    ROTATION_DUE = "rotation_due", "A key is due for rotation"
    NEW_DEVICE = "new_device", "A sign-in from a new device"


class Notice(models.Model):
    """One event told to one user, in the app and/or by email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField()
    # A path inside Porthole where the user can act on it (an account page), or blank.
    link = models.CharField(max_length=200, blank=True)
    # Names the event ("suspended:12:2025-05-01"): a second notice with the same key is not
    # made, so a check that runs hourly tells of one event once.
    dedupe_key = models.CharField(max_length=200)
    # False when the user wants this kind by email only: the row still exists, as the record
    # that the email went out and to dedupe it, but it is neither listed nor counted.
    in_app = models.BooleanField(default=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notice_unique_event")
        ]
        indexes = [models.Index(fields=["user", "in_app", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id} at {self.created_at:%Y-%m-%d %H:%M}"


class NoticePreference(models.Model):
    """One user's channels for one kind; without a row, the kind's defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preferences"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    in_app = models.BooleanField()
    email = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notice_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.user_id}"


class KnownDevice(models.Model):
    """A browser and network a user signed in from, kept only as a keyed hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="known_devices"
    )
    # HMAC of the user agent and the address's network prefix: a device is recognised
    # without Porthole keeping either.
    device_hash = models.CharField(max_length=64)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "device_hash"], name="known_device_unique")
        ]

    def __str__(self) -> str:
        return f"device of user {self.user_id} first seen {self.first_seen:%Y-%m-%d}"
