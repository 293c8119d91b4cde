"""Reads for the dashboard: holdings, value history, changes, allocations and the account strip.

Rules every selector here keeps:
- It takes the user and reads only the accounts accounts_visible_to(user) returns (today the
  user's own; sharing will widen that one helper, nothing else).
- It never calls an exchange: prices are the Price rows the worker refreshes, and the history
  is the PortfolioValueDay rows the worker rebuilds (portfolio/tasks.py).
- Its query count does not grow with the data: a fixed handful of queries, then Decimal sums
  in Python (amounts are text on SQLite, so they are never summed in SQL).
- Values are in the user's base currency. An asset without a price has value None, is listed
  in `unpriced_assets` and is left out of totals and shares; it is never counted as zero.

Query counts: holdings 3, allocation_by_asset 3, allocation_by_exchange 3, changes 4,
value_history 2, account_strip 2; passing `of=` a Holdings already read saves its 3.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Context, Decimal
from typing import NamedTuple

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from exchanges.catalog import exchange_name
from exchanges.models import ExchangeAccount
from exchanges.selectors import accounts_of, key_rotation_due
from exchanges.sync.models import Balance, SyncRun
from portfolio.models import PortfolioValueDay, Price, UserSettings
from portfolio.valuation import (
    BRIDGES,
    AssetPrice,
    PriceBook,
    PricePoint,
    price_of,
    share_of,
    total_of,
    value_of,
)

_MATH = Context(prec=100)
ZERO = Decimal(0)
CHANGE_PERIODS = {"24h": 1, "7d": 7, "30d": 30}


# --- Scope and settings ---------------------------------------------------------------------


def accounts_visible_to(user) -> QuerySet[ExchangeAccount]:
    """Return the exchange accounts the user may see on the dashboard: their own.

    Every selector and the history rebuild go through this one function, so sharing
    accounts with other users only has to change it.
    """
    return accounts_of(user)


def user_settings(user) -> UserSettings:
    """Return the user's settings, or unsaved site defaults when they never chose any."""
    found = UserSettings.objects.filter(user=user).first()
    return found if found is not None else UserSettings(user=user)


def today_utc() -> date:
    """Return today's UTC day: the days of the history are UTC days (daily candles)."""
    return timezone.now().date()


# --- Holdings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountAmount:
    """How much of an asset one account holds (all its balance types summed)."""

    account_id: int
    label: str
    exchange_id: str
    amount: Decimal


@dataclass(frozen=True)
class HoldingRow:
    """One asset across the visible accounts.

    price/value are in the base currency and None when no market prices the asset (price is
    rounded to 18 decimal places for display; price_detail is the exact AssetPrice). price_age
    is how old the price is (None for the base currency itself); stale when older than
    settings.PRICE_STALE_AFTER. share is value / total_value (0.25 = a quarter), None when
    unpriced. route names the markets the price came from, e.g. ("binance ETH/USDT",
    "kraken USDT/USD"), empty for the base currency itself.
    """

    asset: str
    amount: Decimal
    price: Decimal | None
    price_as_of: datetime | None
    price_age: timedelta | None
    stale: bool
    value: Decimal | None
    share: Decimal | None
    accounts: tuple[AccountAmount, ...]
    route: tuple[str, ...]
    price_detail: AssetPrice | None = field(default=None, repr=False)

    @property
    def priced(self) -> bool:
        """Return whether the asset has a price."""
        return self.price is not None


@dataclass(frozen=True)
class Holdings:
    """What the user holds now, valued in their base currency.

    rows: priced assets by value (largest first), then unpriced ones by name. Amounts are the
    Balance rows (every account type summed) of every visible account, whatever its status: a
    suspended account's last known balances still count.
    total_value: the sum of the priced rows only; unpriced_assets names the others, for a note
    such as "not included: XYZ (no price)". stale_assets have a price older than
    settings.PRICE_STALE_AFTER (still counted, shown with their age). now: when it was read.
    """

    base_currency: str
    rows: tuple[HoldingRow, ...]
    total_value: Decimal
    unpriced_assets: tuple[str, ...]
    stale_assets: tuple[str, ...]
    now: datetime

    def row(self, asset: str) -> HoldingRow | None:
        """Return the row of one asset, if held."""
        return next((row for row in self.rows if row.asset == asset), None)


def price_book(assets: set[str], currency: str) -> PriceBook:
    """Return the stored current prices of the markets that can value these assets."""
    relevant = assets | set(BRIDGES) | {currency}
    rows = Price.objects.filter(base__in=relevant, quote__in=relevant).values_list(
        "exchange_id", "symbol", "base", "quote", "last", "fetched_at"
    )
    return PriceBook(PricePoint(*row) for row in rows)


def _route(price: AssetPrice | None) -> tuple[str, ...]:
    return tuple(f"{leg.exchange_id} {leg.symbol}" for leg in price.legs) if price else ()


