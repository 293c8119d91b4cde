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
