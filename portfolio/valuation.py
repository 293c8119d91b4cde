"""What an asset is worth in a user's base currency: pure functions over a book of prices.

A price is a market's price on an exchange: directly (ETH/USD), inverted (EUR/USDT prices
USDT in EUR) or through one bridge asset (ETH/USDT x USDT/USD). Nothing is ever assumed:
a stablecoin is worth what a USDT/USD (or USDC/USD…) market says, and a base currency of USD
is not USDT. The exchanges an asset is held on are asked first, then the pricing exchanges
(settings.PRICING_EXCHANGES) in their order; see price_of. Where no market leads to the base
currency the price is None: shown as "no price" and left out of totals, never counted as zero.

The same functions value today (the Price rows) and past days (the DailyClose rows).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Context, Decimal

# Base currencies Porthole values in (portfolio.models.BaseCurrency lists the same codes).
BASE_CURRENCIES = ("USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "BTC", "ETH", "USDT")
# Assets a price may be bridged through, in order of preference: the quote currencies that
# most markets use, so that one bridge almost always exists.
BRIDGES = ("USDT", "USDC", "BTC", "ETH", "EUR", "USD")

# Products and quotients of 48-digit amounts need more than Decimal's default 28 digits;
# results are rounded once, to the 18 decimal places an AmountField stores.
_MATH = Context(prec=100)
QUANTUM = Decimal(1).scaleb(-18)
ZERO = Decimal(0)


@dataclass(frozen=True)
class PricePoint:
    """One market's price on one exchange, and when it was true."""

    exchange_id: str
    symbol: str
    base: str
    quote: str
    price: Decimal
    as_of: datetime


@dataclass(frozen=True)
class Leg:
    """One market a price went through; inverted when the asset was its quote."""

    exchange_id: str
    symbol: str
    inverted: bool = False


@dataclass(frozen=True)
class Rate:
    """How many `quote` one `base` is worth, through one market."""

    value: Decimal
    as_of: datetime
    leg: Leg


@dataclass(frozen=True)
class AssetPrice:
    """An asset's price in a currency, the markets it came from, and when it was true.

    price is exact (an inverted or bridged price keeps all its digits, so values are exact);
    display_price is it rounded to 18 decimal places. as_of is the oldest leg's time; None when
    the asset is the currency itself (exactly 1).
    """

    asset: str
    currency: str
    price: Decimal
    as_of: datetime | None
    legs: tuple[Leg, ...]

    @property
    def display_price(self) -> Decimal:
        """Return the price rounded to the 18 decimal places an AmountField keeps."""
        return _round(self.price)

    def age(self, now: datetime) -> timedelta | None:
        """Return how old the price is at `now` (None for the currency itself)."""
        return None if self.as_of is None else max(now - self.as_of, timedelta(0))

    def is_stale(self, now: datetime, max_age: timedelta) -> bool:
        """Return whether the price is older than max_age at `now`."""
        age = self.age(now)
        return age is not None and age > max_age


class PriceBook:
    """The prices known at one moment, looked up by exchange and market."""

    def __init__(self, points: Iterable[PricePoint]) -> None:
        self._points: dict[tuple[str, str, str], PricePoint] = {}
        for point in points:
            if point.price > 0:
                self._points[(point.exchange_id, point.base, point.quote)] = point

    def __len__(self) -> int:
        return len(self._points)

    def rate(self, base: str, quote: str, exchanges: Sequence[str]) -> Rate | None:
        """Return base's price in quote from the first exchange with a market either way."""
        for exchange_id in exchanges:
            direct = self._points.get((exchange_id, base, quote))
            if direct is not None:
                return Rate(direct.price, direct.as_of, Leg(exchange_id, direct.symbol))
            inverse = self._points.get((exchange_id, quote, base))
            if inverse is not None:
                value = _MATH.divide(Decimal(1), inverse.price)
                return Rate(value, inverse.as_of, Leg(exchange_id, inverse.symbol, True))
        return None


