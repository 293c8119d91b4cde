"""Bitget's documented answers: GET /api/v3/account/info, /api/v2/spot/account/info, errors."""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply

V3_PATH = "/api/v3/account/info"
V2_PATH = "/api/v2/spot/account/info"
PERMISSIONS_PATH = V3_PATH
CREDENTIALS = {
    "api_key": "bg_0123456789abcdef0123456789abcdef",
    "secret": "bitget-test-secret-0123456789abcdef",
    "password": "bitget-test-passphrase",
}

# Bitget's documented v3 (unified account) sample ([DOC]): read and write, with withdraw.
V3_DOC_SAMPLE = {
    "code": "00000",
    "msg": "success",
    "requestTime": 1744617600000,
    "data": {
        "uid": "123456789",
        "inviterId": "987654321",
        "parentId": "",
        "channelCode": "6258",
        "channel": "official",
        "ips": "192.168.1.1,192.168.1.2",
        "permType": "read-and-write",
        "permissions": [
            "uta_mgt",
            "uta_trade",
            "withdraw",
            "copy_futures_position",
            "copy_futures_order",
        ],
        "regisTime": "1704067200000",
    },
}
# A read-only unified-account key (its permissions are then the areas it may read).
V3_READ_ONLY = copy.deepcopy(V3_DOC_SAMPLE)
V3_READ_ONLY["data"].update(permType="read-only", permissions=["uta_mgt", "uta_trade"])
READ_ONLY = V3_READ_ONLY
V3_TRADE_FLAGS = ["uta_trade", "copy_futures_position", "copy_futures_order"]
V3_TRANSFER_FLAGS = ["withdraw", "uta_mgt"]

# Bitget's documented v2 (classic account) sample ([DOC]): legacy trade and readonly.
V2_DOC_SAMPLE = {
    "code": "00000",
    "msg": "success",
    "requestTime": 1695808949356,
    "data": {
        "userId": "**********",
        "inviterId": "**********",
        "ips": "127.0.0.1",
        "authorities": ["trade", "readonly"],
        "parentId": 1,
        "traderType": "trader",
        "channelCode": "XXX",
        "channel": "YYY",
        "regisTime": "1246566789345",
    },
}
V2_READ_CODES = ["coor", "cpor", "stor", "smor", "ttor", "wtor", "taxr", "chor", "p2pr", "pllr"]
V2_READ_ONLY = copy.deepcopy(V2_DOC_SAMPLE)
V2_READ_ONLY["data"].update(authorities=["readonly", *V2_READ_CODES], ips="")
V2_TRADE_FLAGS = ["trade", "coow", "cpow", "stow", "smow", "ttow", "p2p", "p2pw", "pllw", "taxw"]
V2_TRANSFER_FLAGS = ["wtow", "wwow", "chow"]
TRADE_FLAGS = V3_TRADE_FLAGS + V2_TRADE_FLAGS
TRANSFER_FLAGS = V3_TRANSFER_FLAGS + V2_TRANSFER_FLAGS

# What a classic account gets from the unified-account endpoint (code as reported by users
# of the v3 API; the message is illustrative).
CLASSIC_ACCOUNT_ERROR = {
    "code": "40084",
    "msg": "You are in Classic Account mode, and the Unified Account API is not supported",
    "requestTime": 1744617600000,
    "data": None,
}


def v3(perm_type: str = "read-only", permissions: list[str] | None = None, **fields) -> dict:
    """Return the read-only v3 answer with the permission type and areas changed."""
    answer = copy.deepcopy(V3_READ_ONLY)
    answer["data"]["permType"] = perm_type
    if permissions is not None:
        answer["data"]["permissions"] = permissions
    answer["data"].update(fields)
    return answer


def v2(extra: list[str] | None = None, **fields) -> dict:
    """Return the read-only v2 answer with authority codes added."""
    answer = copy.deepcopy(V2_READ_ONLY)
    answer["data"]["authorities"] += list(extra or [])
    answer["data"].update(fields)
    return answer


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    """Serve a unified account: v3 answers, v2 refuses (code 40085)."""
    server.route("GET", V3_PATH, answer)
    server.route(
        "GET",
        V2_PATH,
        Reply(
            {
                "code": "40085",
                "msg": "You are in Unified Account mode, and the Classic Account API is not "
                "supported at this time",
                "requestTime": 1744617600000,
                "data": None,
            },
            400,
        ),
    )


def serve_classic_permissions(server: FakeExchangeServer, answer: dict) -> None:
    """Serve a classic account: v3 refuses (code 40084), v2 answers."""
    server.route("GET", V3_PATH, Reply(CLASSIC_ACCOUNT_ERROR, 400))
    server.route("GET", V2_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    error = {"code": "40037", "msg": "Apikey does not exist", "requestTime": 1, "data": None}
    server.route("GET", V3_PATH, Reply(error, 400))
    server.route("GET", V2_PATH, Reply(error, 400))
