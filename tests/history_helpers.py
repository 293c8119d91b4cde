"""Accounts, trades and transfers made directly in the database, for the history tests."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from exchanges.models import ExchangeAccount
from exchanges.sync.models import Balance, Trade, Transfer

T0 = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)


def make_account(owner, label: str = "Main", exchange_id: str = "binance") -> ExchangeAccount:
    """Return a saved account; history pages never need its (absent) key."""
    n = next(_ids)
    return ExchangeAccount.objects.create(
        owner=owner,
        exchange_id=exchange_id,
        label=label,
        encrypted_credentials="",
        key_fingerprint=f"K{n}",
        key_hash=f"hash-{n}",
    )


def make_trade(
    account: ExchangeAccount,
    market: str = "BTC/USDT",
    side: str = "buy",
    amount: str = "1",
    price: str = "100",
    cost: str | None = None,
    when: datetime = T0,
    fee: str | None = "0.1",
    **fields,
) -> Trade:
    """Return a saved trade; cost defaults to the exact price × amount."""
    base, quote = market.split("/")
    cost = cost if cost is not None else str(Decimal(price) * Decimal(amount))
    return Trade.objects.create(
        account=account,
        trade_id=fields.pop("trade_id", f"t{next(_ids)}"),
        order_id=fields.pop("order_id", ""),
        market=market,
        base=base,
        quote=quote,
        side=side,
        price=Decimal(price),
        amount=Decimal(amount),
        cost=Decimal(cost),
        fee=Decimal(fee) if fee is not None else None,
        fee_currency=fields.pop("fee_currency", quote if fee is not None else ""),
        timestamp=when,
        **fields,
    )


def make_trades(account: ExchangeAccount, count: int, **fields) -> list[Trade]:
    """Return count saved trades, one minute apart, the newest at T0."""
    return [make_trade(account, when=T0 - timedelta(minutes=i), **fields) for i in range(count)]


def make_transfer(
    account: ExchangeAccount,
    kind: str = "deposit",
    asset: str = "BTC",
    amount: str = "1",
    fee: str | None = None,
    status: str = "ok",
    when: datetime = T0,
    **fields,
) -> Transfer:
    """Return a saved deposit or withdrawal."""
    return Transfer.objects.create(
        account=account,
        kind=kind,
        transfer_id=fields.pop("transfer_id", f"x{next(_ids)}"),
        asset=asset,
        amount=Decimal(amount),
        fee=Decimal(fee) if fee is not None else None,
        fee_currency=fields.pop("fee_currency", asset if fee is not None else ""),
        status=status,
        timestamp=when,
        **fields,
    )


def make_balance(account, asset, total, free=None, used=None, account_type="spot") -> Balance:
    """Return a saved current balance."""
    return Balance.objects.create(
        account=account,
        asset=asset,
        account_type=account_type,
        total=Decimal(total),
        free=Decimal(free) if free is not None else None,
        used=Decimal(used) if used is not None else None,
    )
