"""When each account is next due: its interval plus jitter, so accounts do not fire together."""

import random
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from exchanges.models import ExchangeAccount

JITTER_FRACTION = 0.1


def next_due(interval: timedelta, rng: random.Random | None = None) -> timedelta:
    """Return the delay until the next sync: the interval plus up to 10 % random jitter."""
    rng = rng or random.Random()  # noqa: S311 - spreading load, not security
    return interval + interval * (rng.random() * JITTER_FRACTION)


def due_accounts():
    """Return the accounts whose sync is due now."""
    now = timezone.now()
    return (
        ExchangeAccount.objects.filter(status=ExchangeAccount.Status.ACTIVE, sync_enabled=True)
        .exclude(encrypted_credentials="")
        .filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now))
    )


def claim_due_accounts() -> list[tuple[int, timedelta]]:
    """Return (id, interval) of the due accounts, each moved to its next due time."""
    now = timezone.now()
    claimed = []
    with transaction.atomic():
        for account in due_accounts().select_for_update(skip_locked=True):
            account.next_sync_at = now + next_due(account.sync_interval)
            account.save(update_fields=["next_sync_at"])
            claimed.append((account.pk, account.sync_interval))
    return claimed
