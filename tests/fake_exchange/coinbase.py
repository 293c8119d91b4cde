"""Coinbase's documented answers: /api/v3/brokerage/key_permissions and its errors."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/api/v3/brokerage/key_permissions"

# Coinbase's documented sample ([DOC]): a key that can view, trade and transfer.
DOC_SAMPLE = {
    "can_view": True,
    "can_trade": True,
    "can_transfer": True,
    "portfolio_uuid": "<string>",
    "portfolio_type": "UNDEFINED",
}
# The same answer with only "View" ticked: a read-only key.
READ_ONLY = {
    "can_view": True,
    "can_trade": False,
    "can_transfer": False,
    "portfolio_uuid": "8b6c4f1e-2d3a-4b5c-9e8f-0a1b2c3d4e5f",
    "portfolio_type": "DEFAULT",
}
TRADE_FLAGS = ["can_trade"]
# can_withdraw is what Coinbase's own SDK tests mock instead of can_transfer.
TRANSFER_FLAGS = ["can_transfer", "can_withdraw"]
KEY_NAME = "organizations/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/apiKeys/1a2b3c4d-5e6f-7a8b-9c0d"


def _ec_private_key_pem() -> str:
    """Return a fresh EC P-256 private key in PEM, the secret of a CDP key (made per run)."""
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


# A CDP key: its name and an EC private key in PEM (ccxt signs an ES256 JWT with it).
CREDENTIALS = {"api_key": KEY_NAME, "secret": _ec_private_key_pem()}

# A legacy (non-CDP) key: ccxt would sign it with HMAC, so Porthole refuses it unasked.
LEGACY_CREDENTIALS = {"api_key": "aBcDeFgHiJkLmNoP", "secret": "0123456789abcdefghijklmnopqrstuv"}


def permissions(flags: dict | None = None) -> dict:
    """Return the read-only answer with some fields changed (or added)."""
    return {**READ_ONLY, **(flags or {})}


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    # Coinbase answers a rejected JWT with a bare 401.
    server.route("GET", PERMISSIONS_PATH, Reply(raw=b"Unauthorized\n", status=401))


def serve_permission_denied(server: FakeExchangeServer) -> None:
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply(
            {
                "error": "PERMISSION_DENIED",
                "error_details": "Missing required scopes",
                "message": "Missing required scopes",
            },
            403,
        ),
    )
