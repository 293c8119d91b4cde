"""Writes of the portfolio app."""

from django.utils import timezone

from portfolio.models import Heartbeat


def record_heartbeat(name: str) -> None:
    """Store now as the last time the named heartbeat was seen."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_seen": timezone.now()})
