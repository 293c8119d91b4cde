"""Reads of exchange accounts, always scoped to their owner."""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from exchanges.models import AuditEvent, ExchangeAccount


def accounts_of(user) -> QuerySet[ExchangeAccount]:
    """Return the user's own exchange accounts."""
    return ExchangeAccount.objects.filter(owner=user)


def account_of(user, pk: int) -> ExchangeAccount:
    """Return one of the user's accounts; another user's id is a 404, like a missing one."""
    return get_object_or_404(accounts_of(user), pk=pk)


def audit_trail(account: ExchangeAccount, limit: int = 20) -> QuerySet[AuditEvent]:
    """Return the newest audit events of an account."""
    return AuditEvent.objects.filter(account=account)[:limit]


def sync_runs(account: ExchangeAccount, limit: int = 10):
    """Return the account's newest sync runs."""
    from exchanges.sync.models import SyncRun

    return SyncRun.objects.filter(account=account).order_by("-started_at", "-pk")[:limit]


def sync_status(account: ExchangeAccount) -> dict:
    """Return the newest sync run of the account as JSON-safe data (no amounts, no secrets)."""
    run = sync_runs(account, 1).first()
    if run is None:
        return {"status": "never", "label": "Never synced", "running": False}
    return {
        "status": run.status,
        "label": run.get_status_display(),
        "running": run.status == "running",
        "progress": run.progress,
        "counts": run.counts,
        "message": run.message,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def key_rotation_due(account: ExchangeAccount, reminder_days: int, now: datetime) -> bool:
    """Return whether the account's key is at least reminder_days old (never for a removed key)."""
    if not account.encrypted_credentials:
        return False
    return now - account.key_added_at >= timedelta(days=reminder_days)


def rotation_reminder_days(user) -> int:
    """Return after how many days the user wants to be reminded to replace a key."""
    from portfolio.selectors import user_settings  # portfolio builds on exchanges, not back

    return user_settings(user).rotation_reminder_days


def rotation_due(account: ExchangeAccount, now: datetime | None = None) -> bool:
    """Return whether the key is older than its owner's rotation reminder allows."""
    return key_rotation_due(account, rotation_reminder_days(account.owner), now or timezone.now())
