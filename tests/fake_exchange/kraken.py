"""Kraken's documented answers: POST /0/private/GetApiKeyInfo and its errors."""

import base64
import copy

from tests.fake_exchange.server import FakeExchangeServer

PERMISSIONS_PATH = "/0/private/GetApiKeyInfo"

# Kraken signs with a base64 secret (HMAC-SHA512 over the decoded bytes).
CREDENTIALS = {
    "api_key": "kraken-test-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
    "secret": base64.b64encode(b"kraken-test-secret-" * 4).decode(),
}

# Kraken's documented sample ([DOC]): query funds and open trades, withdraw, modify trades.
DOC_SAMPLE = {
    "error": [],
    "result": {
        "apiKeyName": "my-api-key",
        "apiKey": CREDENTIALS["api_key"],
        "nonce": "1772627060997",
        "nonceWindow": 0,
        "permissions": ["query-funds", "withdraw-funds", "query-open-trades", "modify-trades"],
        "iban": "AA88 N84G WOAK NMOI",
        "validUntil": "0",
        "queryFrom": "0",
        "queryTo": "0",
        "createdTime": "1772542900",
        "modifiedTime": "1772543095",
        "ipAllowlist": [],
        "lastUsed": "1772627061",
    },
}
# The same answer with only the query permissions: a read-only key.
READ_ONLY_PERMISSIONS = ["query-funds", "query-open-trades", "query-closed-trades", "query-ledger"]
READ_ONLY = copy.deepcopy(DOC_SAMPLE)
READ_ONLY["result"]["permissions"] = READ_ONLY_PERMISSIONS
TRADE_FLAGS = ["modify-trades", "close-trades"]
TRANSFER_FLAGS = ["withdraw-funds", "add-withdraw-address", "update-withdraw-address"]


