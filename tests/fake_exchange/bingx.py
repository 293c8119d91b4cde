"""BingX's answers: /openApi/v1/account/apiPermissions and its errors.

BingX publishes no sample; this is built from its SDK's response model, as in the reference.
"""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/openApi/v1/account/apiPermissions"
CREDENTIALS = {"api_key": "bingx-test-key-0123456789abcdef", "secret": "bingx-test-secret"}

READ_ONLY = {
    "code": 0,
    "msg": "",
    "data": {
        "apiKey": CREDENTIALS["api_key"],
        "permissions": [2],
        "ipAddresses": ["203.0.113.7"],
        "note": "Porthole",
    },
}
TRADE_FLAGS = [1, 3]  # spot trading, perpetual futures trading
TRANSFER_FLAGS = [4, 5, 7]  # universal transfer, withdrawal, sub-account transfer


def permissions(data: dict | None = None) -> dict:
    """Return the read-only answer with some of its data fields changed."""
    answer = copy.deepcopy(READ_ONLY)
    answer["data"].update(data or {})
    return answer


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply(
            {
                "code": 100413,
                "msg": "Incorrect apiKey, please check your valid api key",
                "timestamp": 1705274099347,
            }
        ),
    )
