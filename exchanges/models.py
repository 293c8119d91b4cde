"""Exchange accounts (an encrypted read-only API key per account) and their audit trail.

The model never decrypts: exchanges.accounts.load_credentials() is the one way to the
plaintext, called at the ccxt boundary. Nothing here may print, store or log a secret.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone


class ExchangeAccount(models.Model):
    """One API key on one exchange, connected by its owner after its scopes were verified."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"  # by Porthole, e.g. the key gained trade rights
        DISABLED = "disabled", "Disabled"  # by the owner or an admin

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exchange_accounts"
    )
    # A ccxt id; checked against exchanges/catalog.py by the services, not fixed choices here,
    # so supporting another exchange needs no migration.
    exchange_id = models.CharField(max_length=64)
    label = models.CharField(max_length=100)
    # Fernet token of the JSON credentials (exchanges/encryption.py); the key is not in the DB.
    encrypted_credentials = models.TextField(editable=False)
    # The only part of the key a person sees: "AbCd…wXyZ".
    key_fingerprint = models.CharField(max_length=16, editable=False)
    # HMAC of the public key, so a key connected twice is found without storing the key.
    key_hash = models.CharField(max_length=64, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # The last normalized scope report (exchanges.scopes.report.ScopeReport.to_json()).
    scope_report = models.JSONField(default=dict, blank=True)
    ip_restricted = models.BooleanField(null=True, blank=True)
    key_expires_at = models.DateTimeField(null=True, blank=True)
    key_added_at = models.DateTimeField(default=timezone.now)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    sync_interval = models.DurationField(default=timedelta(minutes=60))
    sync_enabled = models.BooleanField(default=True)
    # When the dispatcher next queues a sync (interval plus jitter), and the claim that keeps
    # two workers from syncing one account at once; an expired claim is free to take.
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    sync_claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["exchange_id", "label", "pk"]
        constraints = [
            # Across owners too: one key is one account, whoever connected it first.
            models.UniqueConstraint(
                fields=["exchange_id", "key_hash"], name="exchanges_account_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.exchange_id}, key {self.key_fingerprint})"

    def __repr__(self) -> str:
        return (
            f"<ExchangeAccount {self.pk}: {self.label!r} on {self.exchange_id}, "
            f"key {self.key_fingerprint}, {self.status}>"
        )

    @property
    def key_age(self) -> timedelta:
        """Return how long ago the current key was added."""
        return timezone.now() - self.key_added_at

    @property
    def scope_summary(self) -> str:
        """Return a few words on what the key may do ("read only", "can trade"…)."""
        if not self.scope_report:
            return "not verified"
        return str(self.scope_report.get("summary") or "unknown")


class AuditEvent(models.Model):
    """Something that happened to an exchange account; kept after the account is removed."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        REFUSED = "refused", "Refused"
        VERIFIED = "verified", "Verified"
        SUSPENDED = "suspended", "Suspended"
        REPLACED = "replaced", "Key replaced"
        REMOVED = "removed", "Removed"
        ENABLED = "enabled", "Enabled"
        DISABLED = "disabled", "Disabled"

    account = models.ForeignKey(
        ExchangeAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # Who did it; None when Porthole did (a scheduled verification, say).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Whose account it was, kept apart from `account` so the trail outlives the account.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    exchange_id = models.CharField(max_length=64)
    account_label = models.CharField(max_length=100, blank=True)
    key_fingerprint = models.CharField(max_length=16, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.TextField(blank=True)  # plain words for a person; never a secret
    details = models.JSONField(default=dict, blank=True)  # e.g. {"reasons": [...]}
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.kind} {self.exchange_id} {self.account_label}"

    @classmethod
    def record(
        cls,
        account: ExchangeAccount,
        kind: str,
        message: str = "",
        *,
        actor: AbstractBaseUser | None = None,
        details: dict | None = None,
    ) -> "AuditEvent":
        """Return a new saved event about account, copying what must outlive it."""
        return cls.objects.create(
            account=account if account.pk else None,
            actor=actor,
            owner_id=account.owner_id,
            exchange_id=account.exchange_id,
            account_label=account.label,
            key_fingerprint=account.key_fingerprint,
            kind=kind,
            message=message,
            details=details or {},
        )


# The sync engine's models live beside their code; importing them here registers them.
from exchanges.sync.models import (  # noqa: E402
    Balance,
    BalanceSnapshot,
    SyncCursor,
    SyncRun,
    TrackedMarket,
    Trade,
    Transfer,
)

__all__ = [
    "AuditEvent",
    "Balance",
    "BalanceSnapshot",
    "ExchangeAccount",
    "SyncCursor",
    "SyncRun",
    "TrackedMarket",
    "Trade",
    "Transfer",
]
