"""The settings form: what a user may choose about how their portfolio is shown."""

import zoneinfo
from functools import cache

from django import forms

from portfolio.models import BaseCurrency

# Rotation reminders beyond ten years would never fire in practice; a day is the least.
MAX_ROTATION_REMINDER_DAYS = 3650


@cache
def time_zone_choices() -> list[tuple[str, str]]:
    """Return the system's IANA time zones, sorted, skipping the legacy aliases' duplicates."""
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        # "posix/…" and "right/…" repeat every zone; "Etc/…" and bare "EST5EDT" style names
        # are offsets rather than places and only make the list longer.
        if "/" in name and not name.startswith(("posix/", "right/", "Etc/", "SystemV/"))
    )
    return [("UTC", "UTC")] + [(name, name.replace("_", " ")) for name in names]


class UserSettingsForm(forms.Form):
    """Base currency, time zone and key rotation reminder; saved by update_user_settings."""

    base_currency = forms.ChoiceField(
        label="Base currency",
        choices=[(code, f"{code} · {name}") for code, name in BaseCurrency.choices],
        help_text="Values, totals and the history are shown in this currency. Changing it "
        "rebuilds the history in the background.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone", help_text="Times of syncs, trades and transfers are shown in it."
    )
    rotation_reminder_days = forms.IntegerField(
        label="Remind me to replace a key after (days)",
        min_value=1,
        max_value=MAX_ROTATION_REMINDER_DAYS,
        help_text="The dashboard and the account page mark keys older than this.",
    )

    def __init__(self, *args, current_time_zone: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        choices = time_zone_choices()
        # A zone saved before the system's tz database dropped it stays selectable as it is.
        if current_time_zone and current_time_zone not in dict(choices):
            choices = [(current_time_zone, current_time_zone), *choices]
        self.fields["time_zone"].choices = choices
