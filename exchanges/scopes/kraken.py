"""Kraken (spot): POST /0/private/GetApiKeyInfo."""

from datetime import UTC, datetime

from exchanges.client import ExchangeClient
from exchanges.errors import ExchangeRejected, MalformedAnswer
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import key_mismatch, require_dict, require_field
from exchanges.scopes.report import FlagRule, Scope, ScopeReport, unknown_permission

NAME = "Kraken"
HELP = KeyHelp(
    api_page="Settings → Connections & API → API (pro.kraken.com/app/settings/api)",
    steps=(
        "Choose Create API key and give it a name such as Porthole.",
        "Under Funds permissions tick only “Query”; leave “Deposit” and “Withdraw” unticked.",
        "Under Orders and trades tick “Query open orders & trades” and “Query closed orders & "
        "trades”; leave “Create & modify orders” and “Cancel & close orders” unticked.",
        "Under Data tick “Query ledger entries”; leave “Export data” unticked, and leave "
        "“Access WebSockets API” and every other box unticked.",
        "Do not set a key password (two-factor) on the key: Porthole cannot send one.",
        "Copy the API key and the private key; Kraken shows the private key only once.",
    ),
    ip_allowlist=True,
    ip_advice="“IP address restriction” under Advanced settings of the key",
)
_EDIT = "in Settings → API, edit the key and untick"

FLAGS = {
    "query-funds": FlagRule(Scope.READ, "Querying funds is enabled"),
    "query-open-trades": FlagRule(Scope.READ, "Querying open orders and trades is enabled"),
    "query-closed-trades": FlagRule(Scope.READ, "Querying closed orders and trades is enabled"),
    "query-ledger": FlagRule(Scope.READ, "Querying ledger entries is enabled"),
    "modify-trades": FlagRule(
        Scope.TRADE, "Creating and modifying orders is enabled", f"{_EDIT} “Create & modify orders”"
    ),
    "close-trades": FlagRule(
        Scope.TRADE, "Cancelling and closing orders is enabled", f"{_EDIT} “Cancel & close orders”"
    ),
    "withdraw-funds": FlagRule(
        Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} “Withdraw” under Funds permissions"
    ),
    # Codes from third-party code, not Kraken's own sample: withdrawal-address management.
    "add-withdraw-address": FlagRule(
        Scope.TRANSFER,
        "Adding withdrawal addresses is enabled",
        f"{_EDIT} the withdrawal-address permission",
    ),
    "update-withdraw-address": FlagRule(
        Scope.TRANSFER,
        "Changing withdrawal addresses is enabled",
        f"{_EDIT} the withdrawal-address permission",
    ),
    # Known codes that are not plain reads: refused until the project decides otherwise.
    "export-data": FlagRule(
        Scope.UNKNOWN,
        "Exporting data is enabled, and Porthole only accepts query permissions",
        f"{_EDIT} “Export data”",
    ),
    "create-ws-token": FlagRule(
        Scope.UNKNOWN,
        "Access to the WebSockets API is enabled, and Porthole only accepts query permissions",
        f"{_EDIT} “Access WebSockets API”",
    ),
}
# What the sync needs: code -> (the box on Kraken, what cannot be synced without it).
_NEEDED = {
    "query-funds": ("“Query” under Funds permissions", "balances"),
    "query-closed-trades": ("“Query closed orders & trades”", "the trade history"),
    "query-ledger": ("“Query ledger entries”", "deposits, withdrawals and other ledger entries"),
}
# Never stored in the report: the key itself and Kraken's nonce bookkeeping.
_NOT_RAW = {"apiKey", "nonce", "nonceWindow"}


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    return classify(client.call("privatePostGetApiKeyInfo"), client.public_key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one GetApiKeyInfo answer ({"error": [], "result": {…}})."""
    envelope = require_dict(answer)
    if require_field(envelope, "error", list):
        raise ExchangeRejected()  # ccxt raises on these; never classify a failed answer
    data = require_dict(require_field(envelope, "result", dict), "result")
    if "apiKey" in data and require_field(data, "apiKey", str) != api_key:
        raise key_mismatch()
    codes = require_field(data, "permissions", list)
    if not all(isinstance(code, str) for code in codes):
        raise MalformedAnswer("The exchange's field “permissions” has an unexpected type.")
    granted = []
    for code in dict.fromkeys(codes):
        rule = FLAGS.get(code)
        granted.append(rule.permission(code) if rule else unknown_permission(code, NAME))
    allowlist = data.get("ipAllowlist")
    ips = [ip for ip in allowlist if isinstance(ip, str)] if isinstance(allowlist, list) else []
    return ScopeReport(
        exchange_id="kraken",
        granted=granted,
        raw={k: v for k, v in data.items() if k not in _NOT_RAW},
        ip_restricted=bool(ips) if isinstance(allowlist, list) else None,
        ip_allowlist=ips,
        expires_at=_timestamp(data.get("validUntil")),
        notes=_notes(data, set(codes)),
    )


def _timestamp(value: object) -> datetime | None:
    """Return a Kraken seconds timestamp ("0" means none) as a datetime."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None


def _notes(data: dict, codes: set[str]) -> list[str]:
    notes = [
        f"The key lacks {box}, so Porthole cannot sync {what}."
        for code, (box, what) in _NEEDED.items()
        if code not in codes
    ]
    start, end = _timestamp(data.get("queryFrom")), _timestamp(data.get("queryTo"))
    if start or end:
        window = " and ".join(
            part
            for part in (
                f"from {start:%Y-%m-%d}" if start else "",
                f"until {end:%Y-%m-%d}" if end else "",
            )
            if part
        )
        notes.append(f"The key may only query history {window}; older or newer history is missing.")
    return notes
