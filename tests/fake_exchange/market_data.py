"""Kraken's and Coinbase's public market data, in their documented formats, for price tests.

Kept apart from kraken.py and coinbase.py (the key and sync answers) so the price tests need
no account. Binance's market data is in binance.py (serve_market_data).
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tests.fake_exchange.server import FakeExchangeServer, Reply, Request

DAY_S = 86_400

# --- Kraken: /0/public/Assets, AssetPairs, Ticker and OHLC, in Kraken's envelope -------------
KRAKEN_TICKER_PATH = "/0/public/Ticker"
KRAKEN_OHLC_PATH = "/0/public/OHLC"
KRAKEN_OHLC_MAX = 720  # Kraken only ever answers the latest 720 candles of an interval
# Kraken's own asset ids (X/Z-prefixed for the old ones) and their altnames.
KRAKEN_ASSETS = {
    "XXBT": "XBT",
    "XETH": "ETH",
    "ZUSD": "USD",
    "ZEUR": "EUR",
    "USDT": "USDT",
    "USDC": "USDC",
}


@dataclass
class KrakenMarketData:
    """Kraken's public data: pairs by Kraken id, last prices and daily closes (unix seconds)."""

    pairs: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {"XXBTZUSD": ("XXBT", "ZUSD"), "USDTZUSD": ("USDT", "ZUSD")}
    )
    last: dict[str, str] = field(default_factory=dict)  # pair id: price
    closes: dict[str, dict[int, str]] = field(default_factory=dict)  # pair id: {secs: close}


def _kraken(result) -> dict:
    return {"error": [], "result": result}


def _kraken_asset(altname: str) -> dict:
    return {
        "aclass": "currency",
        "altname": altname,
        "decimals": 10,
        "display_decimals": 5,
        "collateral_value": 1,
        "status": "enabled",
    }


def _kraken_pair(base: str, quote: str) -> dict:
    altname = KRAKEN_ASSETS[base] + KRAKEN_ASSETS[quote]
    return {
        "altname": altname,
        "wsname": f"{KRAKEN_ASSETS[base]}/{KRAKEN_ASSETS[quote]}",
        "aclass_base": "currency",
        "base": base,
        "aclass_quote": "currency",
        "quote": quote,
        "lot": "unit",
        "cost_decimals": 5,
        "pair_decimals": 5,
        "lot_decimals": 8,
        "lot_multiplier": 1,
        "leverage_buy": [],
        "leverage_sell": [],
        "fees": [[0, 0.26], [50000, 0.24]],
        "fees_maker": [[0, 0.16], [50000, 0.14]],
        "fee_volume_currency": "ZUSD",
        "margin_call": 80,
        "margin_stop": 40,
        "ordermin": "0.0001",
        "costmin": "0.5",
        "tick_size": "0.00001",
        "status": "online",
    }


def _kraken_ticker(last: str) -> dict:
    # a: ask [price, whole lot volume, lot volume], b: bid, c: last trade [price, volume],
    # v: volume [today, 24h], p: vwap, t: trades, l: low, h: high, o: today's opening price.
    return {
        "a": [last, "1", "1.000"],
        "b": [last, "1", "1.000"],
        "c": [last, "0.00100000"],
        "v": ["10.0", "20.0"],
        "p": [last, last],
        "t": [10, 20],
        "l": [last, last],
        "h": [last, last],
        "o": last,
    }


def serve_kraken_market_data(server: FakeExchangeServer, data: KrakenMarketData) -> None:
    """Serve Assets, AssetPairs, Ticker (by `pair`) and OHLC (interval 1440) from data."""
    server.route(
        "GET",
        "/0/public/Assets",
        lambda r: Reply(_kraken({i: _kraken_asset(a) for i, a in KRAKEN_ASSETS.items()})),
    )
    server.route(
        "GET",
        "/0/public/AssetPairs",
        lambda r: Reply(_kraken({p: _kraken_pair(b, q) for p, (b, q) in data.pairs.items()})),
    )

    def ticker(request: Request) -> Reply:
        asked = [p for p in request.query.get("pair", "").split(",") if p] or list(data.last)
        if any(p not in data.last for p in asked):
            return Reply({"error": ["EQuery:Unknown asset pair"]})
        return Reply(_kraken({p: _kraken_ticker(data.last[p]) for p in asked}))

    def ohlc(request: Request) -> Reply:
        pair = request.query.get("pair", "")
        if pair not in data.pairs:
            return Reply({"error": ["EQuery:Unknown asset pair"]})
        if request.query.get("interval") != "1440":
            return Reply({"error": ["EGeneral:Invalid arguments"]})
        since = int(request.query.get("since", 0))
        latest = sorted(data.closes.get(pair, {}))[-KRAKEN_OHLC_MAX:]
        rows = [
            [t, c, c, c, c, c, "1.0", 1]
            for t, c in ((t, data.closes[pair][t]) for t in latest)
            if t >= since
        ]
        return Reply(_kraken({pair: rows, "last": latest[-1] if latest else 0}))

    server.route("GET", KRAKEN_TICKER_PATH, ticker)
    server.route("GET", KRAKEN_OHLC_PATH, ohlc)


