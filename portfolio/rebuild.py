"""The history rebuild: each account's holdings per day, the daily closes, and daily values.

The worker runs it (portfolio.tasks.rebuild_history) after every successful sync of one of
the user's accounts and once a day. It reads what the syncs stored, reconstructs each
account's days (portfolio/history.py), fetches the daily closes still missing, values every day
in the user's base currency (portfolio/valuation.py) and stores HoldingDay and
PortfolioValueDay rows. Only rows that changed are written, so a rebuild after a quiet sync
costs reads, not writes. Pages only ever read the stored rows.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Context, Decimal

from django.conf import settings
from django.db import transaction

from exchanges.models import ExchangeAccount
from exchanges.sync.models import Balance, BalanceSnapshot, Trade, Transfer
from portfolio import history, market_data
from portfolio.models import DailyClose, HoldingDay, PortfolioValueDay
from portfolio.selectors import accounts_visible_to, price_book, today_utc, user_settings
from portfolio.valuation import PriceBook, PricePoint, price_of, value_holdings

logger = logging.getLogger(__name__)

_MATH = Context(prec=100)
ZERO = Decimal(0)
BATCH = 1000
CHUNK = 2000


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild did. incomplete: some prices failed for a transient reason (retry)."""

    accounts: int
    holding_rows: int
    value_days: int
    incomplete: bool


def rebuild_history(user, *, today: date | None = None) -> RebuildResult:
    """Return what rebuilding the user's daily holdings and values did."""
    today = today or today_utc()
    currency = user_settings(user).base_currency
    accounts = list(accounts_visible_to(user).only("pk", "exchange_id"))
    rows = reconstruct_accounts(accounts, today)
    write_holdings([a.pk for a in accounts], rows)

    exchange_of = {a.pk: a.exchange_id for a in accounts}
    all_rows = [row for account_rows in rows.values() for row in account_rows]
    if not all_rows:
        PortfolioValueDay.objects.filter(user=user, base_currency=currency).delete()
        return RebuildResult(len(accounts), 0, 0, incomplete=False)
    held_on = _held_on(rows, exchange_of, today)
    first_held = _first_days(all_rows)

    # Current prices for every asset of the history (not only those held now), so the markets
    # that lead to the base currency are known; then the closes of those markets.
    exchanges = market_data.price_exchanges(exchange_of.values())
    report = market_data.refresh_prices(set(first_held), {currency}, exchanges)
    book_now = price_book(set(first_held), currency)
    needed: dict[tuple[str, str], date] = {}
    for asset, first_day in first_held.items():
        price = price_of(
            asset,
            currency,
            book_now,
            held_on=held_on.get(asset, ()),
            pricing_exchanges=settings.PRICING_EXCHANGES,
        )
        for leg in price.legs if price else ():
            key = (leg.exchange_id, leg.symbol)
            needed[key] = min(first_day, needed.get(key, first_day))
    closes_report = market_data.ensure_daily_closes(needed, today - timedelta(days=1))

    totals, flagged = history.daily_totals(all_rows)
    first = min(totals)
    books = _daily_books(needed, first)
    values = {}
    for day in history.days_between(first, today):
        valued = value_holdings(
            totals.get(day, {}),
            currency,
            book_now if day == today else books.get(day, PriceBook(())),
            held_on=held_on,
            pricing_exchanges=settings.PRICING_EXCHANGES,
        )
        values[day] = (valued.value, list(valued.unpriced), day in flagged)
    write_values(user, currency, values)
    return RebuildResult(
        accounts=len(accounts),
        holding_rows=len(all_rows),
        value_days=len(values),
        incomplete=report.transient or closes_report.transient,
    )


def reconstruct_accounts(
    accounts: Iterable[ExchangeAccount], today: date
) -> dict[int, list[history.DayHolding]]:
    """Return each account's reconstructed days, from its balances, records and snapshots."""
    ids = [a.pk for a in accounts]
    current: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for account_id, asset, total in (
        Balance.objects.filter(account_id__in=ids)
        .order_by()
        .values_list("account_id", "asset", "total")
    ):
        held = current[account_id]
        held[asset] = _MATH.add(held.get(asset, ZERO), total)

    movements: dict[int, list[history.Movement]] = defaultdict(list)
    trades = (
        Trade.objects.filter(account_id__in=ids)
        .order_by()
        .values_list(
            "account_id",
            "side",
            "base",
            "quote",
            "amount",
            "cost",
            "fee",
            "fee_currency",
            "timestamp",
        )
    )
    for account_id, side, base, quote, amount, cost, fee, fee_currency, at in trades.iterator(
        chunk_size=CHUNK
    ):
        movements[account_id].append(
            history.trade_movement(
                side=side,
                base=base,
                quote=quote,
                amount=amount,
                cost=cost,
                fee=fee,
                fee_currency=fee_currency,
                at=at,
            )
        )
    transfers = (
        Transfer.objects.filter(account_id__in=ids)
        .order_by()
        .values_list(
            "account_id", "kind", "asset", "amount", "fee", "fee_currency", "status", "timestamp"
        )
    )
    for account_id, kind, asset, amount, fee, fee_currency, status, at in transfers.iterator(
        chunk_size=CHUNK
    ):
        if not history.transfer_counts(kind, status):
            continue
        if kind == Transfer.Kind.DEPOSIT:
            movement = history.deposit_movement(asset=asset, amount=amount, at=at)
        else:
            movement = history.withdrawal_movement(
                asset=asset, amount=amount, fee=fee, fee_currency=fee_currency, at=at
            )
        movements[account_id].append(movement)

    seen: dict[int, dict[date, tuple[datetime, dict[str, Decimal]]]] = defaultdict(dict)
    for account_id, day, taken_at, asset, total in (
        BalanceSnapshot.objects.filter(account_id__in=ids)
        .order_by()
        .values_list("account_id", "day", "taken_at", "asset", "total")
        .iterator(chunk_size=CHUNK)
    ):
        at, totals = seen[account_id].setdefault(day, (taken_at, {}))
        totals[asset] = total
        if taken_at > at:
            seen[account_id][day] = (taken_at, totals)

    return {
        account_id: history.reconstruct(
            current.get(account_id, {}),
            movements.get(account_id, []),
            [
                history.Snapshot(day, at, totals)
                for day, (at, totals) in seen.get(account_id, {}).items()
            ],
            today,
        )
        for account_id in ids
    }


