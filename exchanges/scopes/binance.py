"""Binance: GET /sapi/v1/account/apiRestrictions (USER_DATA)."""

from datetime import UTC, datetime

from exchanges.client import ExchangeClient
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import require_dict, require_field
from exchanges.scopes.report import FlagRule, Scope, ScopeReport, unknown_permission

NAME = "Binance"
HELP = KeyHelp(
    api_page="Profile → Account → API Management (binance.com/en/my/settings/api-management)",
    steps=(
        "Choose Create API, then “System generated”, and give the key a label such as Porthole.",
        "Under API restrictions keep only “Enable Reading” ticked.",
        "Leave “Enable Spot & Margin Trading”, “Enable Withdrawals”, “Enable Futures”, "
        "“Enable Margin Loan, Repay & Transfer”, “Permits Universal Transfer” and every "
        "other box unticked.",
        "Copy the API key and the secret key; Binance shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="“Restrict access to trusted IPs only” under IP access restrictions",
)
_EDIT = "in API Management, choose Edit restrictions and untick"

FLAGS = {
    "enableReading": FlagRule(Scope.READ, "Reading is enabled"),
    "enableFixReadOnly": FlagRule(Scope.READ, "FIX API read-only access is enabled"),
    "enableSpotAndMarginTrading": FlagRule(
        Scope.TRADE, "Spot and margin trading is enabled", f"{_EDIT} “Enable Spot & Margin Trading”"
    ),
    "enableMargin": FlagRule(
        Scope.TRANSFER,
        "Margin loan, repay and transfer is enabled",
        f"{_EDIT} “Enable Margin Loan, Repay & Transfer”",
    ),
    "enableFutures": FlagRule(
        Scope.TRADE, "Futures trading is enabled", f"{_EDIT} “Enable Futures”"
    ),
    "enableVanillaOptions": FlagRule(
        Scope.TRADE, "European options trading is enabled", f"{_EDIT} “Enable European Options”"
    ),
    "enablePortfolioMarginTrading": FlagRule(
        Scope.TRADE,
        "Portfolio margin trading is enabled",
        f"{_EDIT} “Enable Portfolio Margin Trading”",
    ),
    "enableFixApiTrade": FlagRule(
        Scope.TRADE, "FIX API trading is enabled", f"{_EDIT} “Enable FIX API Trade”"
    ),
    "enableWithdrawals": FlagRule(
        Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} “Enable Withdrawals”"
    ),
    "enableInternalTransfer": FlagRule(
        Scope.TRANSFER,
        "Internal transfers between master and sub-accounts are enabled",
        f"{_EDIT} “Permits Internal Transfer”",
    ),
    "permitsUniversalTransfer": FlagRule(
        Scope.TRANSFER, "Universal transfers are enabled", f"{_EDIT} “Permits Universal Transfer”"
    ),
}
# Informational fields that are not permissions.
_INFO = {"ipRestrict", "createTime", "tradingAuthorityExpirationTime"}
_REQUIRED = (
    "enableReading",
    "enableSpotAndMarginTrading",
    "enableWithdrawals",
    "enableInternalTransfer",
    "permitsUniversalTransfer",
)


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    return classify(client.call("sapiGetAccountApiRestrictions"), client.public_key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one apiRestrictions answer."""
    data = require_dict(answer)
    for name in _REQUIRED:
        require_field(data, name, bool)
    granted = []
    for flag, value in data.items():
        if flag in _INFO or value is False or value is None:
            continue
        if flag in FLAGS and value is True:
            granted.append(FLAGS[flag].permission(flag))
        else:
            granted.append(unknown_permission(flag, NAME))
    expiry = data.get("tradingAuthorityExpirationTime")
    notes = []
    if expiry:
        notes.append(
            "Spot trading was enabled on this key at some point (it has a trading expiry)."
        )
    return ScopeReport(
        exchange_id="binance",
        granted=granted,
        raw={k: v for k, v in data.items()},
        ip_restricted=data.get("ipRestrict") if isinstance(data.get("ipRestrict"), bool) else None,
        expires_at=datetime.fromtimestamp(expiry / 1000, UTC) if isinstance(expiry, int) else None,
        notes=notes,
    )
