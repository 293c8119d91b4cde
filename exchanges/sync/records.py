"""Our own record types, made from ccxt's unified structures at the boundary.

The client runs ccxt with `number = str`, so amounts arrive as the exchange's own strings and
become Decimal here without ever passing through float.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from exchanges.errors import MalformedAnswer

# Decimal arithmetic rounds to 28 significant digits by default; amounts have up to 48 (30
# integer and 18 decimal places), so sums and products are made with room to spare.
EXACT_DIGITS = 100
exact = Context(prec=EXACT_DIGITS)


def to_decimal(value: Any, *, required: bool = True) -> Decimal | None:
    """Return value as an exact Decimal; a float is refused, since it is already rounded."""
    # A non-empty str (ccxt with number=str, four a trade) goes straight to the parse below.
    if type(value) is not str or not value:
        if value is None or value == "":
            if required:
                raise MalformedAnswer("The exchange left out an amount Porthole needs.")
            return None
        if isinstance(value, Decimal):
            return value
        # JSON numbers reach us as floats only from exchanges that send numbers, not strings;
        # repr() is the shortest text that round-trips, i.e. what the exchange wrote.
        value = repr(value) if isinstance(value, float) else str(value)
    try:
        result = Decimal(value)
    except InvalidOperation:
        raise MalformedAnswer("The exchange sent an amount that is not a number.") from None
    if not result.is_finite():
        raise MalformedAnswer("The exchange sent an amount that is not a number.")
    return result


def to_datetime(milliseconds: Any) -> datetime:
    """Return a UTC datetime for ccxt's millisecond timestamp."""
    if milliseconds is None:
        raise MalformedAnswer("The exchange left out a timestamp.")
    return datetime.fromtimestamp(int(milliseconds) / 1000, UTC)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class BalanceRecord:
    asset: str
    total: Decimal
    free: Decimal | None
    used: Decimal | None
    account_type: str = "spot"


# Not frozen: a sync makes one record per trade, and a frozen dataclass's __init__ costs
# three times a plain one's (1.7 µs more per record, measured). Records are never changed.
@dataclass(slots=True)
class TradeRecord:
    trade_id: str
    order_id: str
    market: str
    base: str
    quote: str
    side: str
    price: Decimal
    amount: Decimal
    cost: Decimal
    fee: Decimal | None
    fee_currency: str
    taker_or_maker: str
    timestamp: datetime
    timestamp_ms: int
    raw: dict = field(default_factory=dict, compare=False)


@dataclass(slots=True)
class TransferRecord:
    kind: str  # deposit | withdrawal
    transfer_id: str
    asset: str
    amount: Decimal
    fee: Decimal | None
    fee_currency: str
    network: str
    txid: str
    status: str
    timestamp: datetime
    timestamp_ms: int
    raw: dict = field(default_factory=dict, compare=False)


def balances_from_ccxt(balance: dict, account_type: str) -> list[BalanceRecord]:
    """Return the non-zero balances of one ccxt balance structure."""
    totals = balance.get("total") or {}
    free = balance.get("free") or {}
    used = balance.get("used") or {}
    records = []
    for asset, total in totals.items():
        amount = to_decimal(total, required=False)
        if amount is None or amount == 0:
            continue
        records.append(
            BalanceRecord(
                asset=asset,
                total=amount,
                free=to_decimal(free.get(asset), required=False),
                used=to_decimal(used.get(asset), required=False),
                account_type=account_type,
            )
        )
    return records


def market_assets(symbol: str) -> tuple[str, str]:
    """Return the base and quote asset of a ccxt market symbol ("BTC/USDT", "BTC/USDT:USDT")."""
    base, _, quote = symbol.partition("/")
    return base, quote.partition(":")[0]


def trade_from_ccxt(trade: dict) -> TradeRecord:
    """Return our record of one ccxt unified trade."""
    trade_id = trade.get("id")
    if trade_id is None or trade_id == "":
        raise MalformedAnswer("The exchange sent a trade without an id.")
    symbol = trade.get("symbol") or ""
    base, quote = market_assets(symbol)
    fee = trade.get("fee") or {}
    price = to_decimal(trade.get("price"))
    amount = to_decimal(trade.get("amount"))
    cost = to_decimal(trade.get("cost"), required=False)
    milliseconds = trade.get("timestamp")
    # Positional, in TradeRecord's field order: keywords cost 0.8 µs more per trade.
    return TradeRecord(
        str(trade_id),
        _text(trade.get("order")),
        symbol,  # market
        base,
        quote,
        _text(trade.get("side")),
        price,
        amount,
        cost if cost is not None else exact.multiply(price, amount),
        to_decimal(fee.get("cost"), required=False),
        _text(fee.get("currency")),
        _text(trade.get("takerOrMaker")),
        to_datetime(milliseconds),
        int(milliseconds),
        trade.get("info") or {},  # raw
    )


def transfer_from_ccxt(transaction: dict, kind: str) -> TransferRecord:
    """Return our record of one ccxt unified deposit or withdrawal."""
    if transaction.get("id") in (None, ""):
        raise MalformedAnswer("The exchange sent a deposit or withdrawal without an id.")
    fee = transaction.get("fee") or {}
    return TransferRecord(
        kind=kind,
        transfer_id=str(transaction["id"]),
        asset=_text(transaction.get("currency")),
        amount=to_decimal(transaction.get("amount")),
        fee=to_decimal(fee.get("cost"), required=False),
        fee_currency=_text(fee.get("currency")),
        network=_text(transaction.get("network")),
        txid=_text(transaction.get("txid")),
        status=_text(transaction.get("status")) or "unknown",
        timestamp=to_datetime(transaction.get("timestamp")),
        timestamp_ms=int(transaction["timestamp"]),
        raw=transaction.get("info") or {},
    )
