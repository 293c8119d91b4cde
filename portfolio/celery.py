"""The Celery app: JSON only, late acks, time limits, and the beat schedule in code."""

import os
from datetime import timedelta

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portfolio.settings")

app = Celery("porthole")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_soft_time_limit=25 * 60,
    task_time_limit=30 * 60,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
)
app.autodiscover_tasks()


def beat_schedule() -> dict:
    """Return the periodic tasks; each expires before its next run so a stall cannot pile up."""
    from django.conf import settings

    heartbeat = settings.HEARTBEAT_INTERVAL
    return {
        "heartbeat": {
            "task": "portfolio.tasks.heartbeat",
            "schedule": heartbeat,
            "options": {"expires": heartbeat.total_seconds() * 0.9},
        },
        # Each account's own interval decides; this only looks for accounts that are due.
        "dispatch-due-syncs": {
            "task": "exchanges.tasks.dispatch_due_syncs",
            "schedule": settings.SYNC_DISPATCH_INTERVAL,
            "options": {"expires": settings.SYNC_DISPATCH_INTERVAL.total_seconds() * 0.9},
        },
        # Pages only read stored prices; this keeps them fresh (older ones are shown stale).
        "analyze-database": {
            "task": "portfolio.tasks.analyze_database",
            "schedule": timedelta(days=1),
            "options": {"expires": timedelta(hours=23).total_seconds()},
        },
        "refresh-prices": {
            "task": "portfolio.tasks.refresh_prices",
            "schedule": settings.PRICE_REFRESH_INTERVAL,
            "options": {"expires": settings.PRICE_REFRESH_INTERVAL.total_seconds() * 0.9},
        },
        # Besides the rebuild after every sync: yesterday's close values yesterday, daily.
        "rebuild-histories-daily": {
            "task": "portfolio.tasks.rebuild_all_histories",
            "schedule": timedelta(days=1),
            "options": {"expires": timedelta(hours=23).total_seconds()},
        },
        # Besides the check before every sync: a key that gained scope is caught within a day.
        "verify-keys-daily": {
            "task": "exchanges.tasks.verify_all_accounts",
            "schedule": timedelta(days=1),
            "options": {"expires": timedelta(hours=23).total_seconds()},
        },
        # Owners hear of a sync failing for over a day within the hour (once per stretch).
        "notify-failing-syncs-hourly": {
            "task": "notices.tasks.notify_failing_syncs",
            "schedule": timedelta(hours=1),
            "options": {"expires": timedelta(minutes=55).total_seconds()},
        },
        "notify-rotation-due-daily": {
            "task": "notices.tasks.notify_rotation_due",
            "schedule": timedelta(days=1),
            "options": {"expires": timedelta(hours=23).total_seconds()},
        },
    }


@app.on_after_finalize.connect
def _install_beat_schedule(sender: Celery, **kwargs) -> None:
    sender.conf.beat_schedule = beat_schedule()