def write_holdings(account_ids: list[int], rows: Mapping[int, list[history.DayHolding]]) -> None:
    """Store the accounts' days: insert, update and delete only what changed."""
    wanted = {
        (account_id, row.day, row.asset): (row.amount, row.source, row.flagged)
        for account_id, account_rows in rows.items()
        for row in account_rows
    }
    existing = {
        (account_id, day, asset): (pk, (amount, source, flagged))
        for pk, account_id, day, asset, amount, source, flagged in HoldingDay.objects.filter(
            account_id__in=account_ids
        ).values_list("pk", "account_id", "day", "asset", "amount", "source", "flagged")
    }
    create, update = [], []
    for key, (amount, source, flagged) in wanted.items():
        found = existing.get(key)
        if found is None:
            create.append(
                HoldingDay(
                    account_id=key[0],
                    day=key[1],
                    asset=key[2],
                    amount=amount,
                    source=source,
                    flagged=flagged,
                )
            )
        elif found[1] != (amount, source, flagged):
            update.append(HoldingDay(pk=found[0], amount=amount, source=source, flagged=flagged))
    stale = [pk for key, (pk, _) in existing.items() if key not in wanted]
    with transaction.atomic():
        HoldingDay.objects.bulk_create(create, batch_size=BATCH)
        HoldingDay.objects.bulk_update(update, ["amount", "source", "flagged"], batch_size=BATCH)
        for start in range(0, len(stale), BATCH):
            HoldingDay.objects.filter(pk__in=stale[start : start + BATCH]).delete()


def write_values(
    user, currency: str, values: Mapping[date, tuple[Decimal, list[str], bool]]
) -> None:
    """Store the user's daily values in currency: insert, update and delete what changed."""
    existing = {
        day: (pk, (value, unpriced, flagged))
        for pk, day, value, unpriced, flagged in PortfolioValueDay.objects.filter(
            user=user, base_currency=currency
        ).values_list("pk", "day", "value", "unpriced_assets", "flagged")
    }
    create, update = [], []
    for day, (value, unpriced, flagged) in values.items():
        found = existing.get(day)
        if found is None:
            create.append(
                PortfolioValueDay(
                    user=user,
                    day=day,
                    base_currency=currency,
                    value=value,
                    unpriced_assets=unpriced,
                    flagged=flagged,
                )
            )
        elif found[1] != (value, unpriced, flagged):
            update.append(
                PortfolioValueDay(
                    pk=found[0], value=value, unpriced_assets=unpriced, flagged=flagged
                )
            )
    stale = [pk for day, (pk, _) in existing.items() if day not in values]
    with transaction.atomic():
        PortfolioValueDay.objects.bulk_create(create, batch_size=BATCH)
        PortfolioValueDay.objects.bulk_update(
            update, ["value", "unpriced_assets", "flagged"], batch_size=BATCH
        )
        PortfolioValueDay.objects.filter(pk__in=stale).delete()


def _held_on(
    rows: Mapping[int, list[history.DayHolding]], exchange_of: Mapping[int, str], today: date
) -> dict[str, list[str]]:
    """Return, per asset, the exchanges it was held on: most held today first (as the page)."""
    today_amount: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for account_id, account_rows in rows.items():
        for row in account_rows:
            key = (row.asset, exchange_of[account_id])
            amount = row.amount if row.day == today else ZERO
            today_amount[key] = _MATH.add(today_amount[key], amount)
    held_on: dict[str, list[str]] = defaultdict(list)
    for (asset, exchange_id), _amount in sorted(
        today_amount.items(), key=lambda item: (-item[1], item[0][1])
    ):
        held_on[asset].append(exchange_id)
    return dict(held_on)


def _first_days(rows: Iterable[history.DayHolding]) -> dict[str, date]:
    first: dict[str, date] = {}
    for row in rows:
        if row.amount and (row.asset not in first or row.day < first[row.asset]):
            first[row.asset] = row.day
    return first


def _daily_books(needed: Iterable[tuple[str, str]], first: date) -> dict[date, PriceBook]:
    """Return a book of each day's closes, as of the end of that day."""
    needed = set(needed)
    points: dict[date, list[PricePoint]] = defaultdict(list)
    rows = (
        DailyClose.objects.filter(
            exchange_id__in={e for e, _ in needed},
            symbol__in={s for _, s in needed},
            day__gte=first,
        )
        .values_list("exchange_id", "symbol", "base", "quote", "day", "close")
        .iterator(chunk_size=CHUNK)
    )
    for exchange_id, symbol, base, quote, day, close in rows:
        if (exchange_id, symbol) in needed:
            end_of_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
            points[day].append(PricePoint(exchange_id, symbol, base, quote, close, end_of_day))
    return {day: PriceBook(day_points) for day, day_points in points.items()}
