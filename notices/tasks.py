"""Periodic checks that notify owners; they take no arguments and return counts only."""

from celery import shared_task

from notices import services


@shared_task(name="notices.tasks.notify_failing_syncs", ignore_result=True)
def notify_failing_syncs() -> int:
    """Tell owners of accounts that have not synced for more than a day; return how many."""
    return services.notify_failing_syncs()


@shared_task(name="notices.tasks.notify_rotation_due", ignore_result=True)
def notify_rotation_due() -> int:
    """Tell owners whose keys are due for rotation; return how many."""
    return services.notify_rotation_due()
