"""BingX: GET /openApi/v1/account/apiPermissions.

The shape comes from BingX's SDK models, not a captured answer: {"code": 0, "msg": "", "data":
{"apiKey": str, "permissions": [int], "ipAddresses": [str], "note": str}}. Permission codes:
2 read; 1 spot trading and 3 perpetual futures trading are trades; 4 universal transfer,
5 withdrawal and 7 sub-account transfer are transfers; any other code is unknown. `data.apiKey`,
when present, must be the key.
"""

from exchanges.client import ExchangeClient
from exchanges.credentials import fingerprint
from exchanges.errors import ExchangeRejected, MalformedAnswer
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import key_mismatch, require_dict, require_field
from exchanges.scopes.report import FlagRule, Scope, ScopeReport, unknown_permission

NAME = "BingX"
HELP = KeyHelp(
    api_page="Profile menu → API Management",
    steps=(
        "Choose Create API, pick a system-generated key and label it Porthole.",
        "Keep only “Read” ticked.",
        "Leave “Spot Trading”, “Perpetual Futures Trading”, “Universal Transfer”, "
        "“Withdraw” and “Internal transfer between sub-accounts” unticked.",
        "Copy the API key and the secret key; BingX shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="the key's IP restriction in API Management",
)
_EDIT = "in API Management, edit the key and untick"

# BingX's permission code (as text) -> rule.
FLAGS = {
    "2": FlagRule(Scope.READ, "Reading is enabled"),
    "1": FlagRule(Scope.TRADE, "Spot trading is enabled", f"{_EDIT} “Spot Trading”"),
    "3": FlagRule(
        Scope.TRADE,
        "Perpetual futures trading is enabled",
        f"{_EDIT} “Perpetual Futures Trading”",
    ),
    "4": FlagRule(
        Scope.TRANSFER, "Universal transfers are enabled", f"{_EDIT} “Universal Transfer”"
    ),
    "5": FlagRule(Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} “Withdraw”"),
    "7": FlagRule(
        Scope.TRANSFER,
        "Transfers between sub-accounts are enabled",
        f"{_EDIT} the internal transfer between sub-accounts",
    ),
}


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    return classify(client.call("accountV1PrivateGetAccountApiPermissions"), client.public_key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one apiPermissions answer."""
    envelope = require_dict(answer)
    code = require_field(envelope, "code", int)
    if code != 0:
        raise ExchangeRejected(f"BingX refused to describe the key (code {code}).")
    data = require_field(envelope, "data", dict)
    if "apiKey" in data and require_field(data, "apiKey", str) != api_key:
        raise key_mismatch()
    granted = []
    for value in require_field(data, "permissions", list):
        if not isinstance(value, int) or isinstance(value, bool):
            raise MalformedAnswer("The exchange's field “permissions” has an unexpected type.")
        flag = str(value)
        rule = FLAGS.get(flag)
        granted.append(rule.permission(flag) if rule else unknown_permission(flag, NAME))
    ips = data.get("ipAddresses")
    if ips is not None and not (isinstance(ips, list) and all(isinstance(i, str) for i in ips)):
        raise MalformedAnswer("The exchange's field “ipAddresses” has an unexpected type.")
    raw = dict(data)
    if "apiKey" in raw:
        raw["apiKey"] = fingerprint(api_key)
    return ScopeReport(
        exchange_id="bingx",
        granted=granted,
        raw=raw,
        ip_restricted=bool(ips) if ips is not None else None,
        ip_allowlist=list(ips or []),
    )
