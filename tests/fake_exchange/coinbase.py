"""Coinbase's documented answers: /api/v3/brokerage/key_permissions and its errors."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/api/v3/brokerage/key_permissions"

# Coinbase's documented sample ([DOC]): a key that can view, trade and transfer.
DOC_SAMPLE = {
    "can_view": True,
    "can_trade": True,
    "can_transfer": True,
    "portfolio_uuid": "<string>",
    "portfolio_type": "UNDEFINED",
}
# The same answer with only "View" ticked: a read-only key.
READ_ONLY = {
    "can_view": True,
    "can_trade": False,
    "can_transfer": False,
    "portfolio_uuid": "8b6c4f1e-2d3a-4b5c-9e8f-0a1b2c3d4e5f",
    "portfolio_type": "DEFAULT",
}
TRADE_FLAGS = ["can_trade"]
# can_withdraw is what Coinbase's own SDK tests mock instead of can_transfer.
TRANSFER_FLAGS = ["can_transfer", "can_withdraw"]
KEY_NAME = "organizations/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/apiKeys/1a2b3c4d-5e6f-7a8b-9c0d"


def _ec_private_key_pem() -> str:
    """Return a fresh EC P-256 private key in PEM, the secret of a CDP key (made per run)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


# A CDP key: its name and an EC private key in PEM (ccxt signs an ES256 JWT with it).
CREDENTIALS = {"api_key": KEY_NAME, "secret": _ec_private_key_pem()}

# A legacy (non-CDP) key: ccxt would sign it with HMAC, so Porthole refuses it unasked.
LEGACY_CREDENTIALS = {"api_key": "aBcDeFgHiJkLmNoP", "secret": "0123456789abcdefghijklmnopqrstuv"}


def permissions(flags: dict | None = None) -> dict:
    """Return the read-only answer with some fields changed (or added)."""
    return {**READ_ONLY, **(flags or {})}


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    # Coinbase answers a rejected JWT with a bare 401.
    server.route("GET", PERMISSIONS_PATH, Reply(raw=b"Unauthorized\n", status=401))


def serve_permission_denied(server: FakeExchangeServer) -> None:
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply(
            {
                "error": "PERMISSION_DENIED",
                "error_details": "Missing required scopes",
                "message": "Missing required scopes",
            },
            403,
        ),
    )


# --- Account data for the sync: Coinbase's documented wire formats, with its own paging -----
# Advanced Trade (v3): accounts page by `cursor` with `has_next` (limit 49 by default, 250 at
# most); fills page newest first by an opaque `cursor` (empty on the last page) within
# `start_sequence_timestamp`. The Coinbase App's v2 List Transactions is per account (wallet):
# newest first, `limit` 25 by default and 100 at most, paged with `starting_after` (the id of
# the last transaction of the previous page), and a `pagination` object beside `data`.
import uuid  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from decimal import Decimal  # noqa: E402

from tests.fake_exchange.market_data import coinbase_product  # noqa: E402
from tests.fake_exchange.server import Request  # noqa: E402

PRODUCTS_PATH = "/api/v3/brokerage/market/products"
SUMMARY_PATH = "/api/v3/brokerage/transaction_summary"
ACCOUNTS_PATH = "/api/v3/brokerage/accounts"
FILLS_PATH = "/api/v3/brokerage/orders/historical/fills"
CURRENCIES_PATHS = ("/v2/currencies", "/v2/currencies/crypto", "/v2/exchange-rates")
FIAT = {"USD": "US Dollar", "EUR": "Euro"}
CRYPTO = {"BTC": "Bitcoin", "ETH": "Ethereum", "USDC": "USDC", "SOL": "Solana"}


def transactions_path(account_uuid: str) -> str:
    return f"/v2/accounts/{account_uuid}/transactions"


def iso(ms: int, digits: int = 6) -> str:
    """Return Coinbase's RFC 3339 time for a millisecond timestamp (microseconds in v3)."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}"[:digits]
    return text + "Z"


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def errors_v2(error_id: str, message: str, status: int, headers: dict | None = None) -> Reply:
    """Return the Coinbase App's (v2) error body."""
    return Reply({"errors": [{"id": error_id, "message": message}]}, status, headers=headers or {})


SUMMARY = {
    "total_volume": 9.995989116664404,
    "total_fees": 0.07996791093331522,
    "fee_tier": {
        "pricing_tier": "Advanced 1",
        "usd_from": "0",
        "usd_to": "1000",
        "taker_fee_rate": "0.008",
        "maker_fee_rate": "0.006",
        "aop_from": "",
        "aop_to": "",
    },
    "margin_rate": None,
    "goods_and_services_tax": None,
    "advanced_trade_only_volume": 9.995989116664404,
    "advanced_trade_only_fees": 0.07996791093331522,
    "coinbase_pro_volume": 0,
    "coinbase_pro_fees": 0,
    "total_balance": "",
    "has_promo_fee": False,
}


