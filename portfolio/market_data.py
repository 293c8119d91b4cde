"""Writes of market data: current prices (Price) and daily closes (DailyClose).

Only the worker calls these (portfolio/tasks.py); they fetch through exchanges.pricing, the
ccxt side. Pages read the stored rows and never wait on an exchange. One exchange failing does
not stop the others: its prices simply age, and are shown as stale.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, Min
from django.utils import timezone

from exchanges.client import Market
from exchanges.errors import ExchangeProblem
from exchanges.pricing import DailyCloseRecord, MarketPrice, PriceFeed, has_price_feed
from exchanges.sync.models import Balance
from portfolio.models import BaseCurrency, DailyClose, Price, UserSettings
from portfolio.valuation import BRIDGES

logger = logging.getLogger(__name__)

# Prices not refreshed for this long belong to markets nobody needs any more.
PRICE_RETENTION = timedelta(days=7)
# How long the days asked of a market are remembered, so that days an exchange has no candle
# for (before the market opened) are not asked again at every rebuild. Losing it only costs
# one request again.
COVERAGE_TTL = 30 * 24 * 3600


@dataclass
class FetchReport:
    """What a refresh stored, and which exchanges failed (transient failures may be retried)."""

    stored: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # exchange id: error class
    transient: bool = False

    def fail(self, exchange_id: str, problem: ExchangeProblem) -> None:
        """Record an exchange's failure."""
        self.failed[exchange_id] = problem.__class__.__name__
        self.transient = self.transient or problem.transient


def price_exchanges(held_on: Iterable[str] = ()) -> list[str]:
    """Return the exchanges to read prices from: where assets are held, then the pricing ones.

    Only exchanges with a price allow-list (exchanges/endpoints.py) are returned.
    """
    ordered = dict.fromkeys([*held_on, *settings.PRICING_EXCHANGES])
    return [exchange_id for exchange_id in ordered if has_price_feed(exchange_id)]


def wanted_symbols(markets: Iterable[Market], assets: set[str], currencies: set[str]) -> list[str]:
    """Return the markets valuation may use: an asset, bridge or currency against a target.

    A target is a bridge asset or a base currency (either side, as prices are read both ways
    round); markets between two other assets are never used, so never fetched.
    """
    targets = set(BRIDGES) | currencies
    relevant = assets | targets
    return sorted(
        m.symbol
        for m in markets
        if (m.base in targets and m.quote in relevant)
        or (m.quote in targets and m.base in relevant)
    )


def held_assets() -> tuple[set[str], list[str]]:
    """Return every asset any account holds, and the exchanges they are held on."""
    rows = Balance.objects.values_list("asset", "account__exchange_id").distinct()
    assets, exchanges = set(), set()
    for asset, exchange_id in rows:
        assets.add(asset)
        exchanges.add(exchange_id)
    return assets, sorted(exchanges)


def base_currencies() -> set[str]:
    """Return every base currency some user values in (the default included)."""
    chosen = set(UserSettings.objects.values_list("base_currency", flat=True).distinct())
    return chosen | {BaseCurrency.USD}


def store_prices(prices: Sequence[MarketPrice]) -> int:
    """Return how many prices were stored: one Price row per exchange and market, upserted."""
    Price.objects.bulk_create(
        [
            Price(
                exchange_id=p.exchange_id,
                symbol=p.symbol,
                base=p.base,
                quote=p.quote,
                last=p.last,
                fetched_at=p.fetched_at,
            )
            for p in prices
        ],
        update_conflicts=True,
        unique_fields=["exchange_id", "symbol"],
        update_fields=["base", "quote", "last", "fetched_at"],
    )
    return len(prices)


