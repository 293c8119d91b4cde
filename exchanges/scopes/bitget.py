"""Bitget: GET /api/v3/account/info (unified accounts), else GET /api/v2/spot/account/info.

The v3 (UTA) endpoint needs no permission and reports the key's permission type; classic
accounts are refused there (code 40084, "Classic Account mode"), and unified accounts are
refused by the v2 endpoint (40085). So v3 is asked first, and v2 only when v3 is unavailable.
"""

from exchanges.client import ExchangeClient
from exchanges.errors import (
    ExchangeRejected,
    ExchangeUnavailable,
    KeyPermissionDenied,
    MalformedAnswer,
)
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import require_dict, require_field, split_csv
from exchanges.scopes.report import FlagRule, Permission, Scope, ScopeReport, unknown_permission

NAME = "Bitget"
HELP = KeyHelp(
    api_page="Profile → API Key Management (bitget.com/account/newapi)",
    steps=(
        "Choose Create API Key, then “System-generated API key”, and name it Porthole.",
        "Set a passphrase and note it: Porthole needs it with the key.",
        "Choose the “Read-only” permission type (not “Read and write”).",
        "Leave “Withdraw”, “Transfer” and every trading box unticked.",
        "Copy the API key and the secret key; Bitget shows the secret only once.",
    ),
    passphrase="passphrase",  # noqa: S106 (the name of the field, not a value)
    ip_allowlist=True,
    ip_advice="the “Bind IP address” field when creating or editing the key",
)
_EDIT = "in API Key Management, edit the key"
_READ_ONLY = f"{_EDIT} and choose the “Read-only” permission type"

# v3 (unified trading account): `permType` is the switch; `permissions` lists product areas.
V3_PERM_TYPES = {
    "read-only": FlagRule(Scope.READ, "Read-only access is enabled"),
    "read-and-write": FlagRule(Scope.READ, "Reading is enabled"),
}
# A read-and-write key counts as trade and transfer even when no area says so explicitly.
V3_READ_WRITE = (
    FlagRule(Scope.TRADE, "Read and write access is enabled, so the key can trade", _READ_ONLY),
    FlagRule(
        Scope.TRANSFER, "Read and write access is enabled, so the key can move funds", _READ_ONLY
    ),
)
# Areas as they count on a read-and-write key. On a read-only key they are the readable areas,
# except withdraw, which is refused on any key.
V3_PERMISSIONS = {
    "uta_trade": FlagRule(Scope.TRADE, "Unified account trading is enabled", _READ_ONLY),
    # Account management; whether it covers transfers is not documented, so it counts as one.
    "uta_mgt": FlagRule(Scope.TRANSFER, "Unified account management is enabled", _READ_ONLY),
    "copy_futures_position": FlagRule(
        Scope.TRADE, "Futures copy-trading positions are enabled", _READ_ONLY
    ),
    "copy_futures_order": FlagRule(
        Scope.TRADE, "Futures copy-trading orders are enabled", _READ_ONLY
    ),
    "withdraw": FlagRule(
        Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} and untick “Withdraw”"
    ),
}
_V3_ALWAYS = {"withdraw"}

