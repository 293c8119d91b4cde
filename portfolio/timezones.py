"""The time zone a user reads dates in: their own setting when there is one, else the site's."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings


def user_time_zone(user) -> ZoneInfo:
    """Return the user's chosen time zone, falling back to settings.TIME_ZONE."""
    try:
        # Per-user settings arrived alongside this helper; without them the site's zone is the
        # honest default, as it is for a user who never saved any.
        from portfolio.models import UserSettings
    except ImportError:
        return ZoneInfo(settings.TIME_ZONE)
    chosen = UserSettings.objects.filter(user=user).values_list("time_zone", flat=True).first()
    try:
        return ZoneInfo(chosen) if chosen else ZoneInfo(settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        # A zone the system's tz database no longer knows: show the site's rather than fail.
        return ZoneInfo(settings.TIME_ZONE)