def refresh_prices(
    assets: set[str] | None = None,
    currencies: set[str] | None = None,
    exchanges: Sequence[str] | None = None,
) -> FetchReport:
    """Return the report of fetching and storing the prices of markets that value these assets.

    Without arguments (the periodic task): every held asset, every user's base currency, on
    the exchanges they are held on and the pricing exchanges.
    """
    if assets is None:
        assets, held_on = held_assets()
        exchanges = price_exchanges(held_on) if exchanges is None else exchanges
    if exchanges is None:
        exchanges = price_exchanges()
    currencies = base_currencies() if currencies is None else currencies
    report = FetchReport()
    if not assets:
        return report
    for exchange_id in exchanges:
        try:
            with PriceFeed(exchange_id) as feed:
                prices = feed.prices(wanted_symbols(feed.markets(), assets, currencies))
        except ExchangeProblem as problem:
            logger.warning("prices from %s failed: %s", exchange_id, problem.__class__.__name__)
            report.fail(exchange_id, problem)
            continue
        report.stored += store_prices(prices)
    Price.objects.filter(fetched_at__lt=timezone.now() - PRICE_RETENTION).delete()
    return report


def _coverage_key(exchange_id: str, symbol: str) -> str:
    return f"porthole:closes-asked:{exchange_id}:{symbol}"


def missing_ranges(
    first: date, last: date, covered: tuple[date, date] | None
) -> list[tuple[date, date]]:
    """Return the day ranges of [first, last] outside the covered range (inclusive bounds)."""
    if first > last:
        return []
    if covered is None:
        return [(first, last)]
    ranges = []
    if first < covered[0]:
        ranges.append((first, min(last, covered[0] - timedelta(days=1))))
    if last > covered[1]:
        ranges.append((max(first, covered[1] + timedelta(days=1)), last))
    return ranges


def _store_closes(records: Sequence[DailyCloseRecord]) -> int:
    DailyClose.objects.bulk_create(
        [
            DailyClose(
                exchange_id=r.exchange_id,
                symbol=r.symbol,
                base=r.base,
                quote=r.quote,
                day=r.day,
                close=r.close,
            )
            for r in records
        ],
        ignore_conflicts=True,
    )
    return len(records)


def ensure_daily_closes(needed: Mapping[tuple[str, str], date], last_day: date) -> FetchReport:
    """Return the report of fetching the daily closes the history needs.

    needed maps (exchange id, symbol) to the first day wanted; every day up to last_day is
    wanted. Only days never asked before are fetched: the stored days' range (one query) and the
    ranges already asked (in the cache) are skipped.
    """
    stored = {
        (row["exchange_id"], row["symbol"]): (row["first"], row["last"])
        for row in DailyClose.objects.filter(
            exchange_id__in={e for e, _ in needed}, symbol__in={s for _, s in needed}
        )
        .values("exchange_id", "symbol")
        .annotate(first=Min("day"), last=Max("day"))
    }
    by_exchange: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for (exchange_id, symbol), first_day in sorted(needed.items()):
        by_exchange[exchange_id].append((symbol, first_day))
    report = FetchReport()
    for exchange_id, wanted in by_exchange.items():
        try:
            with PriceFeed(exchange_id) as feed:
                for symbol, first_day in wanted:
                    try:
                        report.stored += _fetch_missing(feed, symbol, first_day, last_day, stored)
                    except ExchangeProblem as problem:
                        if problem.transient:
                            raise  # the exchange is down or throttling: leave it for now
                        # One market refused (delisted, say): the others may still answer.
                        logger.warning(
                            "closes of %s on %s failed: %s",
                            symbol,
                            exchange_id,
                            problem.__class__.__name__,
                        )
                        report.fail(exchange_id, problem)
        except ExchangeProblem as problem:
            logger.warning("closes from %s failed: %s", exchange_id, problem.__class__.__name__)
            report.fail(exchange_id, problem)
    return report


def _fetch_missing(
    feed: PriceFeed,
    symbol: str,
    first_day: date,
    last_day: date,
    stored: Mapping[tuple[str, str], tuple[date, date]],
) -> int:
    key = _coverage_key(feed.exchange_id, symbol)
    asked = cache.get(key)
    spans = [s for s in (stored.get((feed.exchange_id, symbol)), asked) if s]
    covered = (min(s[0] for s in spans), max(s[1] for s in spans)) if spans else None
    added = 0
    for start, end in missing_ranges(first_day, last_day, covered):
        added += _store_closes(feed.daily_closes(symbol, start, end))
        covered = (min(start, covered[0]), max(end, covered[1])) if covered else (start, end)
        cache.set(key, covered, COVERAGE_TTL)
    return added
