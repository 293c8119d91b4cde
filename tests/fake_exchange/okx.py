"""OKX's documented answers: GET /api/v5/account/config and its errors."""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/api/v5/account/config"
CREDENTIALS = {
    "api_key": "0f1e2d3c-okx-test-key-4b5a69788a9b",
    "secret": "OKXTESTSECRET0123456789ABCDEF",
    "password": "okx-test-passphrase",
}

# ccxt's sample of OKX's answer ([CCXT], okx.py fetch_accounts): read, withdraw and trade.
DOC_SAMPLE = {
    "code": "0",
    "data": [
        {
            "acctLv": "2",
            "autoLoan": False,
            "ctIsoMode": "automatic",
            "greeksType": "PA",
            "level": "Lv1",
            "levelTmp": "",
            "mgnIsoMode": "automatic",
            "posMode": "long_short_mode",
            "uid": "44705892343619584",
            "mainUid": "44705892343619584",
            "label": "v5 test",
            "roleType": "0",
            "traderInsts": [],
            "spotRoleType": "0",
            "spotTraderInsts": [],
            "ip": "",
            "perm": "read_only,withdraw,trade",
            "kycLv": "3",
        }
    ],
    "msg": "",
}
READ_ONLY = copy.deepcopy(DOC_SAMPLE)
READ_ONLY["data"][0].update(perm="read_only", label="porthole", ip="203.0.113.7,198.51.100.2")
TRADE_FLAGS = ["trade"]
# OKX documents funds transfers as needing the Trade permission, so trade is both.
TRANSFER_FLAGS = ["withdraw", "trade"]


def permissions(perm: str = "read_only", **fields) -> dict:
    """Return the read-only answer with `perm` (and other account fields) changed."""
    answer = copy.deepcopy(READ_ONLY)
    answer["data"][0].update(perm=perm, **fields)
    return answer


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET", PERMISSIONS_PATH, Reply({"msg": "Invalid OK-ACCESS-KEY", "code": "50111"}, 401)
    )
