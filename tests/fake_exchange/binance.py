"""Binance's documented answers: /sapi/v1/account/apiRestrictions and its errors."""

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/sapi/v1/account/apiRestrictions"

# Binance's documented sample, with every trade and transfer flag off: a read-only key.
READ_ONLY = {
    "ipRestrict": False,
    "createTime": 1698645219000,
    "enableReading": True,
    "enableWithdrawals": False,
    "enableInternalTransfer": False,
    "enableMargin": False,
    "enableFutures": False,
    "permitsUniversalTransfer": False,
    "enableVanillaOptions": False,
    "enableFixApiTrade": False,
    "enableFixReadOnly": True,
    "enableSpotAndMarginTrading": False,
    "enablePortfolioMarginTrading": False,
}
TRADE_FLAGS = [
    "enableSpotAndMarginTrading",
    "enableFutures",
    "enableVanillaOptions",
    "enablePortfolioMarginTrading",
    "enableFixApiTrade",
]
TRANSFER_FLAGS = [
    "enableWithdrawals",
    "enableInternalTransfer",
    "permitsUniversalTransfer",
    "enableMargin",
]
CREDENTIALS = {"api_key": "binance-test-key-0123456789", "secret": "binance-test-secret"}


def permissions(flags: dict | None = None) -> dict:
    """Return the read-only answer with some flags changed (or added)."""
    return {**READ_ONLY, **(flags or {})}


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}, 401),
    )


# --- Account data for the sync: documented wire formats, with the server's own paging --------
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from tests.fake_exchange.server import Request  # noqa: E402


def _symbol_entry(base: str, quote: str) -> dict:
    return {
        "symbol": base + quote,
        "status": "TRADING",
        "baseAsset": base,
        "baseAssetPrecision": 8,
        "quoteAsset": quote,
        "quotePrecision": 8,
        "quoteAssetPrecision": 8,
        "orderTypes": ["LIMIT", "MARKET"],
        "icebergAllowed": True,
        "ocoAllowed": True,
        "isSpotTradingAllowed": True,
        "isMarginTradingAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.00000001",
                "maxPrice": "1000000",
                "tickSize": "0.00000001",
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": "0.00000001",
                "maxQty": "90000000",
                "stepSize": "0.00000001",
            },
        ],
        "permissions": ["SPOT"],
        "permissionSets": [["SPOT"]],
    }


@dataclass
class Ledger:
    """One Binance account's state, answered the way Binance pages it."""

    markets: list[tuple[str, str]] = field(
        default_factory=lambda: [("BTC", "USDT"), ("ETH", "BTC")]
    )
    balances: dict[str, tuple[str, str]] = field(default_factory=dict)  # asset: (free, locked)
    funding: dict[str, str] = field(default_factory=dict)
    trades: dict[str, list[dict]] = field(default_factory=dict)  # symbol: [raw trade]
    deposits: list[dict] = field(default_factory=list)
    withdrawals: list[dict] = field(default_factory=list)
    _next_id: int = 1000

    def add_trade(
        self,
        symbol: str,
        price: str,
        qty: str,
        time_ms: int,
        *,
        buyer=True,
        commission="0.001",
        commission_asset="BNB",
        trade_id: int | None = None,
    ) -> dict:
        if trade_id is None:
            self._next_id += 1
            trade_id = self._next_id
        quote_qty = str(__import__("decimal").Decimal(price) * __import__("decimal").Decimal(qty))
        raw = {
            "symbol": symbol,
            "id": trade_id,
            "orderId": trade_id * 10,
            "orderListId": -1,
            "price": price,
            "qty": qty,
            "quoteQty": quote_qty,
            "commission": commission,
            "commissionAsset": commission_asset,
            "time": time_ms,
            "isBuyer": buyer,
            "isMaker": False,
            "isBestMatch": True,
        }
        self.trades.setdefault(symbol, []).append(raw)
        return raw

    def add_deposit(
        self,
        coin: str,
        amount: str,
        time_ms: int,
        *,
        status: int = 1,
        deposit_id: str | None = None,
    ) -> dict:
        self._next_id += 1
        raw = {
            "id": deposit_id or f"dep{self._next_id}",
            "amount": amount,
            "coin": coin,
            "network": coin,
            "status": status,
            "address": "addr",
            "addressTag": "",
            "txId": f"tx{self._next_id}",
            "insertTime": time_ms,
            "transferType": 0,
            "confirmTimes": "1/1",
            "unlockConfirm": 0,
            "walletType": 0,
        }
        self.deposits.append(raw)
        return raw

    def add_withdrawal(
        self,
        coin: str,
        amount: str,
        fee: str,
        time_ms: int,
        *,
        status: int = 6,
        withdrawal_id: str | None = None,
    ) -> dict:
        self._next_id += 1
        applied = datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        raw = {
            "id": withdrawal_id or f"wd{self._next_id}",
            "amount": amount,
            "transactionFee": fee,
            "coin": coin,
            "status": status,
            "address": "0xabc",
            "txId": f"0xtx{self._next_id}",
            "applyTime": applied,
            "network": "ETH",
            "transferType": 0,
            "info": "",
            "confirmNo": 3,
            "walletType": 0,
            "txKey": "",
        }
        self.withdrawals.append(raw)
        return raw