# --- Coinbase: /v2 currencies, /api/v3/brokerage/market/products and their candles -----------
COINBASE_PRODUCTS_PATH = "/api/v3/brokerage/market/products"
COINBASE_FIAT = {"USD": "US Dollar", "EUR": "Euro", "GBP": "British Pound"}
COINBASE_CRYPTO = {"BTC": "Bitcoin", "ETH": "Ethereum", "USDT": "Tether", "USDC": "USD Coin"}


def coinbase_candles_path(product_id: str) -> str:
    return f"{COINBASE_PRODUCTS_PATH}/{product_id}/candles"


@dataclass
class CoinbaseMarketData:
    """Coinbase's public data: products, last prices and daily closes (unix seconds)."""

    products: list[tuple[str, str]] = field(default_factory=lambda: [("BTC", "USD")])
    last: dict[str, str] = field(default_factory=dict)  # product id: price
    closes: dict[str, dict[int, str]] = field(default_factory=dict)  # id: {secs: close}


def coinbase_product(
    base: str,
    quote: str,
    price: str,
    crypto: dict[str, str] = COINBASE_CRYPTO,
    fiat: dict[str, str] = COINBASE_FIAT,
) -> dict:
    """Return one spot product as Coinbase's Advanced Trade API lists it."""
    return {
        "product_id": f"{base}-{quote}",
        "price": price,
        "price_percentage_change_24h": "0",
        "volume_24h": "100",
        "volume_percentage_change_24h": "0",
        "base_increment": "0.00000001",
        "quote_increment": "0.01",
        "quote_min_size": "1",
        "quote_max_size": "150000000",
        "base_min_size": "0.00000001",
        "base_max_size": "3400",
        "base_name": crypto.get(base, base),
        "quote_name": fiat.get(quote, crypto.get(quote, quote)),
        "watched": False,
        "is_disabled": False,
        "new": False,
        "status": "online",
        "cancel_only": False,
        "limit_only": False,
        "post_only": False,
        "trading_disabled": False,
        "auction_mode": False,
        "product_type": "SPOT",
        "quote_currency_id": quote,
        "base_currency_id": base,
        "fcm_trading_session_details": None,
        "mid_market_price": "",
        "alias": "",
        "alias_to": [],
        "base_display_symbol": base,
        "quote_display_symbol": quote,
        "view_only": False,
        "price_increment": "0.01",
        "display_name": f"{base}-{quote}",
        "product_venue": "CBE",
    }


def serve_coinbase_market_data(server: FakeExchangeServer, data: CoinbaseMarketData) -> None:
    """Serve the /v2 currency lists, products (with prices) and each product's daily candles."""
    server.route(
        "GET",
        "/v2/currencies",
        {"data": [{"id": c, "name": n, "min_size": "0.01"} for c, n in COINBASE_FIAT.items()]},
    )
    server.route(
        "GET",
        "/v2/currencies/crypto",
        {
            "data": [
                {
                    "asset_id": f"00000000-0000-0000-0000-{i:012d}",
                    "code": c,
                    "name": n,
                    "color": "#0033AD",
                    "sort_index": 100 + i,
                    "exponent": 8,
                    "type": "crypto",
                    "address_regex": "^(?:0x)?[0-9a-fA-F]{40}$",
                }
                for i, (c, n) in enumerate(COINBASE_CRYPTO.items())
            ]
        },
    )
    server.route(
        "GET",
        "/v2/exchange-rates",
        {
            "data": {
                "currency": "USD",
                "rates": {c: "1" for c in [*COINBASE_FIAT, *COINBASE_CRYPTO]},
            }
        },
    )

    def products(request: Request) -> Reply:
        if request.query.get("product_type", "SPOT") != "SPOT":
            return Reply({"products": [], "num_products": 0})
        listed = [coinbase_product(b, q, data.last.get(f"{b}-{q}", "")) for b, q in data.products]
        return Reply({"products": listed, "num_products": len(listed)})

    server.route("GET", COINBASE_PRODUCTS_PATH, products)

    def candles(product_id: str, request: Request) -> Reply:
        if request.query.get("granularity") != "ONE_DAY":
            return Reply({"error": "INVALID_ARGUMENT", "message": "granularity"}, 400)
        start = int(request.query.get("start", 0))
        end = int(request.query.get("end", time.time()))
        rows = [
            {"start": str(t), "low": c, "high": c, "open": c, "close": c, "volume": "1"}
            for t, c in sorted(data.closes.get(product_id, {}).items(), reverse=True)
            if start <= t <= end
        ]
        return Reply({"candles": rows[:350]})  # Coinbase answers newest first, 350 at most

    for base, quote in data.products:
        product_id = f"{base}-{quote}"
        server.route(
            "GET",
            coinbase_candles_path(product_id),
            lambda r, product_id=product_id: candles(product_id, r),
        )


def day_seconds(year: int, month: int, day: int) -> int:
    """Return the unix seconds of a UTC day's start."""
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())
