"""MEXC: GET /api/v3/apiKeyInfo?accessKey=… (never the POST on the same path: it sets the IPs).

PROVISIONAL: the answer's shape comes from third-party code (a Go test fixture), not from MEXC's
own documentation page, which has not been checked:
{"note", "accessKey", "createTime", "permissions": "CSV", "remainingValidity", "ipWhiteList":
"CSV", "status": "VALID"}. The answer is accepted flat, or inside a {"code": 0|200, "data": {…}}
envelope. Rules (fail closed): `accessKey` must be the key, `status` must be "VALID", and every
permission must end in _READ. Codes containing WITHDRAW and *TRANSFER*_WRITE are transfers,
*_DEAL_WRITE and *_ACCOUNT_WRITE trades, anything else unknown.
"""

from datetime import UTC, datetime, timedelta

from exchanges.client import ExchangeClient
from exchanges.credentials import fingerprint
from exchanges.errors import ExchangeRejected, Unverifiable
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import key_mismatch, require_dict, require_field, split_csv
from exchanges.scopes.report import (
    FlagRule,
    Permission,
    Scope,
    ScopeReport,
    unknown_permission,
)

NAME = "MEXC"
HELP = KeyHelp(
    api_page="Profile menu → API Management",
    steps=(
        "Create a new API key with a note such as Porthole.",
        "Tick only the viewing permissions (view account details, view order details, view "
        "transfer records) for Spot and Futures.",
        "Leave every trading, transfer and withdrawal permission unticked.",
        "Copy the Access Key and the Secret Key; MEXC shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="the key's IP address binding; MEXC lets unbound keys expire",
)
_EDIT = "in API Management, edit the key and untick"

# The codes MEXC documents for API keys, with the words for each.
FLAGS = {
    "SPOT_ACCOUNT_READ": FlagRule(Scope.READ, "Spot account details can be viewed"),
    "SPOT_DEAL_READ": FlagRule(Scope.READ, "Spot orders can be viewed"),
    "CONTRACT_ACCOUNT_READ": FlagRule(Scope.READ, "Futures account details can be viewed"),
    "CONTRACT_DEAL_READ": FlagRule(Scope.READ, "Futures orders can be viewed"),
    "SPOT_TRANSFER_READ": FlagRule(Scope.READ, "Transfer records can be viewed"),
    "SPOT_ACCOUNT_WRITE": FlagRule(
        Scope.TRADE,
        "Spot account settings can be changed",
        f"{_EDIT} the Spot account write permission",
    ),
    "SPOT_DEAL_WRITE": FlagRule(
        Scope.TRADE, "Spot trading is enabled", f"{_EDIT} the Spot order placing permission"
    ),
    "CONTRACT_ACCOUNT_WRITE": FlagRule(
        Scope.TRADE,
        "Futures account settings can be changed",
        f"{_EDIT} the Futures account write permission",
    ),
    "CONTRACT_DEAL_WRITE": FlagRule(
        Scope.TRADE, "Futures trading is enabled", f"{_EDIT} the Futures order placing permission"
    ),
    "SPOT_TRANSFER_WRITE": FlagRule(
        Scope.TRANSFER, "Transfers are enabled", f"{_EDIT} the transfer permission"
    ),
}
_SUCCESS_CODES = (0, 200)


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    answer = client.call("spotPrivateGetApiKeyInfo", {"accessKey": client.public_key})
    return classify(answer, client.public_key)


def _permission(flag: str) -> Permission:
    """Return the permission of one code: the documented rule, else the reference's pattern."""
    if flag in FLAGS:
        return FLAGS[flag].permission(flag)
    if "WITHDRAW" in flag:
        return Permission(
            flag, Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} the withdrawal permission"
        )
    if flag.endswith("_READ"):
        return Permission(flag, Scope.READ, f"The permission “{flag}” (read) is enabled")
    if flag.endswith("_WRITE") and "TRANSFER" in flag:
        return Permission(
            flag, Scope.TRANSFER, "Transfers are enabled", f"{_EDIT} the permission “{flag}”"
        )
    if flag.endswith(("_DEAL_WRITE", "_ACCOUNT_WRITE")):
        return Permission(
            flag,
            Scope.TRADE,
            f"Trading is enabled (“{flag}”)",
            f"{_EDIT} the permission “{flag}”",
        )
    return unknown_permission(flag, NAME)


def _unwrap(answer: object) -> dict:
    data = require_dict(answer)
    if "accessKey" not in data and "data" in data:
        code = require_field(data, "code", int)
        if code not in _SUCCESS_CODES:
            raise ExchangeRejected(f"MEXC refused to describe the key (code {code}).")
        data = require_dict(data["data"], "data")
    return data


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one apiKeyInfo answer."""
    data = _unwrap(answer)
    if not api_key or require_field(data, "accessKey", str) != api_key:
        raise key_mismatch()
    status = require_field(data, "status", str)
    if status != "VALID":
        raise Unverifiable(
            f"MEXC reports this key as “{status}”, not valid, so Porthole cannot use it."
        )
    granted = [_permission(flag) for flag in split_csv(require_field(data, "permissions", str))]
    ips = split_csv(require_field(data, "ipWhiteList", str)) if "ipWhiteList" in data else None
    expires_at = None
    notes = []
    remaining = data.get("remainingValidity")
    if isinstance(remaining, int) and not isinstance(remaining, bool) and remaining >= 0:
        expires_at = datetime.now(UTC) + timedelta(days=remaining)
        notes.append(f"MEXC says this key stays valid for {remaining} more days.")
    return ScopeReport(
        exchange_id="mexc",
        granted=granted,
        raw={**data, "accessKey": fingerprint(api_key)},
        ip_restricted=bool(ips) if ips is not None else None,
        ip_allowlist=ips or [],
        expires_at=expires_at,
        notes=notes,
    )
