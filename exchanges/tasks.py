"""Celery tasks of the exchanges app: they take ids only, never credentials."""

import logging

from celery import shared_task

from exchanges import services
from exchanges.errors import ExchangeProblem
from exchanges.models import ExchangeAccount

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="exchanges.tasks.verify_account", max_retries=5, ignore_result=True)
def verify_account(self, account_id: int) -> None:
    """Re-verify one account's key scope; only transient exchange problems are retried."""
    account = (
        ExchangeAccount.objects.filter(pk=account_id, status=ExchangeAccount.Status.ACTIVE)
        .exclude(encrypted_credentials="")
        .first()
    )
    if account is None:
        return
    try:
        services.verify_account(account)
    except ExchangeProblem as problem:
        if not problem.transient:
            raise
        countdown = getattr(problem, "retry_after", None) or 60 * 2**self.request.retries
        logger.info(
            "account %s: verification postponed (%s)", account_id, problem.__class__.__name__
        )
        raise self.retry(countdown=min(countdown, 3600)) from None


@shared_task(name="exchanges.tasks.verify_all_accounts", ignore_result=True)
def verify_all_accounts() -> None:
    """Queue a re-verification of every active account (daily, besides the one before a sync)."""
    ids = (
        ExchangeAccount.objects.filter(status=ExchangeAccount.Status.ACTIVE)
        .exclude(encrypted_credentials="")
        .values_list("pk", flat=True)
    )
    for account_id in ids:
        verify_account.delay(account_id)


@shared_task(bind=True, name="exchanges.tasks.sync_account", max_retries=8, ignore_result=True)
def sync_account(self, account_id: int) -> None:
    """Sync one account; transient exchange problems retry with backoff (or Retry-After)."""
    from exchanges.sync.engine import SyncInProgress
    from exchanges.sync.engine import sync_account as run_sync

    try:
        run_sync(account_id)
    except SyncInProgress:
        logger.info("account %s: a sync is already running", account_id)
    except ExchangeProblem as problem:
        if not problem.transient:
            raise
        backoff = 60 * 2**self.request.retries
        countdown = min(max(getattr(problem, "retry_after", None) or 0, backoff), 3600)
        raise self.retry(countdown=countdown) from None


@shared_task(name="exchanges.tasks.dispatch_due_syncs", ignore_result=True)
def dispatch_due_syncs() -> int:
    """Queue a sync of every enabled, active account that is due; return how many."""
    from exchanges.sync.schedule import claim_due_accounts

    due = claim_due_accounts()
    for account_id, interval in due:
        # A sync still queued when the next one is due is dropped, not stacked.
        sync_account.apply_async((account_id,), expires=interval.total_seconds())
    return len(due)