@dataclass
class Ledger:
    """One Coinbase portfolio's state, answered the way Coinbase pages it."""

    products: list[tuple[str, str]] = field(
        default_factory=lambda: [("BTC", "USD"), ("ETH", "USD"), ("ETH", "BTC"), ("SOL", "USDC")]
    )
    accounts: list[dict] = field(default_factory=list)  # v3 account objects
    fills: list[dict] = field(default_factory=list)
    transactions: dict[str, list[dict]] = field(default_factory=dict)  # account uuid: [raw]
    server: FakeExchangeServer | None = None
    _sequence: int = 100_000_000

    def add_account(self, currency: str, available: str = "0", hold: str = "0") -> dict:
        account = {
            "uuid": str(uuid.uuid4()),
            "name": f"{currency} Wallet",
            "currency": currency,
            "available_balance": {"value": available, "currency": currency},
            "default": True,
            "active": True,
            "created_at": "2023-01-04T06:20:06.456Z",
            "updated_at": "2023-01-04T06:20:07.181Z",
            "deleted_at": None,
            "type": "ACCOUNT_TYPE_FIAT" if currency in FIAT else "ACCOUNT_TYPE_CRYPTO",
            "ready": True,
            "hold": {"value": hold, "currency": currency},
            "retail_portfolio_id": READ_ONLY["portfolio_uuid"],
            "platform": "ACCOUNT_PLATFORM_CONSUMER",
        }
        self.accounts.append(account)
        self.transactions[account["uuid"]] = []
        if self.server is not None:
            _route_transactions(self.server, self, account["uuid"])
        return account

    def account(self, currency: str) -> dict:
        return next(a for a in self.accounts if a["currency"] == currency)

    def add_fill(
        self,
        product_id: str,
        price: str,
        size: str,
        time_ms: int,
        *,
        side: str = "BUY",
        commission: str = "0.03136",
        size_in_quote: bool = False,
    ) -> dict:
        self._sequence += 1
        raw = {
            "entry_id": uuid.uuid4().hex * 2,
            "trade_id": str(uuid.uuid4()),
            "order_id": str(uuid.uuid4()),
            "trade_time": iso(time_ms),
            "trade_type": "FILL",
            "price": price,
            "size": size,
            "commission": commission,
            "product_id": product_id,
            # Recorded a few milliseconds after the trade, in the order fills were recorded.
            "sequence_timestamp": iso(time_ms + 3),
            "liquidity_indicator": "TAKER",
            "size_in_quote": size_in_quote,
            "user_id": "dbcb91e7-2bc9-5152-bb6f-72d6677e6727",
            "side": side,
            "retail_portfolio_id": READ_ONLY["portfolio_uuid"],
            "_sequence": self._sequence,  # the fake's own keyset, never sent
        }
        self.fills.append(raw)
        return raw

    def add_transaction(
        self,
        currency: str,
        kind: str,
        amount: str,
        time_ms: int,
        *,
        status: str = "completed",
        fee: str | None = None,
        network: str = "ethereum",
    ) -> dict:
        """Add a v2 transaction; kind is its type (send, receive, fiat_deposit, buy, …).

        A negative amount is a debit (a send out), a positive one a credit.
        """
        account = self.account(currency)
        tx_id = str(uuid.uuid4())
        native = str(Decimal(amount) * 2)
        raw = {
            "amount": {"amount": amount, "currency": currency},
            "created_at": iso(time_ms, digits=0),
            "id": tx_id,
            "native_amount": {"amount": native, "currency": "USD"},
            "resource": "transaction",
            "resource_path": f"/v2/accounts/{account['uuid']}/transactions/{tx_id}",
            "status": status,
            "type": kind,
        }
        if kind in ("send", "receive"):
            raw["network"] = {
                "hash": uuid.uuid4().hex + uuid.uuid4().hex,
                "network_name": network,
                "status": "confirmed" if status == "completed" else "pending",
            }
            if fee is not None:
                raw["network"]["transaction_fee"] = {"amount": fee, "currency": currency}
            if amount.startswith("-"):
                raw["idem"] = str(uuid.uuid4())
                raw["to"] = {"address": "0x22d35481cb74fa959aec61d11a5d4507a6112345"}
                raw["to"]["resource"] = "address"
        self.transactions[account["uuid"]].append(raw)
        return raw


