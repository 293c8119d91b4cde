"""Bitfinex's documented answers: /v2/auth/r/permissions and its errors."""

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/v2/auth/r/permissions"
CREDENTIALS = {"api_key": "bitfinex-test-key-0123456789", "secret": "bitfinex-test-secret"}

# Built from the documented table: every scope readable, nothing writable, no withdrawal.
READ_ONLY = [
    ["account", 1, 0],
    ["history", 1, 0],
    ["orders", 1, 0],
    ["positions", 1, 0],
    ["funding", 1, 0],
    ["settings", 1, 0],
    ["wallets", 1, 0],
    ["withdraw", 0, 0],
    ["ui_withdraw", 0, 0],
    ["bfxpay", 0, 0],
]
# (scope, read, write) variants, each one bit away from read-only.
TRADE_FLAGS = [
    ("account", 1, 1),
    ("orders", 1, 1),
    ("positions", 1, 1),
    ("funding", 1, 1),
    ("settings", 1, 1),
]
TRANSFER_FLAGS = [
    ("wallets", 1, 1),
    ("bfxpay", 0, 1),
    ("withdraw", 1, 0),
    ("withdraw", 0, 1),
    ("ui_withdraw", 1, 0),
    ("ui_withdraw", 0, 1),
]


def permissions(*rows: tuple[str, int, int]) -> list:
    """Return the read-only answer with some rows replaced (or added)."""
    changed = {scope: [scope, read, write] for scope, read, write in rows}
    answer = [changed.pop(row[0], list(row)) for row in READ_ONLY]
    return answer + list(changed.values())


def serve_permissions(server: FakeExchangeServer, answer: list) -> None:
    server.route("POST", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route("POST", PERMISSIONS_PATH, Reply(["error", 10100, "apikey: invalid"], 500))
