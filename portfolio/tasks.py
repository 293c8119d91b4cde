from celery import shared_task

from portfolio.services import record_heartbeat


@shared_task(name="portfolio.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that beat enqueued this and a worker ran it (shown on /healthz)."""
    record_heartbeat("celery")
