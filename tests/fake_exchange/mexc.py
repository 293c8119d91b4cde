"""MEXC's answers: GET /api/v3/apiKeyInfo and its errors.

Provisional, like the inspector: the shape is a third-party fixture's, not MEXC's documentation.
"""

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/api/v3/apiKeyInfo"
CREDENTIALS = {"api_key": "mx0npKfh57kEEVmyLa", "secret": "mexc-test-secret"}

# The third-party sample without its SPOT_DEAL_WRITE: a read-only key.
READ_ONLY = {
    "note": "note2",
    "accessKey": CREDENTIALS["api_key"],
    "createTime": "2026-09-14T18:53:36.000+00:00",
    "permissions": "CONTRACT_ACCOUNT_READ,CONTRACT_DEAL_READ,SPOT_ACCOUNT_READ,SPOT_DEAL_READ",
    "remainingValidity": 82,
    "ipWhiteList": "",
    "status": "VALID",
}
TRADE_FLAGS = [
    "SPOT_DEAL_WRITE",
    "SPOT_ACCOUNT_WRITE",
    "CONTRACT_DEAL_WRITE",
    "CONTRACT_ACCOUNT_WRITE",
    "MARGIN_DEAL_WRITE",
]
TRANSFER_FLAGS = [
    "SPOT_TRANSFER_WRITE",
    "SPOT_WITHDRAW_WRITE",
    "SPOT_WITHDRAW_READ",
    "SUB_ACCOUNT_TRANSFER_WRITE",
]


def permissions(fields: dict | None = None) -> dict:
    """Return the read-only answer with some fields changed."""
    return {**READ_ONLY, **(fields or {})}


def with_permission(code: str) -> dict:
    """Return the read-only answer with one more permission code."""
    return permissions({"permissions": READ_ONLY["permissions"] + "," + code})


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply({"code": 700002, "msg": "Signature for this request is not valid."}, 400),
    )
