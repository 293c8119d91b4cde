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
TRANSFER_FLAGS = ["enableWithdrawals", "enableInternalTransfer", "permitsUniversalTransfer",
                  "enableMargin"]
CREDENTIALS = {"api_key": "binance-test-key-0123456789", "secret": "binance-test-secret"}


def permissions(flags: dict | None = None) -> dict:
    """Return the read-only answer with some flags changed (or added)."""
    return {**READ_ONLY, **(flags or {})}


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route("GET", PERMISSIONS_PATH,
                 Reply({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
                       401))
