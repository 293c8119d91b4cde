"""Reads of a user's trade and transfer history: filters, totals and current holdings.

Every query starts from owned_accounts(), so nothing another user synced can reach a page,
an export or the shell. Sums are made in Python with Decimal: amounts are text on SQLite
(portfolio/fields.py), where an SQL SUM would go through float.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, localcontext
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils.dateparse import parse_date

from exchanges.models import ExchangeAccount
from exchanges.selectors import accounts_of
from exchanges.sync.models import Balance, Trade, Transfer
from exchanges.sync.records import EXACT_DIGITS

# Large enough that a big history is read in few round trips, small enough to stay flat.
CHUNK_SIZE = 2000
ZERO = Decimal(0)
# Totals are keyed by their data's version, so this only bounds how long stale keys linger.
TOTALS_CACHE_SECONDS = 24 * 3600


def owned_accounts(user) -> QuerySet[ExchangeAccount]:
    """Return the user's own accounts: the one scope every history query goes through."""
    return accounts_of(user)


@dataclass(frozen=True)
class HistoryFilter:
    """What a history page or export is narrowed to; invalid inputs are dropped, with a word."""

    account: ExchangeAccount | None = None
    asset: str = ""
    direction: str = ""  # a trade's side or a transfer's kind
    date_from: date | None = None
    date_to: date | None = None
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    errors: tuple[str, ...] = ()

    @property
    def since(self) -> datetime | None:
        """Return the first instant of date_from in the user's time zone."""
        if self.date_from is None:
            return None
        return datetime.combine(self.date_from, time.min, tzinfo=self.time_zone)

    @property
    def before(self) -> datetime | None:
        """Return the first instant after date_to in the user's time zone (the end is whole)."""
        if self.date_to is None:
            return None
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=self.time_zone)

    @property
    def is_narrowed(self) -> bool:
        """Return whether any filter is in effect."""
        return bool(self.account or self.asset or self.direction or self.date_from or self.date_to)


def parse_history_filter(
    params: Mapping[str, str],
    *,
    accounts: Sequence[ExchangeAccount],
    directions: Iterable[str],
    direction_param: str,
    time_zone: ZoneInfo,
) -> HistoryFilter:
    """Return the filter the query parameters ask for.

    accounts are the user's own (from owned_accounts()); an account id that is not among them
    is a 404, exactly like a missing one, so a guessed id reveals nothing.
    """
    errors = []
    account = None
    account_param = (params.get("account") or "").strip()
    if account_param:
        account = next((a for a in accounts if str(a.pk) == account_param), None)
        if account is None:
            raise Http404("No such account.")
    direction = (params.get(direction_param) or "").strip().lower()
    if direction and direction not in set(directions):
        errors.append(f"Unknown {direction_param} {direction!r}; showing all.")
        direction = ""
    dates = {}
    for name, label in (("from", "From"), ("to", "To")):
        text = (params.get(name) or "").strip()
        try:
            dates[name] = parse_date(text) if text else None
        except ValueError:
            dates[name] = None
        if text and dates[name] is None:
            errors.append(f"{label} date {text!r} is not a date (YYYY-MM-DD); ignored.")
    return HistoryFilter(
        account=account,
        asset=(params.get("asset") or "").strip()[:32],
        direction=direction,
        date_from=dates["from"],
        date_to=dates["to"],
        time_zone=time_zone,
        errors=tuple(errors),
    )


def trade_filter(
    params: Mapping[str, str], *, accounts: Sequence[ExchangeAccount], time_zone: ZoneInfo
) -> HistoryFilter:
    """Return the filter of the trades page from its query parameters (side: buy or sell)."""
    return parse_history_filter(
        params,
        accounts=accounts,
        directions=Trade.Side.values,
        direction_param="side",
        time_zone=time_zone,
    )