BALANCE_ROW = ("account_id", "account__label", "account__exchange_id", "asset", "total")
BALANCE_ORDER = ("account__exchange_id", "account__label", "account_id")


def holdings(user, *, currency: str | None = None) -> Holdings:
    """Return the user's current holdings from their balances, priced from stored prices.

    currency values them in another base currency than the user's own (the household view
    values everyone's holdings in the viewer's, so they can be added up).
    """
    currency = currency or user_settings(user).base_currency
    balances = (
        Balance.objects.filter(account__in=accounts_visible_to(user))
        .order_by(*BALANCE_ORDER)
        .values_list(*BALANCE_ROW)
    )
    return holdings_from(balances, currency)


def holdings_from(balances, currency: str, book: PriceBook | None = None) -> Holdings:
    """Return holdings from BALANCE_ROW tuples (in BALANCE_ORDER), valued in currency.

    Pass `book` to price several people's balances from one read of the prices (household).
    """
    now = timezone.now()
    per_account: dict[str, dict[int, AccountAmount]] = defaultdict(dict)
    for account_id, label, exchange_id, asset, total in balances:
        held = per_account[asset].get(account_id)
        amount = total if held is None else _MATH.add(held.amount, total)
        per_account[asset][account_id] = AccountAmount(account_id, label, exchange_id, amount)
    if book is None:
        book = price_book(set(per_account), currency)

    priced: list[tuple[str, Decimal, AssetPrice | None, Decimal | None, tuple]] = []
    for asset, by_account in per_account.items():
        accounts = tuple(sorted(by_account.values(), key=lambda a: (-a.amount, a.account_id)))
        amount = total_of(a.amount for a in accounts)
        if not amount:
            continue
        # The exchange holding most of the asset is asked first for its price.
        held_on = list(dict.fromkeys(a.exchange_id for a in accounts))
        price = price_of(
            asset,
            currency,
            book,
            held_on=held_on,
            pricing_exchanges=settings.PRICING_EXCHANGES,
        )
        priced.append((asset, amount, price, value_of(amount, price), accounts))
    total = total_of(value for *_, value, _ in priced)

    rows = []
    for asset, amount, price, value, accounts in priced:
        rows.append(
            HoldingRow(
                asset=asset,
                amount=amount,
                price=price.display_price if price else None,
                price_as_of=price.as_of if price else None,
                price_age=price.age(now) if price else None,
                stale=bool(price and price.is_stale(now, settings.PRICE_STALE_AFTER)),
                value=value,
                share=share_of(value, total),
                accounts=accounts,
                route=_route(price),
                price_detail=price,
            )
        )
    # Largest value first, then by name; unpriced last. (Two stable sorts: negating a Decimal
    # in a sort key would round it to 28 digits.)
    rows.sort(key=lambda r: r.asset)
    rows.sort(key=lambda r: (r.value is not None, r.value or ZERO), reverse=True)
    return Holdings(
        base_currency=currency,
        rows=tuple(rows),
        total_value=total,
        unpriced_assets=tuple(r.asset for r in rows if r.value is None),
        stale_assets=tuple(r.asset for r in rows if r.stale),
        now=now,
    )


# --- Allocation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    """One part of an allocation: key is an asset code or an exchange id; share 0..1."""

    key: str
    label: str
    value: Decimal
    share: Decimal | None


@dataclass(frozen=True)
class Allocation:
    """How the priced total splits (largest first); unpriced assets are named, not counted."""

    base_currency: str
    total_value: Decimal
    slices: tuple[Slice, ...]
    unpriced_assets: tuple[str, ...]


def allocation_by_asset(user, *, of: Holdings | None = None) -> Allocation:
    """Return the priced holdings split by asset (pass `of` to reuse a Holdings read)."""
    current = of if of is not None else holdings(user)
    slices = tuple(
        Slice(row.asset, row.asset, row.value, row.share)
        for row in current.rows
        if row.value is not None and row.value > 0
    )
    return Allocation(current.base_currency, current.total_value, slices, current.unpriced_assets)


def allocation_by_exchange(user, *, of: Holdings | None = None) -> Allocation:
    """Return the priced holdings split by exchange (all accounts on one exchange together)."""
    current = of if of is not None else holdings(user)
    values: dict[str, list[Decimal | None]] = defaultdict(list)
    for row in current.rows:
        if row.price_detail is None:
            continue
        for account in row.accounts:
            values[account.exchange_id].append(value_of(account.amount, row.price_detail))
    totals = {exchange_id: total_of(v) for exchange_id, v in values.items()}
    slices = sorted(
        (
            Slice(exchange_id, exchange_name(exchange_id), value, None)
            for exchange_id, value in totals.items()
            if value > 0
        ),
        key=lambda s: s.key,
    )
    slices.sort(key=lambda s: s.value, reverse=True)  # largest first, stable: then by id
    total = total_of(s.value for s in slices)
    slices = [Slice(s.key, s.label, s.value, share_of(s.value, total)) for s in slices]
    return Allocation(current.base_currency, total, tuple(slices), current.unpriced_assets)


