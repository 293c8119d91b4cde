"""Gemini's documented answers: /v1/roles and its errors."""

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/v1/roles"
# ccxt signs only account-level keys, recognised by "account" in the key.
CREDENTIALS = {"api_key": "account-gemini-test-key-0123", "secret": "gemini-test-secret"}
MASTER_CREDENTIALS = {"api_key": "master-gemini-test-key-0123", "secret": "gemini-test-secret"}

# Built from the documented fields: the Auditor role alone is a read-only key.
READ_ONLY = {"isAuditor": True, "isFundManager": False, "isTrader": False}
TRADE_FLAGS = ["isTrader"]
TRANSFER_FLAGS = ["isFundManager"]


def permissions(flags: dict | None = None) -> dict:
    """Return the read-only answer with some roles changed (or added)."""
    return {**READ_ONLY, **(flags or {})}


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("POST", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "POST",
        PERMISSIONS_PATH,
        Reply(
            {"result": "error", "reason": "InvalidSignature", "message": "InvalidSignature"}, 400
        ),
    )
