"""Bybit: GET /v5/user/query-api (the requesting key's own information)."""

from datetime import UTC, datetime

from exchanges.client import ExchangeClient
from exchanges.errors import ExchangeRejected, MalformedAnswer
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import key_mismatch, require_dict, require_field
from exchanges.scopes.report import FlagRule, Permission, Scope, ScopeReport, unknown_permission

NAME = "Bybit"
HELP = KeyHelp(
    api_page="Profile → API (bybit.com/app/user/api-management)",
    steps=(
        "Choose Create New Key, then “System-generated API Keys” and “API Transaction”; "
        "name it Porthole.",
        "Under API Key Permissions choose “Read-Only”, not “Read-Write”.",
        "Tick the areas to read (for example Unified Trading, SPOT, Assets); leave "
        "“Withdrawal” under Assets unticked.",
        "Copy the API key and the secret; Bybit shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="“Only IPs with permissions granted are allowed to access the OpenAPI” when "
    "creating the key; keys without an IP address expire after three months",
)
_READ_ONLY = "in API Management, edit the key and choose “Read-Only” instead of “Read-Write”"

# `readOnly` is the authoritative switch: 1 = Read-Only, 0 = Read-Write.
READ_ONLY_RULE = FlagRule(Scope.READ, "Read-only access is enabled")
READ_RULE = FlagRule(Scope.READ, "Reading is enabled")  # part of Read-Write
READ_WRITE_RULES = {
    Scope.TRADE: FlagRule(
        Scope.TRADE, "Read-Write access is enabled, so the key can trade", _READ_ONLY
    ),
    Scope.TRANSFER: FlagRule(
        Scope.TRANSFER, "Read-Write access is enabled, so the key can move funds", _READ_ONLY
    ),
}
# Product areas in `permissions` (category -> list of items). With a Read-Only key they are
# the areas the key may read; with a Read-Write key every non-empty one is writable.
CATEGORIES = {
    "ContractTrade": FlagRule(Scope.TRADE, "Contract orders and positions are enabled", _READ_ONLY),
    "Spot": FlagRule(Scope.TRADE, "Spot trading is enabled", _READ_ONLY),
    "Options": FlagRule(Scope.TRADE, "Options trading is enabled", _READ_ONLY),
    "Derivatives": FlagRule(Scope.TRADE, "Derivatives trading is enabled", _READ_ONLY),
    "Exchange": FlagRule(Scope.TRADE, "Convert is enabled", _READ_ONLY),
    "Earn": FlagRule(Scope.TRADE, "Earn (subscribe and redeem) is enabled", _READ_ONLY),
    "CopyTrading": FlagRule(Scope.TRADE, "Copy trading is enabled", _READ_ONLY),
    "BlockTrade": FlagRule(Scope.TRADE, "Block trading is enabled", _READ_ONLY),
    "NFT": FlagRule(Scope.TRADE, "NFT trading is enabled", _READ_ONLY),
    "Affiliate": FlagRule(Scope.TRADE, "Affiliate management is enabled", _READ_ONLY),
    "FiatP2P": FlagRule(Scope.TRADE, "P2P trading and advertising are enabled", _READ_ONLY),
    "FiatConvertBroker": FlagRule(Scope.TRADE, "Fiat convert orders are enabled", _READ_ONLY),
    "FiatGlobalPay": FlagRule(Scope.TRADE, "Fiat payments are enabled", _READ_ONLY),
    "FiatBitPay": FlagRule(Scope.TRADE, "Bybit Pay orders are enabled", _READ_ONLY),
    "BitCard": FlagRule(Scope.TRADE, "Bybit Card management is enabled", _READ_ONLY),
    "ByXPost": FlagRule(Scope.TRADE, "ByX posting is enabled", _READ_ONLY),
}
# The Wallet category, item by item: all of them move funds on a Read-Write key.
WALLET = {
    "AccountTransfer": FlagRule(
        Scope.TRANSFER, "Transfers between your Bybit accounts are enabled", _READ_ONLY
    ),
    "SubMemberTransfer": FlagRule(
        Scope.TRANSFER, "Transfers between sub-accounts are enabled", _READ_ONLY
    ),
    "SubMemberTransferList": FlagRule(
        Scope.TRANSFER, "Transfers from this sub-account are enabled", _READ_ONLY
    ),
    "Withdraw": FlagRule(
        Scope.TRANSFER,
        "Withdrawals are enabled",
        "in API Management, edit the key and untick “Withdrawal” (and choose “Read-Only”)",
    ),
}
# Never stored in the report.
_NOT_RAW = {"apiKey", "secret", "rsaPublicKey"}


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    return classify(client.call("privateGetV5UserQueryApi"), client.public_key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one query-api answer ({"retCode": 0, "result": {…}})."""
    envelope = require_dict(answer)
    if require_field(envelope, "retCode", int) != 0:
        raise ExchangeRejected()  # ccxt lets some codes (e.g. 30084) through
    data = require_field(envelope, "result", dict)
    if require_field(data, "apiKey", str) != api_key:
        raise key_mismatch()
    read_only = require_field(data, "readOnly", int)
    categories = require_field(data, "permissions", dict)
    for items in categories.values():
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise MalformedAnswer("The exchange's field “permissions” has an unexpected type.")

    granted: list[Permission] = []
    if read_only == 1:
        granted.append(READ_ONLY_RULE.permission("readOnly"))
    elif read_only != 0:
        granted.append(unknown_permission(f"readOnly={read_only}", NAME))
    writable = read_only != 1
    for category, items in categories.items():
        if not items:
            continue
        if category == "Wallet":
            for item in dict.fromkeys(items):
                rule = WALLET.get(item)
                if rule is None:
                    granted.append(unknown_permission(f"Wallet.{item}", NAME))
                elif writable or item == "Withdraw":
                    # Withdraw is refused even on a Read-Only key, defensively.
                    granted.append(rule.permission(f"Wallet.{item}"))
        elif category not in CATEGORIES:
            granted.append(unknown_permission(category, NAME))
        elif writable:
            granted.append(CATEGORIES[category].permission(category))
    if read_only == 0:
        # Read-Write counts as trade and transfer even when no area says so explicitly.
        for scope, rule in READ_WRITE_RULES.items():
            if not any(p.scope is scope for p in granted):
                granted.append(rule.permission("readOnly"))
        granted.append(READ_RULE.permission("readOnly"))

    ips = _ips(data.get("ips"))
    return ScopeReport(
        exchange_id="bybit",
        granted=granted,
        raw={k: v for k, v in data.items() if k not in _NOT_RAW},
        ip_restricted=None if ips is None else bool(ips),
        ip_allowlist=ips or [],
        expires_at=_expiry(data.get("expiredAt")),
        notes=_notes(data),
    )


def _ips(value: object) -> list[str] | None:
    """Return the bound IP addresses ("*" or none means unrestricted), None if not reported."""
    if not isinstance(value, list):
        return None
    return [ip for ip in value if isinstance(ip, str) and ip and ip != "*"]


def _expiry(value: object) -> datetime | None:
    """Return expiredAt as a datetime; Bybit sends the epoch when the key does not expire."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment if moment.year > 1970 else None


def _notes(data: dict) -> list[str]:
    notes = []
    if data.get("isMaster") is False:
        notes.append("This key belongs to a sub-account: only that sub-account is synced.")
    if _expiry(data.get("expiredAt")):
        notes.append(
            "Bybit expires keys that are not bound to an IP address; bind it to this server's "
            "address to keep it working."
        )
    return notes