# --- History and changes --------------------------------------------------------------------


class ValuePoint(NamedTuple):
    """The portfolio's value at the end of one UTC day (priced assets only); flagged when
    the day's holdings were reconstructed against a snapshot that disagreed."""

    day: date
    value: Decimal
    flagged: bool


def value_history(user, days: int | None = None) -> list[ValuePoint]:
    """Return the stored daily values in the user's base currency, oldest first.

    days=None gives the whole history (back to the first trade or transfer); days=N the last N
    days up to today. Empty until the worker's first rebuild, or just after the base currency
    changed (the rebuild it queues fills it in).
    """
    currency = user_settings(user).base_currency
    rows = PortfolioValueDay.objects.filter(user=user, base_currency=currency)
    if days is not None:
        rows = rows.filter(day__gt=today_utc() - timedelta(days=days))
    return [
        ValuePoint(day, value, flagged)
        for day, value, flagged in rows.order_by("day").values_list("day", "value", "flagged")
    ]


@dataclass(frozen=True)
class Change:
    """The value now against the value at the end of `since` (deposits count as change too).

    percent is amount / reference x 100 (2 decimals), None when the reference was zero.
    """

    amount: Decimal
    percent: Decimal | None
    since: date
    reference: Decimal


def changes(user, *, of: Holdings | None = None) -> dict[str, Change | None]:
    """Return {"24h", "7d", "30d"}: the change from the stored day 1, 7 or 30 days ago to now.

    None for a period whose day has no stored value yet (history shorter than the period, or
    not rebuilt in this base currency).
    """
    current = of if of is not None else holdings(user)
    today = today_utc()
    wanted = {key: today - timedelta(days=n) for key, n in CHANGE_PERIODS.items()}
    stored = dict(
        PortfolioValueDay.objects.filter(
            user=user, base_currency=current.base_currency, day__in=wanted.values()
        ).values_list("day", "value")
    )
    result: dict[str, Change | None] = {}
    for key, day in wanted.items():
        reference = stored.get(day)
        if reference is None:
            result[key] = None
            continue
        amount = _MATH.subtract(current.total_value, reference)
        percent = (
            _MATH.divide(_MATH.multiply(amount, 100), reference).quantize(
                Decimal("0.01"), context=_MATH
            )
            if reference
            else None
        )
        result[key] = Change(amount, percent, day, reference)
    return result


# --- Account strip --------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountCard:
    """One account as the dashboard's strip shows it.

    status is the account's own (active, suspended, disabled); sync_status the newest sync
    run's ("never" when none), with running and progress ("trades: markets 3 of 12") while it
    runs. suspended_reason is the owner-facing reason when suspended. rotation_due when the
    key is older than the user's rotation_reminder_days.
    """

    id: int
    label: str
    exchange_id: str
    exchange_name: str
    status: str
    status_label: str
    suspended_reason: str
    sync_enabled: bool
    last_sync_at: datetime | None
    sync_status: str
    sync_message: str
    running: bool
    progress: str
    key_added_at: datetime
    key_age_days: int
    rotation_due: bool


def account_strip(user) -> list[AccountCard]:
    """Return every visible account with its sync state and key-rotation reminder."""
    reminder = user_settings(user).rotation_reminder_days
    now = timezone.now()
    newest = SyncRun.objects.filter(account=OuterRef("pk")).order_by("-started_at", "-pk")
    accounts = accounts_visible_to(user).annotate(
        run_status=Subquery(newest.values("status")[:1]),
        run_progress=Subquery(newest.values("progress")[:1]),
        run_message=Subquery(newest.values("message")[:1]),
    )
    cards = []
    for account in accounts:
        suspended = account.status == ExchangeAccount.Status.SUSPENDED
        cards.append(
            AccountCard(
                id=account.pk,
                label=account.label,
                exchange_id=account.exchange_id,
                exchange_name=exchange_name(account.exchange_id),
                status=account.status,
                status_label=account.get_status_display(),
                suspended_reason=account.status_reason if suspended else "",
                sync_enabled=account.sync_enabled,
                last_sync_at=account.last_sync_at,
                sync_status=account.run_status or "never",
                sync_message=account.run_message or "",
                running=account.run_status == SyncRun.Status.RUNNING,
                progress=(account.run_progress or "")
                if account.run_status == SyncRun.Status.RUNNING
                else "",
                key_added_at=account.key_added_at,
                key_age_days=(now - account.key_added_at).days,
                rotation_due=key_rotation_due(account, reminder, now),
            )
        )
    return cards