def permissions(extra: list[str] | None = None, **fields) -> dict:
    """Return the read-only answer with permissions added and result fields changed."""
    answer = copy.deepcopy(READ_ONLY)
    answer["result"]["permissions"] += list(extra or [])
    answer["result"].update(fields)
    return answer


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("POST", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    # Kraken reports errors with HTTP 200 and a non-empty error list.
    server.route("POST", PERMISSIONS_PATH, {"error": ["EAPI:Invalid key"]})


# --- Account data for the sync: Kraken's documented wire formats, with Kraken's own paging ---
# Every answer is Kraken's envelope {"error": [], "result": …}, errors included (HTTP 200 and a
# non-empty error list). Private queries are POSTs with a form body. TradesHistory answers
# newest first, 50 a page, paged by the offset `ofs`, within `start` (exclusive) and `end`
# (inclusive), both unix seconds. DepositStatus and WithdrawStatus (without `cursor`) answer the
# newest records within `start` and `end` (both inclusive), cut at `limit` (default 25).
from dataclasses import dataclass, field  # noqa: E402
from decimal import Context, Decimal  # noqa: E402

from tests.fake_exchange.server import Reply, Request  # noqa: E402

ASSETS_PATH = "/0/public/Assets"
ASSET_PAIRS_PATH = "/0/public/AssetPairs"
BALANCE_PATH = "/0/private/BalanceEx"
TRADES_PATH = "/0/private/TradesHistory"
DEPOSITS_PATH = "/0/private/DepositStatus"
WITHDRAWALS_PATH = "/0/private/WithdrawStatus"
HISTORY_PATHS = (TRADES_PATH, DEPOSITS_PATH, WITHDRAWALS_PATH)
TRADES_PAGE = 50  # TradesHistory's fixed page size
TRANSFERS_LIMIT = 25  # DepositStatus's and WithdrawStatus's default `limit`

# Kraken's own asset ids (X/Z-prefixed for the old ones) and their altnames.
ASSETS = {"XXBT": "XBT", "ZUSD": "USD", "XETH": "ETH", "USDT": "USDT", "ZEUR": "EUR"}


def ok(result) -> dict:
    return {"error": [], "result": result}


def error(*messages: str, status: int = 200, headers: dict | None = None) -> Reply:
    """Return Kraken's error envelope (HTTP 200 unless told otherwise)."""
    return Reply({"error": list(messages)}, status, headers=headers or {})


def _asset(altname: str) -> dict:
    return {
        "aclass": "currency",
        "altname": altname,
        "decimals": 10,
        "display_decimals": 5,
        "collateral_value": 1,
        "status": "enabled",
    }


def _pair(pair_id: str, base: str, quote: str) -> dict:
    altname = ASSETS[base] + ASSETS[quote]
    return {
        "altname": altname,
        "wsname": f"{ASSETS[base]}/{ASSETS[quote]}",
        "aclass_base": "currency",
        "base": base,
        "aclass_quote": "currency",
        "quote": quote,
        "lot": "unit",
        "cost_decimals": 5,
        "pair_decimals": 1,
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
        "tick_size": "0.1",
        "status": "online",
    }


def _seconds(ms: int) -> str:
    return str(Decimal(ms) / 1000)


def _float(request: Request, name: str, default: float) -> float:
    value = request.form().get(name)
    return float(value) if value not in (None, "") else default


@dataclass
class Ledger:
    """One Kraken account's state, answered the way Kraken pages it."""

    # pair id: (base asset id, quote asset id)
    pairs: dict[str, tuple[str, str]] = field(
        default_factory=lambda: {
            "XXBTZUSD": ("XXBT", "ZUSD"),
            "XETHXXBT": ("XETH", "XXBT"),
            "USDTZUSD": ("USDT", "ZUSD"),
        }
    )
    balances: dict[str, tuple[str, str]] = field(default_factory=dict)  # id: (balance, hold)
    trades: list[dict] = field(default_factory=list)  # raw entries, each with its txid
    deposits: list[dict] = field(default_factory=list)
    withdrawals: list[dict] = field(default_factory=list)
    _next: int = 0

    def _id(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}{self._next:05d}-K{self._next % 97:04d}-RKN{self._next:03d}"

    def add_trade(
        self,
        pair: str,
        price: str,
        vol: str,
        time_ms: int,
        *,
        side: str = "buy",
        fee: str = "0.26",
        txid: str | None = None,
    ) -> dict:
        cost = Context(prec=100).multiply(Decimal(price), Decimal(vol))  # exact
        raw = {
            "txid": txid or self._id("T"),
            "ordertxid": self._id("O"),
            "postxid": "TKH2SE-M7IF5-CFI7LT",
            "pair": pair,
            # Kraken sends trade times as JSON numbers with fractions of a second.
            "time": float(_seconds(time_ms)),
            "type": side,
            "ordertype": "limit",
            "price": price,
            "cost": str(cost),
            "fee": fee,
            "vol": vol,
            "margin": "0.00000",
            "misc": "",
            "trade_id": 40274859 + self._next,
            "maker": True,
        }
        self.trades.append(raw)
        return raw

    def _transfer(self, asset: str, amount: str, time_ms: int, status: str, **extra) -> dict:
        return {
            "method": "Bitcoin" if asset == "XXBT" else "Ether (Hex)",
            "aclass": "currency",
            "asset": asset,
            "refid": self._id("F"),
            "txid": f"0x{self._next:064x}",
            "info": "0x7cb275a5e07ba943fee972e165d80daa67cb2dd0",
            "amount": amount,
            "fee": "0.0000000000",
            "time": str(time_ms // 1000),  # whole seconds (recorded answers send a string)
            "status": status,
            **extra,
        }

    def add_deposit(self, asset: str, amount: str, time_ms: int, *, status="Success") -> dict:
        raw = self._transfer(asset, amount, time_ms, status)
        self.deposits.append(raw)
        return raw

    def add_withdrawal(
        self, asset: str, amount: str, fee: str, time_ms: int, *, status="Success"
    ) -> dict:
        raw = self._transfer(
            asset, amount, time_ms, status, fee=fee, key="my wallet", network="Ethereum"
        )
        self.withdrawals.append(raw)
        return raw


def _trades_page(request: Request, ledger: Ledger) -> Reply:
    start = _float(request, "start", float("-inf"))  # exclusive
    end = _float(request, "end", float("inf"))  # inclusive
    ofs = int(request.form().get("ofs") or 0)
    chosen = [t for t in ledger.trades if start < t["time"] <= end]
    chosen.sort(key=lambda t: (t["time"], t["trade_id"]), reverse=True)
    page = chosen[ofs : ofs + TRADES_PAGE]
    trades = {t["txid"]: {k: v for k, v in t.items() if k != "txid"} for t in page}
    return Reply(ok({"trades": trades, "count": len(chosen)}))


def _transfers_page(request: Request, items: list[dict]) -> Reply:
    start = _float(request, "start", float("-inf"))  # inclusive
    end = _float(request, "end", float("inf"))  # inclusive
    limit = int(request.form().get("limit") or TRANSFERS_LIMIT)
    chosen = [i for i in items if start <= int(i["time"]) <= end]
    chosen.sort(key=lambda i: int(i["time"]), reverse=True)
    return Reply(ok(chosen[:limit]))


def serve_ledger(server: FakeExchangeServer, ledger: Ledger) -> None:
    """Serve assets, pairs, balances, trades, deposits and withdrawals from the ledger."""
    serve_permissions(server, permissions())
    server.route("GET", ASSETS_PATH, lambda r: Reply(ok({i: _asset(a) for i, a in ASSETS.items()})))
    server.route(
        "GET",
        ASSET_PAIRS_PATH,
        lambda r: Reply(ok({p: _pair(p, b, q) for p, (b, q) in ledger.pairs.items()})),
    )
    server.route(
        "POST",
        BALANCE_PATH,
        lambda r: Reply(
            ok({a: {"balance": b, "hold_trade": h} for a, (b, h) in ledger.balances.items()})
        ),
    )
    server.route("POST", TRADES_PATH, lambda r: _trades_page(r, ledger))
    server.route("POST", DEPOSITS_PATH, lambda r: _transfers_page(r, ledger.deposits))
    server.route("POST", WITHDRAWALS_PATH, lambda r: _transfers_page(r, ledger.withdrawals))
