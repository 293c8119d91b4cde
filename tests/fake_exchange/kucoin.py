"""KuCoin's documented answers: GET /api/v1/user/api-key and its errors."""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/api/v1/user/api-key"
CREDENTIALS = {
    "api_key": "6705f5c311545b000157d3eb",
    "secret": "kucoin-test-secret-0123456789",
    "password": "kucoin-test-passphrase",
}

# KuCoin's sample from its own OpenAPI spec ([SPEC]): every permission.
DOC_SAMPLE = {
    "code": "200000",
    "data": {
        "remark": "account1",
        "apiKey": CREDENTIALS["api_key"],
        "apiVersion": 3,
        "permission": "General,Futures,Spot,Earn,InnerTransfer,Transfer,Margin",
        "ipWhitelist": "203.**.154,103.**.34",
        "createdAt": 1728443843000,
        "uid": 165111215,
        "isMaster": True,
    },
}
READ_ONLY = copy.deepcopy(DOC_SAMPLE)
READ_ONLY["data"].update(remark="porthole", permission="General")
TRADE_FLAGS = ["Spot", "Margin", "Futures", "Earn", "LeadtradeFutures"]
TRANSFER_FLAGS = ["Transfer", "InnerTransfer", "FlexTransfers", "Withdrawal"]


def permissions(permission: str = "General", **fields) -> dict:
    """Return the read-only answer with `permission` (and other key fields) changed."""
    answer = copy.deepcopy(READ_ONLY)
    answer["data"].update(permission=permission, **fields)
    return answer


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET", PERMISSIONS_PATH, Reply({"code": "400003", "msg": "KC-API-KEY not exists"}, 401)
    )
