"""OKX: GET /api/v5/account/config (the `perm` of the requesting key)."""

from exchanges.client import ExchangeClient
from exchanges.errors import ExchangeRejected, MalformedAnswer, Unverifiable
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import require_dict, require_field, split_csv
from exchanges.scopes.report import FlagRule, Permission, Scope, ScopeReport, unknown_permission

NAME = "OKX"
HELP = KeyHelp(
    api_page="Profile → API keys (okx.com/account/my-api)",
    steps=(
        "Choose Create V5 API key, purpose “API trading”, and name it Porthole.",
        "Set a passphrase and note it: Porthole needs it with the key.",
        "Under Permissions tick only “Read”; leave “Trade” and “Withdraw” unticked.",
        "Copy the API key and the secret key; OKX shows the secret only once.",
    ),
    passphrase="passphrase",  # noqa: S106 (the name of the field, not a value)
    ip_allowlist=True,
    ip_advice="the “IP address” field when creating or editing the key",
)
_EDIT = "on OKX's API keys page, edit the key (or create a new one) and untick"

# One value of `perm` may grant several scopes: OKX documents funds transfers between accounts
# and sub-accounts (POST /api/v5/asset/transfer) as needing the Trade permission.
FLAGS: dict[str, tuple[FlagRule, ...]] = {
    "read_only": (FlagRule(Scope.READ, "Reading is enabled"),),
    "trade": (
        FlagRule(Scope.TRADE, "Trading is enabled", f"{_EDIT} “Trade”"),
        FlagRule(
            Scope.TRANSFER,
            "Trading is enabled, which on OKX also allows moving funds between accounts and "
            "sub-accounts",
            f"{_EDIT} “Trade”",
        ),
    ),
    "withdraw": (FlagRule(Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} “Withdraw”"),),
}


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    return classify(client.call("privateGetAccountConfig"), client.public_key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one account/config answer ({"code": "0", "data": [{…}]})."""
    envelope = require_dict(answer)
    if require_field(envelope, "code", str) != "0":
        raise ExchangeRejected()  # ccxt lets code "2" (partial success) through
    rows = require_field(envelope, "data", list)
    if not rows:
        raise MalformedAnswer("The exchange's answer holds no account configuration.")
    if len(rows) > 1:
        raise Unverifiable(
            "OKX described more than one account for this key, so Porthole could not confirm "
            "that it is read-only."
        )
    data = require_dict(rows[0], "account configuration")
    granted: list[Permission] = []
    for value in dict.fromkeys(split_csv(require_field(data, "perm", str))):
        rules = FLAGS.get(value)
        if rules:
            granted.extend(rule.permission(value) for rule in rules)
        else:
            granted.append(unknown_permission(value, NAME))
    ip = data.get("ip")
    return ScopeReport(
        exchange_id="okx",
        granted=granted,
        raw=dict(data),
        ip_restricted=bool(split_csv(ip)) if isinstance(ip, str) else None,
        ip_allowlist=split_csv(ip) if isinstance(ip, str) else [],
        notes=_notes(data),
    )


def _notes(data: dict) -> list[str]:
    uid, main_uid = data.get("uid"), data.get("mainUid")
    if isinstance(uid, str) and isinstance(main_uid, str) and uid and main_uid and uid != main_uid:
        return ["This key belongs to a sub-account: only that sub-account's balances are synced."]
    return []