# v2 (classic account): `authorities` codes; …r codes read, …w codes write.
_V2_READ = {
    "readonly": "Read-only access is enabled",
    "coor": "Reading futures orders is enabled",
    "cpor": "Reading futures positions is enabled",
    "stor": "Reading spot orders is enabled",
    "smor": "Reading margin orders is enabled",
    "ttor": "Reading copy trading is enabled",
    "wtor": "Reading wallet transfers is enabled",
    "taxr": "Reading tax records is enabled",
    "chor": "Reading sub-accounts is enabled",
    "p2pr": "Reading P2P orders is enabled",
    "pllr": "Reading pledge loans is enabled",
}
_V2_TRADE = {
    "trade": ("Trading is enabled", "“Trade”"),
    "coow": ("Futures orders are enabled", "futures “Orders” write access"),
    "cpow": ("Futures position changes are enabled", "futures “Holdings” write access"),
    "stow": ("Spot trading is enabled", "spot “Trade” write access"),
    "smow": ("Margin trading is enabled", "margin “Trade” write access"),
    "ttow": ("Copy trading is enabled", "copy trading write access"),
    "p2p": ("P2P trading is enabled", "P2P write access"),
    "p2pw": ("P2P trading is enabled", "P2P write access"),
    "pllw": ("Pledge loans are enabled", "pledge loan write access"),
    "taxw": ("Writing tax settings is enabled", "tax write access"),
}
_V2_TRANSFER = {
    "wtow": ("Wallet transfers are enabled", "wallet “Transfer” write access"),
    "wwow": ("Withdrawals are enabled", "wallet “Withdraw” write access"),
    "chow": (
        "Sub-account management (including transfers) is enabled",
        "sub-account management write access",
    ),
}
V2_FLAGS = {
    **{code: FlagRule(Scope.READ, text) for code, text in _V2_READ.items()},
    **{
        code: FlagRule(Scope.TRADE, text, f"{_EDIT} and remove {what}")
        for code, (text, what) in _V2_TRADE.items()
    },
    **{
        code: FlagRule(Scope.TRANSFER, text, f"{_EDIT} and remove {what}")
        for code, (text, what) in _V2_TRANSFER.items()
    },
}


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    try:
        answer = client.call("privateUtaGetV3AccountInfo")
    except (ExchangeRejected, ExchangeUnavailable, KeyPermissionDenied):
        # Not a unified account (or v3 is not served): ask the classic endpoint instead.
        # Authentication failures, rate limits, timeouts and odd answers are not retried.
        return classify_v2(client.call("privateSpotGetV2SpotAccountInfo"))
    return classify_v3(answer)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for a v3 or a v2 account/info answer, told apart by shape."""
    data = _data(answer)
    if ("permType" in data) == ("authorities" in data):
        raise MalformedAnswer("The exchange's answer is not in the documented form.")
    return classify_v3(answer) if "permType" in data else classify_v2(answer)


def classify_v3(answer: object) -> ScopeReport:
    """Return the scope report for one /api/v3/account/info answer."""
    data = _data(answer)
    perm_type = require_field(data, "permType", str)
    areas = require_field(data, "permissions", list)
    if not all(isinstance(area, str) for area in areas):
        raise MalformedAnswer("The exchange's field “permissions” has an unexpected type.")
    granted: list[Permission] = []
    if perm_type in V3_PERM_TYPES:
        granted.append(V3_PERM_TYPES[perm_type].permission("permType"))
    else:
        granted.append(unknown_permission(f"permType={perm_type}", NAME))
    writable = perm_type != "read-only"
    for area in dict.fromkeys(areas):
        rule = V3_PERMISSIONS.get(area)
        if rule is None:
            granted.append(unknown_permission(area, NAME))
        elif writable or area in _V3_ALWAYS:
            granted.append(rule.permission(area))
    if perm_type == "read-and-write":
        for rule in V3_READ_WRITE:
            if not any(p.scope is rule.scope for p in granted):
                granted.append(rule.permission("permType"))
    return _report(data, granted)


def classify_v2(answer: object) -> ScopeReport:
    """Return the scope report for one /api/v2/spot/account/info answer."""
    data = _data(answer)
    codes = require_field(data, "authorities", list)
    if not all(isinstance(code, str) for code in codes):
        raise MalformedAnswer("The exchange's field “authorities” has an unexpected type.")
    granted = []
    for code in dict.fromkeys(codes):
        rule = V2_FLAGS.get(code)
        granted.append(rule.permission(code) if rule else unknown_permission(code, NAME))
    return _report(data, granted)


def _data(answer: object) -> dict:
    envelope = require_dict(answer)
    if require_field(envelope, "code", str) != "00000":
        raise ExchangeRejected()
    return require_field(envelope, "data", dict)


def _report(data: dict, granted: list[Permission]) -> ScopeReport:
    ips = data.get("ips")
    return ScopeReport(
        exchange_id="bitget",
        granted=granted,
        raw=dict(data),
        ip_restricted=bool(split_csv(ips)) if isinstance(ips, str) else None,
        ip_allowlist=split_csv(ips) if isinstance(ips, str) else [],
    )
