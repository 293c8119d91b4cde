"""HTX's documented answers: /v2/user/uid, /v2/user/api-key and their errors."""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply

UID_PATH = "/v2/user/uid"
PERMISSIONS_PATH = "/v2/user/api-key"
UID = 62924133
CREDENTIALS = {"api_key": "4ba5cdf2-4a92c5da-718ba144-dbuqg6hkte", "secret": "htx-test-secret"}

# HTX's documented sample row, reduced to the read permission: a read-only key.
ROW = {
    "accessKey": CREDENTIALS["api_key"],
    "status": "normal",
    "note": "62924133",
    "permission": "readOnly",
    "ipAddresses": "1.1.1.1,1.1.1.2",
    "validDays": -1,
    "createTime": 1591348751000,
    "updateTime": 1591348751000,
}
READ_ONLY = {"code": 200, "message": "success", "data": [ROW]}
TRADE_FLAGS = ["trade"]
TRANSFER_FLAGS = ["withdraw"]


def permissions(row: dict | None = None, *, extra_rows: list[dict] | None = None) -> dict:
    """Return the read-only answer with some of the key's fields changed, and other rows."""
    answer = copy.deepcopy(READ_ONLY)
    answer["data"][0].update(row or {})
    answer["data"].extend(extra_rows or [])
    return answer


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", UID_PATH, {"code": 200, "data": UID})
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    # The gateway's answer for a wrong key or signature, before any v2 endpoint is reached.
    error = {
        "status": "error",
        "err-code": "api-signature-not-valid",
        "err-msg": "Signature not valid: Incorrect Access key [Access key错误]",
        "data": None,
    }
    server.route("GET", UID_PATH, Reply(error))
    server.route("GET", PERMISSIONS_PATH, Reply(error))
