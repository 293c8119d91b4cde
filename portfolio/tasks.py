"""Celery tasks of the portfolio app: they take ids only and keep to JSON."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from exchanges.errors import ExchangeProblem
from portfolio import maintenance
from portfolio.services import record_heartbeat

logger = logging.getLogger(__name__)

# A rebuild of one user at a time; the lock lapses by itself after the hard time limit.
REBUILD_LOCK_SECONDS = 30 * 60


@shared_task(name="portfolio.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that beat enqueued this and a worker ran it (shown on /healthz)."""
    record_heartbeat("celery")


@shared_task(name="portfolio.tasks.analyze_database", ignore_result=True)
def analyze_database() -> None:
    """Refresh SQLite's planner statistics (a no-op on PostgreSQL, which does it itself)."""
    maintenance.analyze_database()


@shared_task(name="portfolio.tasks.refresh_prices", ignore_result=True)
def refresh_prices() -> int:
    """Return how many prices were stored, refreshing those of every held asset.

    Not retried: the next run is minutes away, and until then the old prices show their age.
    """
    from portfolio import market_data

    report = market_data.refresh_prices()
    return report.stored


def _backoff(retries: int) -> int:
    return min(60 * 2**retries, 3600)


@shared_task(bind=True, name="portfolio.tasks.rebuild_history", max_retries=5, ignore_result=True)
def rebuild_history(self, user_id: int) -> None:
    """Rebuild one user's daily holdings and values; retried when prices failed transiently."""
    from portfolio.rebuild import rebuild_history as rebuild

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return
    retries_left = self.request.retries < self.max_retries
    lock = f"porthole:rebuild-history:{user_id}"
    if not cache.add(lock, 1, REBUILD_LOCK_SECONDS):
        # Another worker is rebuilding; run again after it, so the newest sync is included.
        if retries_left:
            raise self.retry(countdown=60)
        return
    try:
        result = rebuild(user)
    except ExchangeProblem as problem:
        if not problem.transient:
            raise
        result = None
    finally:
        cache.delete(lock)
    if (result is None or result.incomplete) and retries_left:
        # Stored as far as it went; the missing prices are fetched on the next try.
        logger.info("user %s: history rebuilt without some prices; retrying", user_id)
        raise self.retry(countdown=_backoff(self.request.retries))


@shared_task(name="portfolio.tasks.rebuild_all_histories", ignore_result=True)
def rebuild_all_histories() -> int:
    """Return how many history rebuilds were queued: one per user with an account (daily)."""
    from exchanges.models import ExchangeAccount

    # order_by(): the model's default ordering would make distinct() per account.
    user_ids = ExchangeAccount.objects.order_by().values_list("owner_id", flat=True).distinct()
    count = 0
    for user_id in user_ids:
        rebuild_history.delay(user_id)
        count += 1
    return count


def schedule_history_rebuild(user_id: int) -> None:
    """Queue a rebuild of the user's history once the current transaction commits.

    Called by the sync after a success; a broker that is down must not fail the sync, whose
    data is safely stored: the daily rebuild catches up.
    """

    def enqueue() -> None:
        try:
            rebuild_history.delay(user_id)
        except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; the sync must not fail
            # The class only: a broker error's text can hold its URL.
            logger.warning(
                "user %s: could not queue a history rebuild (%s)", user_id, type(exc).__name__
            )

    transaction.on_commit(enqueue)
