"""CSV rows of trades, transfers and holdings: the one place both the web exports and
`manage.py export_history` take them from.

Rows are produced one at a time from `.iterator(chunk_size=…)`, so an export of any size
keeps memory flat. Amounts are exact decimal text, timestamps ISO 8601 in UTC.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import QuerySet

from exchanges.sync.models import Balance, Trade, Transfer
from portfolio.amounts import plain_decimal
from portfolio.history_selectors import CHUNK_SIZE

TRADE_HEADER = (
    "timestamp_utc",
    "account",
    "exchange",
    "market",
    "base",
    "quote",
    "side",
    "price",
    "amount",
    "cost",
    "fee",
    "fee_currency",
    "taker_or_maker",
    "trade_id",
    "order_id",
)
TRANSFER_HEADER = (
    "timestamp_utc",
    "account",
    "exchange",
    "type",
    "asset",
    "amount",
    "fee",
    "fee_currency",
    "network",
    "status",
    "txid",
    "transfer_id",
)
HOLDING_HEADER = ("account", "exchange", "asset", "account_type", "free", "used", "total")

# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def utc_timestamp(moment: datetime) -> str:
    """Return an aware datetime as ISO 8601 in UTC, e.g. 2023-11-14T22:13:20Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def exact(value: Decimal | None) -> str:
    """Return an amount as exact decimal text, or "" when there is none."""
    return "" if value is None else plain_decimal(value)


def text(value: str) -> str:
    """Return a text cell that a spreadsheet shows as text, never evaluates as a formula."""
    # Labels are typed by people and ids come from exchanges; neither should run as code.
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def trade_row(trade: Trade) -> list[str]:
    """Return one trade as CSV cells, in TRADE_HEADER's order."""
    return [
        utc_timestamp(trade.timestamp),
        text(trade.account.label),
        trade.account.exchange_id,
        text(trade.market),
        text(trade.base),
        text(trade.quote),
        trade.side,
        exact(trade.price),
        exact(trade.amount),
        exact(trade.cost),
        exact(trade.fee),
        text(trade.fee_currency),
        trade.taker_or_maker,
        text(trade.trade_id),
        text(trade.order_id),
    ]


def transfer_row(transfer: Transfer) -> list[str]:
    """Return one deposit or withdrawal as CSV cells, in TRANSFER_HEADER's order."""
    return [
        utc_timestamp(transfer.timestamp),
        text(transfer.account.label),
        transfer.account.exchange_id,
        transfer.kind,
        text(transfer.asset),
        exact(transfer.amount),
        exact(transfer.fee),
        text(transfer.fee_currency),
        text(transfer.network),
        text(transfer.status),
        text(transfer.txid),
        text(transfer.transfer_id),
    ]


def holding_row(balance: Balance) -> list[str]:
    """Return one current balance as CSV cells, in HOLDING_HEADER's order."""
    return [
        text(balance.account.label),
        balance.account.exchange_id,
        text(balance.asset),
        text(balance.account_type),
        exact(balance.free),
        exact(balance.used),
        exact(balance.total),
    ]


def trade_rows(trades: QuerySet[Trade]) -> Iterator[list[str]]:
    """Return the header, then each trade's cells, read in chunks."""
    yield list(TRADE_HEADER)
    for trade in trades.iterator(chunk_size=CHUNK_SIZE):
        yield trade_row(trade)


def transfer_rows(transfers: QuerySet[Transfer]) -> Iterator[list[str]]:
    """Return the header, then each transfer's cells, read in chunks."""
    yield list(TRANSFER_HEADER)
    for transfer in transfers.iterator(chunk_size=CHUNK_SIZE):
        yield transfer_row(transfer)


def holding_rows(balances: QuerySet[Balance]) -> Iterator[list[str]]:
    """Return the header, then each balance's cells, read in chunks."""
    yield list(HOLDING_HEADER)
    for balance in balances.iterator(chunk_size=CHUNK_SIZE):
        yield holding_row(balance)


class _Line:
    """A file-like object whose write() hands back the line csv.writer formatted."""

    def write(self, line: str) -> str:
        return line


def csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    """Return each row as one CSV line (RFC 4180: quoted as needed, CRLF-terminated)."""
    writer = csv.writer(_Line())
    for row in rows:
        yield writer.writerow(row)
