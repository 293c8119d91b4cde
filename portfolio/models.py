"""The portfolio app's data: heartbeats, per-user settings, prices and the daily history."""

from django.conf import settings
from django.db import models

from portfolio.fields import AmountField


class Heartbeat(models.Model):
    """Last time a periodic task ran: proof that the scheduler enqueues and a worker executes."""

    name = models.CharField(max_length=64, unique=True)
    last_seen = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.last_seen:%Y-%m-%d %H:%M:%S}"


# --- Dashboard data: per-user settings, prices, and the daily history the worker computes ---


def default_time_zone() -> str:
    """Return the site's time zone, the default of a user who never chose one."""
    return settings.TIME_ZONE


def default_rotation_reminder_days() -> int:
    """Return the site's key rotation reminder, the default of a user who never chose one."""
    return settings.KEY_ROTATION_DAYS


def Amount(**kwargs) -> AmountField:  # noqa: N802 - a field factory, read like a type
    """Return the exact Decimal field used for amounts, prices and values (as in the sync)."""
    return AmountField(max_digits=48, decimal_places=18, **kwargs)


class BaseCurrency(models.TextChoices):
    """What a user's portfolio is valued in: a fiat currency, bitcoin, ether or tether."""

    USD = "USD", "US dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"
    CHF = "CHF", "Swiss franc"
    JPY = "JPY", "Japanese yen"
    CAD = "CAD", "Canadian dollar"
    AUD = "AUD", "Australian dollar"
    BTC = "BTC", "Bitcoin"
    ETH = "ETH", "Ether"
    USDT = "USDT", "Tether (USDT)"


class UserSettings(models.Model):
    """One user's own preferences; a user without a row has the site's defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio_settings"
    )
    base_currency = models.CharField(
        max_length=8, choices=BaseCurrency.choices, default=BaseCurrency.USD
    )
    time_zone = models.CharField(max_length=64, default=default_time_zone)
    rotation_reminder_days = models.PositiveIntegerField(default=default_rotation_reminder_days)

    class Meta:
        verbose_name_plural = "user settings"

    def __str__(self) -> str:
        return f"settings of user {self.user_id}"


class Price(models.Model):
    """The last price of one spot market on one exchange, as the worker last fetched it."""

    exchange_id = models.CharField(max_length=64)
    symbol = models.CharField(max_length=64)  # ccxt's unified symbol, e.g. BTC/USDT
    base = models.CharField(max_length=32)
    quote = models.CharField(max_length=32)
    last = Amount()
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exchange_id", "symbol"], name="price_unique_market")
        ]
        indexes = [models.Index(fields=["base", "quote"])]

    def __str__(self) -> str:
        return f"{self.symbol} {self.last} on {self.exchange_id}"


class DailyClose(models.Model):
    """A market's closing price on one UTC day (its daily candle's close)."""

    exchange_id = models.CharField(max_length=64)
    symbol = models.CharField(max_length=64)
    base = models.CharField(max_length=32)
    quote = models.CharField(max_length=32)
    day = models.DateField()
    close = Amount()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["exchange_id", "symbol", "day"], name="daily_close_unique"
            )
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.symbol} closed at {self.close} on {self.day} ({self.exchange_id})"


class HoldingDay(models.Model):
    """What one account held of one asset at the end of one UTC day (portfolio/history.py)."""

    class Source(models.TextChoices):
        SNAPSHOT = "snapshot", "Snapshot"  # a sync saw the balance that day
        RECONSTRUCTED = "reconstructed", "Reconstructed"  # worked back from trades/transfers

    account = models.ForeignKey(
        "exchanges.ExchangeAccount", on_delete=models.CASCADE, related_name="holding_days"
    )
    day = models.DateField()
    asset = models.CharField(max_length=32)
    amount = Amount()
    source = models.CharField(max_length=16, choices=Source.choices)
    # The reconstruction disagreed with that day's snapshot (the snapshot was used), or went
    # below zero: the history before this day may be incomplete.
    flagged = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day", "asset"], name="holding_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.asset} on {self.day}"


class PortfolioValueDay(models.Model):
    """A user's portfolio value at the end of one UTC day, in one base currency."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portfolio_value_days"
    )
    day = models.DateField()
    base_currency = models.CharField(max_length=8)
    value = Amount()  # of the priced assets only
    unpriced_assets = models.JSONField(default=list)  # held that day, but without a price
    flagged = models.BooleanField(default=False)  # some holding that day was flagged

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "day", "base_currency"], name="portfolio_value_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.value} {self.base_currency} on {self.day}"
