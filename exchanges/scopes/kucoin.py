"""KuCoin: GET /api/v1/user/api-key ("Get Apikey Info" of the requesting key)."""

from exchanges.client import ExchangeClient
from exchanges.errors import ExchangeRejected
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import key_mismatch, require_dict, require_field, split_csv
from exchanges.scopes.report import FlagRule, Scope, ScopeReport, unknown_permission

NAME = "KuCoin"
HELP = KeyHelp(
    api_page="Account → API Management (kucoin.com/account/api)",
    steps=(
        "Choose Create API, then “API Trading”, and name it Porthole.",
        "Set an API passphrase and note it: Porthole needs it with the key.",
        "Under API permissions keep only “General” ticked; leave “Spot Trading”, “Margin "
        "Trading”, “Futures Trading”, “Earn”, “Withdrawal”, “Flex Transfers” and every other "
        "box unticked.",
        "Copy the API key and the secret; KuCoin shows the secret only once.",
    ),
    passphrase="API passphrase",  # noqa: S106 (the name of the field, not a value)
    ip_allowlist=True,
    ip_advice="“IP Restriction” when creating or editing the key",
)
_EDIT = "in API Management, edit the key and untick"

FLAGS = {
    "General": FlagRule(Scope.READ, "General (read) access is enabled"),
    "Spot": FlagRule(Scope.TRADE, "Spot trading is enabled", f"{_EDIT} “Spot Trading”"),
    "Margin": FlagRule(Scope.TRADE, "Margin trading is enabled", f"{_EDIT} “Margin Trading”"),
    "Futures": FlagRule(Scope.TRADE, "Futures trading is enabled", f"{_EDIT} “Futures Trading”"),
    "Earn": FlagRule(Scope.TRADE, "Earn (subscribe and redeem) is enabled", f"{_EDIT} “Earn”"),
    # The permission KuCoin's spec requires for copy-trading endpoints.
    "LeadtradeFutures": FlagRule(
        Scope.TRADE, "Futures copy trading is enabled", f"{_EDIT} the copy-trading permission"
    ),
    # "Transfer" is the withdrawal permission; KuCoin's spec tags withdrawals "Withdrawal".
    "Transfer": FlagRule(Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} “Withdrawal”"),
    "Withdrawal": FlagRule(Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} “Withdrawal”"),
    "InnerTransfer": FlagRule(
        Scope.TRANSFER, "Flex transfers between accounts are enabled", f"{_EDIT} “Flex Transfers”"
    ),
    "FlexTransfers": FlagRule(
        Scope.TRANSFER, "Flex transfers between accounts are enabled", f"{_EDIT} “Flex Transfers”"
    ),
}
_NOT_RAW = {"apiKey"}


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    return classify(client.call("privateGetUserApiKey"), client.public_key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one user/api-key answer ({"code": "200000", "data": {…}})."""
    envelope = require_dict(answer)
    if require_field(envelope, "code", str) != "200000":
        raise ExchangeRejected()  # ccxt lets code "200" through
    data = require_field(envelope, "data", dict)
    if require_field(data, "apiKey", str) != api_key:
        raise key_mismatch()
    granted = []
    for value in dict.fromkeys(split_csv(require_field(data, "permission", str))):
        rule = FLAGS.get(value)
        granted.append(rule.permission(value) if rule else unknown_permission(value, NAME))
    whitelist = data.get("ipWhitelist")
    ips = split_csv(whitelist) if isinstance(whitelist, str) else []
    return ScopeReport(
        exchange_id="kucoin",
        granted=granted,
        raw={k: v for k, v in data.items() if k not in _NOT_RAW},
        ip_restricted=bool(ips) if isinstance(whitelist, str) else None,
        ip_allowlist=ips,
        notes=_notes(data),
    )


def _notes(data: dict) -> list[str]:
    # KuCoin has no narrower permission than General, and General is not strictly read-only.
    who = "a main-account key" if data.get("isMaster") is True else "a key"
    notes = [
        f"KuCoin's read permission, “General”, also lets {who} create and manage sub-accounts "
        "and their API keys and create deposit addresses. It cannot trade or withdraw from this "
        "account, but keep the key as secret as a password."
    ]
    sub = data.get("subName")
    if isinstance(sub, str) and sub:
        notes.append(f"This key belongs to the sub-account “{sub}”: only it is synced.")
    return notes