def transfer_filter(
    params: Mapping[str, str], *, accounts: Sequence[ExchangeAccount], time_zone: ZoneInfo
) -> HistoryFilter:
    """Return the filter of the transfers page from its query parameters (type)."""
    return parse_history_filter(
        params,
        accounts=accounts,
        directions=Transfer.Kind.values,
        direction_param="type",
        time_zone=time_zone,
    )


def _narrowed(queryset: QuerySet, user, history_filter: HistoryFilter) -> QuerySet:
    queryset = queryset.filter(account__in=owned_accounts(user))
    if history_filter.account is not None:
        queryset = queryset.filter(account=history_filter.account)
    if history_filter.since is not None:
        queryset = queryset.filter(timestamp__gte=history_filter.since)
    if history_filter.before is not None:
        queryset = queryset.filter(timestamp__lt=history_filter.before)
    return queryset


def trades_of(user, history_filter: HistoryFilter | None = None) -> QuerySet[Trade]:
    """Return the user's trades matching the filter, newest first, with their accounts."""
    history_filter = history_filter or HistoryFilter()
    trades = _narrowed(Trade.objects.all(), user, history_filter)
    if history_filter.asset:
        # Any case: ccxt's codes are mostly upper case, but not all (stETH, for one).
        asset = history_filter.asset
        trades = trades.filter(Q(base__iexact=asset) | Q(quote__iexact=asset))
    if history_filter.direction:
        trades = trades.filter(side=history_filter.direction)
    # The exchange's raw record is for audit only: never worth reading for a list.
    return trades.select_related("account").defer("raw").order_by("-timestamp", "-pk")


def transfers_of(user, history_filter: HistoryFilter | None = None) -> QuerySet[Transfer]:
    """Return the user's deposits and withdrawals matching the filter, newest first."""
    history_filter = history_filter or HistoryFilter()
    transfers = _narrowed(Transfer.objects.all(), user, history_filter)
    if history_filter.asset:
        transfers = transfers.filter(asset__iexact=history_filter.asset)
    if history_filter.direction:
        transfers = transfers.filter(kind=history_filter.direction)
    return transfers.select_related("account").defer("raw").order_by("-timestamp", "-pk")


def holdings_of(user) -> QuerySet[Balance]:
    """Return the user's current balances, per account, asset and account type."""
    return (
        Balance.objects.filter(account__in=owned_accounts(user))
        .select_related("account")
        .order_by("account__exchange_id", "account__label", "account_id", "asset", "account_type")
    )


@dataclass
class QuoteTotals:
    """What buys of one asset cost and sells of it brought, in one quote currency."""

    quote: str
    spent: Decimal = ZERO
    received: Decimal = ZERO


@dataclass
class AssetTradeTotals:
    """How much of one (base) asset was bought and sold, and for what, per quote currency."""

    asset: str
    trades: int = 0
    bought: Decimal = ZERO
    sold: Decimal = ZERO
    by_quote: dict[str, QuoteTotals] = field(default_factory=dict)

    @property
    def quotes(self) -> list[QuoteTotals]:
        """Return the per-quote totals, by quote currency."""
        return [self.by_quote[q] for q in sorted(self.by_quote)]


@dataclass
class TradeTotals:
    """Count and exact sums of a filtered set of trades."""

    count: int = 0
    by_asset: dict[str, AssetTradeTotals] = field(default_factory=dict)
    cache_key: str = ""

    @property
    def assets(self) -> list[AssetTradeTotals]:
        """Return the per-asset totals, by asset."""
        return [self.by_asset[a] for a in sorted(self.by_asset)]


