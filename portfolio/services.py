"""Writes of the portfolio app."""

from django.utils import timezone

from portfolio.models import Heartbeat, UserSettings


def record_heartbeat(name: str) -> None:
    """Store now as the last time the named heartbeat was seen."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})


def update_user_settings(user, **changes) -> UserSettings:
    """Return the user's settings, saved with these fields changed.

    Fields: base_currency, time_zone, rotation_reminder_days. A new base currency queues a
    rebuild of the history in it.
    """
    from portfolio.tasks import schedule_history_rebuild  # tasks import this module

    current, _ = UserSettings.objects.get_or_create(user=user)
    previous_currency = current.base_currency
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.save()
    if current.base_currency != previous_currency:
        # The stored history is per currency: until the rebuild, the chart has no days.
        schedule_history_rebuild(user.pk)
    return current
