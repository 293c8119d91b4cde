"""Coinbase Advanced Trade: GET /api/v3/brokerage/key_permissions (CDP API keys only)."""

from exchanges.client import ExchangeClient
from exchanges.errors import Unverifiable
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import require_dict, require_field
from exchanges.scopes.report import FlagRule, Scope, ScopeReport, unknown_permission

NAME = "Coinbase"
HELP = KeyHelp(
    api_page="Coinbase Developer Platform → API keys (portal.cdp.coinbase.com, “Secret API Keys”)",
    steps=(
        "Choose Create API key and give it a nickname such as Porthole.",
        "Under API restrictions pick the portfolio to track and tick only “View”.",
        "Leave “Trade” and “Transfer” unticked.",
        "Under Advanced settings choose the ECDSA signature algorithm.",
        "Copy the API key name (organizations/…/apiKeys/…) and the whole private key, from "
        "-----BEGIN EC PRIVATE KEY----- to -----END EC PRIVATE KEY-----; Coinbase shows it once.",
    ),
    ip_allowlist=True,
    ip_advice="“IP allowlist” under Advanced settings when you create the key",
)
_EDIT = "on the Coinbase Developer Platform, delete this key and create one with only “View”"

FLAGS = {
    "can_view": FlagRule(Scope.READ, "Viewing is enabled"),
    "can_trade": FlagRule(
        Scope.TRADE, "Trading is enabled", f"{_EDIT} ticked (leave “Trade” unticked)"
    ),
    "can_transfer": FlagRule(
        Scope.TRANSFER,
        "Transfers (deposits and withdrawals) are enabled",
        f"{_EDIT} ticked (leave “Transfer” unticked)",
    ),
    # Coinbase's own SDK tests name the transfer flag can_withdraw; treat it the same.
    "can_withdraw": FlagRule(
        Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} ticked (leave “Transfer” unticked)"
    ),
}
# Informational fields that are not permissions. Any other field that is set counts as an
# unknown permission (the docs mention an "inbound payments" flag whose name is not known).
_INFO = {"portfolio_uuid", "portfolio_type"}
_REQUIRED = ("can_view", "can_trade")
_PORTFOLIO_TYPES = {
    "DEFAULT": "your default portfolio",
    "CONSUMER": "your Coinbase (consumer) portfolio",
    "INTX": "your Coinbase International portfolio",
}


def _signs_with_jwt(api_key: str, secret: str) -> bool:
    """Return whether ccxt signs this key as a CDP key (mirrors ccxt's coinbase.sign())."""
    ecdsa = "organizations/" in api_key or secret.startswith("-----BEGIN")
    ed25519 = len(secret) == 88 or secret.endswith("=")
    return ecdsa or ed25519


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    key = client.public_key
    if key.startswith("-----BEGIN"):
        raise Unverifiable(
            "The API key field holds a private key. Enter the API key name "
            "(organizations/…/apiKeys/…) as the key and the private key as the secret."
        )
    if not client.secret_matches(lambda secret: _signs_with_jwt(key, secret)):
        # Legacy (non-CDP) keys are deprecated and key_permissions is documented for CDP
        # keys only, so Porthole cannot confirm what such a key may do.
        raise Unverifiable(
            "This looks like a legacy Coinbase API key, whose permissions Porthole cannot "
            "check. Create a Coinbase Developer Platform (CDP) key with only “View” ticked: "
            "its name starts with organizations/ and its secret with -----BEGIN EC PRIVATE KEY."
        )
    return classify(client.call("v3PrivateGetBrokerageKeyPermissions"), key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one key_permissions answer."""
    data = require_dict(answer)
    if "can_transfer" not in data:
        # The SDK's tests show can_withdraw instead: without the documented field Porthole
        # cannot tell whether the key can move funds.
        raise Unverifiable(
            "Coinbase did not say whether this key can transfer funds, so Porthole could not "
            "confirm that it is read-only."
        )
    for name in (*_REQUIRED, "can_transfer"):
        require_field(data, name, bool)
    granted = []
    for flag, value in data.items():
        if flag in _INFO or value is False or value is None:
            continue
        if flag in FLAGS and value is True:
            granted.append(FLAGS[flag].permission(flag))
        else:
            granted.append(unknown_permission(flag, NAME))
    return ScopeReport(
        exchange_id="coinbase",
        granted=granted,
        raw=dict(data),
        notes=_notes(data),
    )


def _notes(data: dict) -> list[str]:
    portfolio = data.get("portfolio_uuid")
    kind = _PORTFOLIO_TYPES.get(str(data.get("portfolio_type")), "one portfolio")
    where = f" (portfolio {portfolio})" if isinstance(portfolio, str) and portfolio else ""
    return [
        f"A Coinbase key covers only {kind}{where}: balances in other portfolios are not "
        "synced. Add one key per portfolio to track them all."
    ]
