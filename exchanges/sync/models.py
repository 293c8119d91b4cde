"""What a sync stores: balances, their daily snapshots, trades, transfers, cursors and runs.

Amounts are Decimal with 18 decimal places and 30 integer digits: enough for any exchange's
own string, digit for digit (wei-denominated tokens included). Uniqueness is on the exchange's
own ids, scoped per account, so a re-run over the same data changes nothing.
"""

from django.db import models
from django.utils import timezone

from exchanges.models import ExchangeAccount
from portfolio.fields import AmountField


def Amount(**kwargs) -> AmountField:  # noqa: N802 - a field factory, read like a type
    """Return the exact Decimal field used for every amount, price and fee."""
    return AmountField(max_digits=48, decimal_places=18, **kwargs)


class Balance(models.Model):
    """The current balance of one asset in one account type (spot, funding, …)."""

    account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="balances")
    account_type = models.CharField(max_length=32, default="spot")
    asset = models.CharField(max_length=32)
    free = Amount(null=True, blank=True)
    used = Amount(null=True, blank=True)
    total = Amount()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "account_type", "asset"], name="sync_balance_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.total} {self.asset} ({self.account_type})"


class BalanceSnapshot(models.Model):
    """An asset's total across the account's types on one day (the last sync of the day wins)."""

    account = models.ForeignKey(
        ExchangeAccount, on_delete=models.CASCADE, related_name="balance_snapshots"
    )
    day = models.DateField()
    asset = models.CharField(max_length=32)
    total = Amount()
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "day", "asset"], name="sync_snapshot_unique")
        ]
        indexes = [models.Index(fields=["account", "day"])]

    def __str__(self) -> str:
        return f"{self.total} {self.asset} on {self.day}"


class Trade(models.Model):
    """One own trade, with the exchange's raw record kept for audit and re-parsing."""

    class Side(models.TextChoices):
        BUY = "buy", "Buy"
        SELL = "sell", "Sell"

    # No index of its own: the unique (account, market, trade_id) below starts with it, and
    # every index is paid for on each of the many rows a sync writes.
    account = models.ForeignKey(
        ExchangeAccount, on_delete=models.CASCADE, related_name="trades", db_index=False
    )
    trade_id = models.CharField(max_length=128)
    order_id = models.CharField(max_length=128, blank=True)
    market = models.CharField(max_length=64)  # unified symbol, e.g. BTC/USDT
    base = models.CharField(max_length=32)
    quote = models.CharField(max_length=32)
    side = models.CharField(max_length=4, choices=Side.choices)
    price = Amount()
    amount = Amount()
    cost = Amount()
    fee = Amount(null=True, blank=True)
    fee_currency = models.CharField(max_length=32, blank=True)
    taker_or_maker = models.CharField(max_length=5, blank=True)
    timestamp = models.DateTimeField()
    raw = models.JSONField(default=dict)

    class Meta:
        constraints = [
            # Binance's trade ids are unique per market only, hence the market in the key.
            models.UniqueConstraint(
                fields=["account", "market", "trade_id"], name="sync_trade_unique"
            )
        ]
        indexes = [
            models.Index(fields=["account", "timestamp"]),
            # The history pages list every account's trades newest first: without this the
            # database sorts the whole history to show fifty rows.
            models.Index(fields=["-timestamp", "-id"], name="sync_trade_newest_first"),
            # No (account, base) or (account, quote) index: the assets an account traded are
            # read from its distinct markets (the unique index), and the history pages'
            # case-insensitive asset filter could not use one.
        ]
        ordering = ["-timestamp", "-pk"]

    def __str__(self) -> str:
        return f"{self.side} {self.amount} {self.market} @ {self.price}"


class Transfer(models.Model):
    """A deposit or a withdrawal; a pending one is updated in place when it completes."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit", "Deposit"
        WITHDRAWAL = "withdrawal", "Withdrawal"

    account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="transfers")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    transfer_id = models.CharField(max_length=128)
    asset = models.CharField(max_length=32)
    amount = Amount()
    fee = Amount(null=True, blank=True)
    fee_currency = models.CharField(max_length=32, blank=True)
    network = models.CharField(max_length=64, blank=True)
    txid = models.CharField(max_length=256, blank=True)
    status = models.CharField(max_length=16)  # ccxt's: pending, ok, failed, canceled
    timestamp = models.DateTimeField()
    updated_at = models.DateTimeField(default=timezone.now)
    raw = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "transfer_id"], name="sync_transfer_unique"
            )
        ]
        indexes = [
            models.Index(fields=["account", "timestamp"]),
            models.Index(fields=["-timestamp", "-id"], name="sync_transfer_newest_first"),
        ]
        ordering = ["-timestamp", "-pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.asset} ({self.status})"


class SyncCursor(models.Model):
    """Where a stream (and market) resumes; saved in the same transaction as its rows."""

    account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="cursors")
    stream = models.CharField(max_length=32)
    market = models.CharField(max_length=64, blank=True, default="")
    position = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "stream", "market"], name="sync_cursor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.market} at {self.position}".replace("  ", " ")


class TrackedMarket(models.Model):
    """A market whose trades the owner wants synced although no balance points at it."""

    account = models.ForeignKey(
        ExchangeAccount, on_delete=models.CASCADE, related_name="tracked_markets"
    )
    market = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "market"], name="sync_tracked_unique")
        ]

    def __str__(self) -> str:
        return self.market


class SyncRun(models.Model):
    """One sync of one account: when, how it ended, what it added, and its live progress."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        RETRYING = "retrying", "Will retry"
        SUSPENDED = "suspended", "Key suspended"
        SKIPPED = "skipped", "Skipped"

    account = models.ForeignKey(ExchangeAccount, on_delete=models.CASCADE, related_name="sync_runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    counts = models.JSONField(default=dict)  # new records per stream
    requests = models.PositiveIntegerField(default=0)
    progress = models.CharField(max_length=200, blank=True)  # "trades: markets 12 of 40"
    error_class = models.CharField(max_length=64, blank=True)
    message = models.TextField(blank=True)  # for a person: never a secret or a raw body

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["account", "-started_at"])]

    def __str__(self) -> str:
        when = f"{self.started_at:%Y-%m-%d %H:%M}"
        return f"sync of account {self.account_id} at {when} {self.status}"
