"""Gate's documented answers: /api/v4/account/main_keys and its errors."""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/api/v4/account/main_keys"
CREDENTIALS = {"api_key": "c5dcfbf1f3a7d2e4b8a90123456789ab", "secret": "gate-test-secret"}

READ_ONLY_PERMS = [
    {"name": "account", "read_only": True},
    {"name": "spot", "read_only": True},
    {"name": "futures", "read_only": True},
    {"name": "wallet", "read_only": True},
]


def _row(key: str, name: str, perms: list[dict], ips: list[str] | None = None) -> dict:
    return {
        "state": 1,
        "mode": 1,
        "name": name,
        "user_id": 1,
        "perms": perms,
        "ip_whitelist": ips or [],
        "currency_pairs": [],
        "key": key,
        "created_at": 1753030929,
        "update_at": 1756300567,
        "last_access": 1753030929,
    }


# Gate's documented sample: a list of the account's keys with masked keys. The first row is this
# key (its prefix starts CREDENTIALS' key), the second another key with trading rights.
OTHER_KEY_ROW = _row(
    "52fd0035f665*****",
    "test2",
    [{"name": "spot", "read_only": False}, {"name": "account", "read_only": False}],
)
READ_ONLY = [_row("c5dcfbf1f3a7*****", "porthole", READ_ONLY_PERMS, ["203.0.113.7"]), OTHER_KEY_ROW]

# Every module Gate documents; writable wallet moves funds, any other writable module trades.
TRADE_FLAGS = [
    "spot",
    "futures",
    "delivery",
    "earn",
    "custody",
    "options",
    "account",
    "loan",
    "margin",
    "unified",
    "copy",
    "pilot",
    "otc",
    "alpha",
    "crossx",
]
TRANSFER_FLAGS = ["wallet"]


def permissions(perms: list[dict] | None = None) -> list:
    """Return the documented list; with perms, this key's row has those permissions instead."""
    answer = copy.deepcopy(READ_ONLY)
    if perms is not None:
        answer[0]["perms"] = perms
    return answer


def with_module(name: str, read_only: bool) -> list:
    """Return the read-only answer with one module (added or replaced) set as given."""
    perms = [p for p in READ_ONLY_PERMS if p["name"] != name]
    return permissions([*perms, {"name": name, "read_only": read_only}])


def serve_permissions(server: FakeExchangeServer, answer: object) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply({"label": "INVALID_KEY", "message": "Invalid key provided"}, 401),
    )


def serve_forbidden(server: FakeExchangeServer) -> None:
    """The answer for a key without the Account permission."""
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply(
            {"label": "FORBIDDEN", "message": "Request API key does not have account permission"},
            403,
        ),
    )
