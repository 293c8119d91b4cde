"""Building the rows the dashboard's data layer reads: accounts, balances, records, prices."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from exchanges.models import ExchangeAccount
from exchanges.sync.models import Balance, BalanceSnapshot, Trade, Transfer
from portfolio.models import DailyClose, Price

_serial = itertools.count(1)


def make_account(owner, exchange_id: str = "binance", label: str = "Main") -> ExchangeAccount:
    """Return a connected account without a usable key (these tests never sync it)."""
    n = next(_serial)
    return ExchangeAccount.objects.create(
        owner=owner,
        exchange_id=exchange_id,
        label=label,
        encrypted_credentials="not-a-real-token",
        key_fingerprint=f"key{n}",
        key_hash=f"hash-{n}",
    )


def set_balances(account: ExchangeAccount, totals: dict[str, str], account_type="spot") -> None:
    """Store the account's current balances of one type."""
    Balance.objects.filter(account=account, account_type=account_type).delete()
    Balance.objects.bulk_create(
        Balance(account=account, account_type=account_type, asset=a, total=Decimal(t))
        for a, t in totals.items()
    )


def snapshot(account: ExchangeAccount, day: date, totals: dict[str, str], hour: int = 23) -> None:
    """Store what a sync saw on a day."""
    taken_at = datetime.combine(day, time(hour), tzinfo=UTC)
    BalanceSnapshot.objects.bulk_create(
        BalanceSnapshot(account=account, day=day, asset=a, total=Decimal(t), taken_at=taken_at)
        for a, t in totals.items()
    )


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def trade(account, day, market, side, amount, price, fee="0", fee_currency="", hour=12) -> Trade:
    base, quote = market.split("/")
    n = next(_serial)
    return Trade.objects.create(
        account=account,
        trade_id=str(n),
        market=market,
        base=base,
        quote=quote,
        side=side,
        price=Decimal(price),
        amount=Decimal(amount),
        cost=Decimal(amount) * Decimal(price),
        fee=Decimal(fee),
        fee_currency=fee_currency,
        timestamp=at(day, hour),
    )


def transfer(account, day, kind, asset, amount, fee=None, status="ok", hour=12) -> Transfer:
    n = next(_serial)
    return Transfer.objects.create(
        account=account,
        kind=kind,
        transfer_id=f"t{n}",
        asset=asset,
        amount=Decimal(amount),
        fee=Decimal(fee) if fee is not None else None,
        fee_currency=asset if fee is not None else "",
        status=status,
        timestamp=at(day, hour),
    )


def price(exchange_id: str, symbol: str, last: str, age: timedelta = timedelta(0)) -> Price:
    base, quote = symbol.split("/")
    return Price.objects.update_or_create(
        exchange_id=exchange_id,
        symbol=symbol,
        defaults={
            "base": base,
            "quote": quote,
            "last": Decimal(last),
            "fetched_at": timezone.now() - age,
        },
    )[0]


def close(exchange_id: str, symbol: str, day: date, value: str) -> DailyClose:
    base, quote = symbol.split("/")
    return DailyClose.objects.create(
        exchange_id=exchange_id, symbol=symbol, base=base, quote=quote, day=day, close=value
    )