def _accounts_page(request: Request, ledger: Ledger) -> Reply:
    limit = min(int(request.query.get("limit") or 49), 250)
    start = int(request.query.get("cursor") or 0)
    page = ledger.accounts[start : start + limit]
    has_next = start + limit < len(ledger.accounts)
    return Reply(
        {
            "accounts": page,
            "has_next": has_next,
            "cursor": str(start + limit) if has_next else "",
            "size": len(page),
        }
    )


def _fills_page(request: Request, ledger: Ledger) -> Reply:
    limit = int(request.query.get("limit") or 100)
    chosen = ledger.fills
    if request.query.get("start_sequence_timestamp"):
        start = _parse_time(request.query["start_sequence_timestamp"])
        chosen = [f for f in chosen if _parse_time(f["sequence_timestamp"]) >= start]
    if request.query.get("end_sequence_timestamp"):
        end = _parse_time(request.query["end_sequence_timestamp"])
        chosen = [f for f in chosen if _parse_time(f["sequence_timestamp"]) <= end]
    if request.query.get("cursor"):
        chosen = [f for f in chosen if f["_sequence"] < int(request.query["cursor"])]
    chosen = sorted(chosen, key=lambda f: f["_sequence"], reverse=True)  # newest first
    page = chosen[:limit]
    more = len(chosen) > limit
    return Reply(
        {
            "fills": [{k: v for k, v in f.items() if k != "_sequence"} for f in page],
            "cursor": str(page[-1]["_sequence"]) if more else "",
        }
    )


def _transactions_page(request: Request, ledger: Ledger, account_uuid: str) -> Reply:
    limit = int(request.query.get("limit") or 25)
    if not 0 < limit <= 100:
        return errors_v2("invalid_request", "limit must be between 1 and 100", 400)
    # Newest first; among transactions of the same second, the later one first.
    listed = list(reversed(ledger.transactions[account_uuid]))
    listed.sort(key=lambda t: t["created_at"], reverse=True)
    after = request.query.get("starting_after")
    if after:
        ids = [t["id"] for t in listed]
        if after not in ids:
            return errors_v2("not_found", "Not found", 404)
        listed = listed[ids.index(after) + 1 :]
    page = listed[:limit]
    more = len(listed) > limit
    path = transactions_path(account_uuid)
    next_after = page[-1]["id"] if more else None
    return Reply(
        {
            "pagination": {
                "ending_before": None,
                "starting_after": after,
                "previous_ending_before": None,
                "next_starting_after": next_after,
                "limit": limit,
                "order": "desc",
                "previous_uri": None,
                "next_uri": f"{path}?limit={limit}&starting_after={next_after}" if more else None,
            },
            "data": page,
        }
    )


def _route_transactions(server: FakeExchangeServer, ledger: Ledger, account_uuid: str) -> None:
    server.route(
        "GET",
        transactions_path(account_uuid),
        lambda r: _transactions_page(r, ledger, account_uuid),
    )


def serve_ledger(server: FakeExchangeServer, ledger: Ledger) -> None:
    """Serve currencies, products, accounts, fills and each wallet's transactions."""
    serve_permissions(server, permissions())
    server.route(
        "GET",
        CURRENCIES_PATHS[0],
        {"data": [{"id": c, "name": n, "min_size": "0.01"} for c, n in FIAT.items()]},
    )
    server.route(
        "GET",
        CURRENCIES_PATHS[1],
        {
            "data": [
                {
                    "asset_id": str(uuid.uuid5(uuid.NAMESPACE_URL, c)),
                    "code": c,
                    "name": n,
                    "color": "#0033AD",
                    "sort_index": 100 + i,
                    "exponent": 8,
                    "type": "crypto",
                    "address_regex": "^(?:0x)?[0-9a-fA-F]{40}$",
                }
                for i, (c, n) in enumerate(CRYPTO.items())
            ]
        },
    )
    server.route(
        "GET",
        CURRENCIES_PATHS[2],
        {"data": {"currency": "USD", "rates": {c: "1" for c in [*FIAT, *CRYPTO]}}},
    )

    def products(request: Request) -> Reply:
        if request.query.get("product_type", "SPOT") != "SPOT":
            return Reply({"products": [], "num_products": 0})
        listed = [
            coinbase_product(b, q, "67060", crypto=CRYPTO, fiat=FIAT) for b, q in ledger.products
        ]
        return Reply({"products": listed, "num_products": len(listed)})

    server.route("GET", PRODUCTS_PATH, products)
    server.route("GET", SUMMARY_PATH, SUMMARY)
    server.route("GET", ACCOUNTS_PATH, lambda r: _accounts_page(r, ledger))
    server.route("GET", FILLS_PATH, lambda r: _fills_page(r, ledger))
    ledger.server = server
    for account in ledger.accounts:
        _route_transactions(server, ledger, account["uuid"])