def _cached(queryset: QuerySet, changed: str | None, compute):
    """Return compute(queryset), remembered until the rows it covers change.

    Summing every trade of a big account on each page view costs half a second; the data
    changes only when a sync adds or updates rows. The key holds the query itself (so the user
    and the filter) and a version read in one indexed query: how many rows, the newest id and,
    where rows are updated in place, the newest update.
    """
    version = queryset.order_by().aggregate(
        n=Count("pk"), last=Max("pk"), **({"changed": Max(changed)} if changed else {})
    )
    stamp = str(queryset.query) + "|" + "|".join(str(version[k]) for k in sorted(version))
    key = (
        f"history-totals:{queryset.model._meta.model_name}:"
        + hashlib.sha256(stamp.encode()).hexdigest()
    )
    result = cache.get(key)
    if result is None:
        result = compute(queryset)
        # Pages cache their rendered totals under the same key: it changes with the data.
        result.cache_key = key
        cache.set(key, result, timeout=TOTALS_CACHE_SECONDS)
    return result


def trade_totals(trades: QuerySet[Trade]) -> TradeTotals:
    """Return the count and exact per-asset sums of the trades (cached until they change)."""
    return _cached(trades, None, _sum_trades)


def _sum_trades(trades: QuerySet[Trade]) -> TradeTotals:
    totals = TradeTotals()
    rows = trades.order_by().values_list("base", "quote", "side", "amount", "cost")
    with localcontext(prec=EXACT_DIGITS):  # the default 28 digits would round the sums
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            _add_trade(totals, *row)
    return totals


def _add_trade(
    totals: TradeTotals, base: str, quote: str, side: str, amount: Decimal, cost: Decimal
) -> None:
    totals.count += 1
    asset = totals.by_asset.setdefault(base, AssetTradeTotals(base))
    money = asset.by_quote.setdefault(quote, QuoteTotals(quote))
    asset.trades += 1
    if side == Trade.Side.BUY:
        asset.bought += amount
        money.spent += cost
    else:
        asset.sold += amount
        money.received += cost


@dataclass
class AssetTransferTotals:
    """Deposits, withdrawals and fees of one asset."""

    asset: str
    deposited: Decimal = ZERO
    withdrawn: Decimal = ZERO
    fees: Decimal = ZERO


@dataclass
class TransferTotals:
    """Count and exact sums of a filtered set of transfers."""

    count: int = 0
    not_completed: int = 0
    by_asset: dict[str, AssetTransferTotals] = field(default_factory=dict)
    cache_key: str = ""

    @property
    def assets(self) -> list[AssetTransferTotals]:
        """Return the per-asset totals, by asset."""
        return [self.by_asset[a] for a in sorted(self.by_asset)]


def transfer_totals(transfers: QuerySet[Transfer]) -> TransferTotals:
    """Return the count and exact per-asset sums of the completed transfers among these.

    A pending, failed or canceled transfer moved nothing (yet), so it is counted but not
    summed. A fee is summed under its own currency, which is not always the asset moved.
    Cached until the transfers change (a pending one completing included).
    """
    return _cached(transfers, "updated_at", _sum_transfers)


def _sum_transfers(transfers: QuerySet[Transfer]) -> TransferTotals:
    totals = TransferTotals()
    rows = transfers.order_by().values_list(
        "asset", "kind", "amount", "fee", "fee_currency", "status"
    )
    with localcontext(prec=EXACT_DIGITS):  # the default 28 digits would round the sums
        for row in rows.iterator(chunk_size=CHUNK_SIZE):
            _add_transfer(totals, *row)
    return totals


def _add_transfer(
    totals: TransferTotals,
    asset: str,
    kind: str,
    amount: Decimal,
    fee: Decimal | None,
    fee_currency: str,
    status: str,
) -> None:
    totals.count += 1
    if status != "ok":
        totals.not_completed += 1
        return
    moved = totals.by_asset.setdefault(asset, AssetTransferTotals(asset))
    if kind == Transfer.Kind.DEPOSIT:
        moved.deposited += amount
    else:
        moved.withdrawn += amount
    if fee:
        charged_in = fee_currency or asset
        totals.by_asset.setdefault(charged_in, AssetTransferTotals(charged_in)).fees += fee
