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
