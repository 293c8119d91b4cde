"""Public market data through ccxt, without a key: spot markets, last prices and daily closes.

Only the endpoints in exchanges/endpoints.py's PRICE_ENDPOINTS are used, through the same
guarded ExchangeClient as everything else, and everything comes back as our own types with
Decimal amounts (ccxt runs with `number = str`, so nothing passes through float). Nothing here
touches the database: portfolio/market_data.py stores what these functions return.
"""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from exchanges import errors
from exchanges.client import ExchangeClient, Market
from exchanges.endpoints import PRICE_ENDPOINTS
from exchanges.sync.records import to_decimal

logger = logging.getLogger(__name__)

DAY = timedelta(days=1)

# ccxt options set before markets load: spot markets only, and no currency or margin lists
# Porthole does not need (each would cost requests, on endpoints not on the allow-list).
OPTIONS: dict[str, dict] = {
    "binance": {
        "fetchMarkets": {"types": ["spot"]},
        "fetchCurrencies": False,
        "fetchMargins": False,
    },
}
# Candles one fetch_ohlcv request returns at most (Binance 1,000; Coinbase 300; Kraken 720,
# and only the latest 720: older days simply do not come).
CANDLES_PER_REQUEST: dict[str, int] = {"binance": 1000, "coinbase": 300, "kraken": 720}
DEFAULT_CANDLES_PER_REQUEST = 300
# Symbols per fetch_tickers request: keeps query strings short on every exchange.
TICKERS_PER_REQUEST = 50


@dataclass(frozen=True)
class MarketPrice:
    """The last price of one spot market, when Porthole fetched it."""

    exchange_id: str
    symbol: str  # ccxt's unified symbol, e.g. "BTC/USDT"
    base: str
    quote: str
    last: Decimal
    fetched_at: datetime


@dataclass(frozen=True)
class DailyCloseRecord:
    """The closing price of one market on one UTC day."""

    exchange_id: str
    symbol: str
    base: str
    quote: str
    day: date
    close: Decimal


def has_price_feed(exchange_id: str) -> bool:
    """Return whether Porthole may read this exchange's public market data."""
    return exchange_id in PRICE_ENDPOINTS


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class PriceFeed:
    """One exchange's public market data, read without credentials; use as a context manager."""

    def __init__(self, exchange_id: str) -> None:
        if not has_price_feed(exchange_id):
            raise errors.ForbiddenCall()
        self.exchange_id = exchange_id
        self._client = ExchangeClient(exchange_id)
        if exchange_id in OPTIONS:
            self._client.set_options(OPTIONS[exchange_id])
        self._markets: dict[str, Market] | None = None

    def __enter__(self) -> "PriceFeed":
        return self

    def __exit__(self, *exc_info) -> None:
        self._client.close()

    @property
    def request_count(self) -> int:
        """Return how many requests this feed has sent."""
        return self._client.request_count

    def markets(self) -> list[Market]:
        """Return the exchange's spot markets (loaded once per feed)."""
        if self._markets is None:
            self._markets = {m.symbol: m for m in self._client.spot_markets()}
        return list(self._markets.values())

    def prices(self, symbols: Iterable[str]) -> list[MarketPrice]:
        """Return the last price of each of these spot markets that has one.

        A market without a last trade (or unknown to the exchange) is left out: a missing
        price is missing, never zero.
        """
        known = {m.symbol: m for m in self.markets()}
        wanted = sorted({s for s in symbols if s in known})
        if not wanted:
            return []
        answers: dict = {}
        if self._client.has("fetchTickers"):
            for chunk in _chunks(wanted, TICKERS_PER_REQUEST):
                answers.update(self._client.read("fetch_tickers", chunk) or {})
        else:
            for symbol in wanted:
                answers[symbol] = self._client.read("fetch_ticker", symbol)
        fetched_at = timezone.now()
        prices = []
        for symbol in wanted:
            ticker = answers.get(symbol) or {}
            # "last" is the last trade; some exchanges only fill "close", which is the same.
            last = to_decimal(ticker.get("last") or ticker.get("close"), required=False)
            if last is None or last <= 0:
                continue
            market = known[symbol]
            prices.append(
                MarketPrice(self.exchange_id, symbol, market.base, market.quote, last, fetched_at)
            )
        return prices

    def daily_closes(self, symbol: str, first_day: date, last_day: date) -> list[DailyCloseRecord]:
        """Return the market's daily closes from first_day to last_day (UTC days, inclusive).

        Pages forward through fetch_ohlcv('1d'). Days the exchange has no candle for (before
        the market opened, or older than it keeps) are simply absent.
        """
        market = next((m for m in self.markets() if m.symbol == symbol), None)
        if market is None or first_day > last_day:
            return []
        per_request = CANDLES_PER_REQUEST.get(self.exchange_id, DEFAULT_CANDLES_PER_REQUEST)
        closes: dict[date, Decimal] = {}
        day = first_day
        while day <= last_day:
            since_ms = int(datetime.combine(day, time.min, tzinfo=UTC).timestamp() * 1000)
            candles = self._client.read("fetch_ohlcv", symbol, "1d", since_ms, per_request) or []
            newest = None
            for candle in candles:
                candle_day = datetime.fromtimestamp(int(candle[0]) / 1000, UTC).date()
                close = to_decimal(candle[4], required=False)
                if first_day <= candle_day <= last_day and close is not None and close > 0:
                    closes[candle_day] = close
                newest = candle_day if newest is None else max(newest, candle_day)
            if newest is not None and newest >= day:
                day = newest + DAY
            else:
                # Nothing from `day` on in this window (e.g. before the market opened, where
                # Coinbase answers an empty page): try the next window.
                day += per_request * DAY
        return [
            DailyCloseRecord(self.exchange_id, symbol, market.base, market.quote, d, c)
            for d, c in sorted(closes.items())
        ]
