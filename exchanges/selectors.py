"""Reads of exchange accounts, always scoped to their owner."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

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