def _ordered(*groups: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for item in group:
            seen.setdefault(item, None)
    return tuple(seen)


def price_of(
    asset: str,
    currency: str,
    book: PriceBook,
    *,
    held_on: Sequence[str] = (),
    pricing_exchanges: Sequence[str] = (),
) -> AssetPrice | None:
    """Return the asset's price in currency, or None when no market leads there.

    A direct market (either way round) on any exchange comes before a bridge: one market's
    spread instead of two, and no detour (USDT through BTC, say) when USDT/USD exists. Within
    each, the exchanges the asset is held on are asked first, then the pricing exchanges in
    their order; a bridge's second market is taken from the first market's exchange if it can.
    """
    if asset == currency:
        return AssetPrice(asset, currency, Decimal(1), None, ())
    exchanges = _ordered(held_on, pricing_exchanges)
    return _direct(asset, currency, book, exchanges) or _bridged(
        asset, currency, book, first_on=exchanges, second_on=exchanges
    )


def _direct(
    asset: str, currency: str, book: PriceBook, exchanges: Sequence[str]
) -> AssetPrice | None:
    rate = book.rate(asset, currency, exchanges)
    if rate is None:
        return None
    return AssetPrice(asset, currency, rate.value, rate.as_of, (rate.leg,))


def _bridged(
    asset: str,
    currency: str,
    book: PriceBook,
    first_on: Sequence[str],
    second_on: Sequence[str],
) -> AssetPrice | None:
    for exchange_id in first_on:
        for bridge in BRIDGES:
            if bridge in (asset, currency):
                continue
            first = book.rate(asset, bridge, (exchange_id,))
            if first is None:
                continue
            second = book.rate(bridge, currency, _ordered([exchange_id], second_on))
            if second is None:
                continue
            return AssetPrice(
                asset,
                currency,
                _MATH.multiply(first.value, second.value),
                min(first.as_of, second.as_of),
                (first.leg, second.leg),
            )
    return None


def value_of(amount: Decimal, price: AssetPrice | None) -> Decimal | None:
    """Return amount x price, or None when there is no price (never zero)."""
    if price is None:
        return None
    return worth(amount, price.price)


def worth(amount: Decimal, price: Decimal) -> Decimal:
    """Return amount x price, exactly, rounded once to an AmountField's 18 decimal places."""
    return _round(_MATH.multiply(amount, price))


def total_of(values: Iterable[Decimal | None]) -> Decimal:
    """Return the sum of the known values; unknown ones are left out, not counted as zero."""
    total = ZERO
    for value in values:
        if value is not None:
            total = _MATH.add(total, value)
    return total


def share_of(value: Decimal | None, total: Decimal) -> Decimal | None:
    """Return value / total as a fraction (0.25 for a quarter), None when either is unknown."""
    if value is None or not total:
        return None
    return _MATH.divide(value, total).quantize(Decimal("0.000001"), context=_MATH)


def _round(value: Decimal) -> Decimal:
    return value.quantize(QUANTUM, context=_MATH)


@dataclass(frozen=True)
class HoldingsValue:
    """What a set of holdings is worth: the total of the priced ones, and the rest by name."""

    value: Decimal
    unpriced: tuple[str, ...]
    prices: Mapping[str, AssetPrice | None]


def value_holdings(
    amounts: Mapping[str, Decimal],
    currency: str,
    book: PriceBook,
    *,
    held_on: Mapping[str, Sequence[str]] | None = None,
    pricing_exchanges: Sequence[str] = (),
) -> HoldingsValue:
    """Return the value of amounts per asset in currency; unpriced assets are listed apart.

    held_on maps an asset to the exchanges it is held on, asked first for its price.
    """
    held_on = held_on or {}
    prices: dict[str, AssetPrice | None] = {}
    values = []
    for asset, amount in sorted(amounts.items()):
        if not amount:
            continue
        prices[asset] = price_of(
            asset,
            currency,
            book,
            held_on=held_on.get(asset, ()),
            pricing_exchanges=pricing_exchanges,
        )
        values.append(value_of(amount, prices[asset]))
    unpriced = tuple(asset for asset, price in prices.items() if price is None)
    return HoldingsValue(total_of(values), unpriced, prices)
