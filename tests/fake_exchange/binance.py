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