def _window(request: Request, items: list[dict], time_of) -> list[dict]:
    start = int(request.query.get("startTime", 0))
    end = int(request.query.get("endTime", 2**62))
    limit = int(request.query.get("limit", 1000))
    chosen = [i for i in items if start <= time_of(i) <= end]
    # Binance answers newest first and cuts at the limit.
    return sorted(chosen, key=time_of, reverse=True)[:limit]


def _applied_ms(raw: dict) -> int:
    return int(
        datetime.strptime(raw["applyTime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()
        * 1000
    )


def serve_ledger(server: FakeExchangeServer, ledger: Ledger) -> None:
    """Serve markets, balances, trades, deposits and withdrawals from the ledger."""
    serve_permissions(server, permissions())
    server.route(
        "GET",
        "/api/v3/exchangeInfo",
        lambda r: Reply(
            {
                "timezone": "UTC",
                "serverTime": int(time.time() * 1000),
                "rateLimits": [],
                "exchangeFilters": [],
                "symbols": [_symbol_entry(b, q) for b, q in ledger.markets],
            }
        ),
    )
    server.route(
        "GET",
        "/api/v3/account",
        lambda r: Reply(
            {
                "makerCommission": 10,
                "takerCommission": 10,
                "buyerCommission": 0,
                "sellerCommission": 0,
                "canTrade": True,
                "canWithdraw": True,
                "canDeposit": True,
                "updateTime": 0,
                "accountType": "SPOT",
                "permissions": ["SPOT"],
                "balances": [
                    {"asset": a, "free": f, "locked": lk} for a, (f, lk) in ledger.balances.items()
                ],
            }
        ),
    )
    server.route(
        "POST",
        "/sapi/v1/asset/get-funding-asset",
        lambda r: Reply(
            [
                {
                    "asset": a,
                    "free": v,
                    "locked": "0",
                    "freeze": "0",
                    "withdrawing": "0",
                    "btcValuation": "0",
                }
                for a, v in ledger.funding.items()
            ]
        ),
    )

    def my_trades(request: Request) -> Reply:
        trades = ledger.trades.get(request.query["symbol"], [])
        from_id = int(request.query.get("fromId", 0))
        limit = int(request.query.get("limit", 500))
        page = sorted((t for t in trades if t["id"] >= from_id), key=lambda t: t["id"])
        return Reply(page[:limit])

    server.route("GET", "/api/v3/myTrades", my_trades)
    server.route(
        "GET",
        "/sapi/v1/capital/deposit/hisrec",
        lambda r: Reply(_window(r, ledger.deposits, lambda d: d["insertTime"])),
    )
    server.route(
        "GET",
        "/sapi/v1/capital/withdraw/history",
        lambda r: Reply(_window(r, ledger.withdrawals, _applied_ms)),
    )


# --- Public market data for prices: Binance's documented ticker and kline answers ------------
import json  # noqa: E402

TICKER_PATH = "/api/v3/ticker/24hr"  # what ccxt's fetch_ticker(s) call for spot markets
KLINES_PATH = "/api/v3/klines"  # what ccxt's fetch_ohlcv calls for spot markets
KLINES_MAX = 1000
DAY_MS = 86_400_000


@dataclass
class MarketData:
    """Binance's public spot data: markets, last prices and daily candles per symbol id."""

    markets: list[tuple[str, str]] = field(default_factory=lambda: [("BTC", "USDT")])
    last: dict[str, str] = field(default_factory=dict)  # "BTCUSDT": "30000.5"
    closes: dict[str, dict[int, str]] = field(default_factory=dict)  # id: {open ms: close}


def _ticker_24hr(symbol: str, last: str) -> dict:
    now = int(time.time() * 1000)
    return {
        "symbol": symbol,
        "priceChange": "0.00000000",
        "priceChangePercent": "0.000",
        "weightedAvgPrice": last,
        "prevClosePrice": last,
        "lastPrice": last,
        "lastQty": "0.01000000",
        "bidPrice": last,
        "bidQty": "1.00000000",
        "askPrice": last,
        "askQty": "1.00000000",
        "openPrice": last,
        "highPrice": last,
        "lowPrice": last,
        "volume": "100.00000000",
        "quoteVolume": "100.00000000",
        "openTime": now - DAY_MS,
        "closeTime": now,
        "firstId": 1,
        "lastId": 100,
        "count": 100,
    }


def _kline(open_ms: int, close: str) -> list:
    # [open time, open, high, low, close, volume, close time, quote volume, trades,
    #  taker buy base volume, taker buy quote volume, unused]
    return [open_ms, close, close, close, close, "1.0", open_ms + DAY_MS - 1, close, 1, "0.5",
            "0.5", "0"]  # fmt: skip


def serve_market_data(server: FakeExchangeServer, data: MarketData) -> None:
    """Serve exchangeInfo, /api/v3/ticker/24hr and /api/v3/klines (interval 1d) from data."""
    server.route(
        "GET",
        "/api/v3/exchangeInfo",
        lambda r: Reply(
            {
                "timezone": "UTC",
                "serverTime": int(time.time() * 1000),
                "rateLimits": [],
                "exchangeFilters": [],
                "symbols": [_symbol_entry(b, q) for b, q in data.markets],
            }
        ),
    )

    def ticker(request: Request) -> Reply:
        if "symbol" in request.query:
            symbol = request.query["symbol"]
            if symbol not in data.last:
                return Reply({"code": -1121, "msg": "Invalid symbol."}, 400)
            return Reply(_ticker_24hr(symbol, data.last[symbol]))
        if "symbols" in request.query:
            asked = json.loads(request.query["symbols"])
            if any(s not in data.last for s in asked):
                return Reply({"code": -1121, "msg": "Invalid symbol."}, 400)
        else:
            asked = list(data.last)
        return Reply([_ticker_24hr(s, data.last[s]) for s in asked])

    def klines(request: Request) -> Reply:
        symbol = request.query.get("symbol", "")
        if request.query.get("interval") != "1d":
            return Reply({"code": -1120, "msg": "Invalid interval."}, 400)
        candles = data.closes.get(symbol)
        if candles is None and symbol not in data.last:
            return Reply({"code": -1121, "msg": "Invalid symbol."}, 400)
        limit = min(int(request.query.get("limit", 500)), KLINES_MAX)
        start = int(request.query.get("startTime", 0))
        end = int(request.query.get("endTime", 2**62))
        chosen = sorted(t for t in (candles or {}) if start <= t <= end)
        # Without startTime Binance answers the latest candles; with it, the oldest from there.
        chosen = chosen[:limit] if "startTime" in request.query else chosen[-limit:]
        return Reply([_kline(t, candles[t]) for t in chosen])

    server.route("GET", TICKER_PATH, ticker)
    server.route("GET", KLINES_PATH, klines)
