"""Gate: GET /api/v4/account/main_keys (needs the key's Account permission, read-only is enough).

The documented answer is a list of every key of the main account, each with a masked `key`
("c5dcfbf1f3a7*****"); Gate's SDK types it as a single object instead. Both are handled: in a
list exactly one row's unmasked prefix must start the configured key, an object is taken as is
(if it carries a string `key`, that must match too). Each `perms[]` entry is {name, read_only}:
read_only true is a read, `wallet` writable is a transfer (withdrawals and transfers live there),
any other writable module is a trade, and a module Porthole does not know is unknown.
"""

from exchanges.client import ExchangeClient
from exchanges.credentials import fingerprint
from exchanges.errors import KeyPermissionDenied, MalformedAnswer, Unverifiable
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import key_mismatch, require_dict, require_field, require_list
from exchanges.scopes.report import FlagRule, Permission, Scope, ScopeReport, unknown_permission

NAME = "Gate"
HELP = KeyHelp(
    api_page="Profile menu → API Management (API Keys)",
    steps=(
        "Choose Create API Key and give it a remark such as Porthole.",
        "Set “Account” to Read Only: Porthole needs it to ask Gate what the key may do.",
        "Set every other permission you want synced (Spot/Margin, Perpetual Futures, Delivery, "
        "Options, Wallet, Earn, Unified Account, …) to Read Only, and leave the rest off.",
        "Leave no permission on “Read and Write”: Wallet on Read and Write allows withdrawals "
        "and transfers, the others allow trading.",
        "Copy the API key and the secret; Gate shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="the IP whitelist when creating or editing the key",
)
_EDIT = "in API Management, edit the key and set"

# Gate's module name -> the name shown in Gate's key form.
MODULES = {
    "wallet": "Wallet",
    "spot": "Spot/Margin",
    "futures": "Perpetual Futures",
    "delivery": "Delivery",
    "earn": "Earn",
    "custody": "Custody",
    "options": "Options",
    "account": "Account",
    "loan": "Loan",
    "margin": "Margin",
    "unified": "Unified Account",
    "copy": "Copy Trading",
    "pilot": "Pilot",
    "otc": "OTC",
    "alpha": "Alpha",
    "crossx": "CrossEx",
}


def _write_rule(name: str) -> FlagRule:
    label = MODULES[name]
    fix = f"{_EDIT} “{label}” to Read Only (or switch it off)"
    if name == "wallet":
        return FlagRule(
            Scope.TRANSFER, "Withdrawals and transfers are enabled (Wallet: Read and Write)", fix
        )
    if name == "account":
        return FlagRule(
            Scope.TRADE, "Account settings can be changed (Account: Read and Write)", fix
        )
    return FlagRule(Scope.TRADE, f"Trading is enabled ({label}: Read and Write)", fix)


# "<module>:read-only" and "<module>:write" -> rule, for every module Gate documents.
FLAGS = {
    **{
        f"{name}:read-only": FlagRule(Scope.READ, f"{label}: read only")
        for name, label in MODULES.items()
    },
    **{f"{name}:write": _write_rule(name) for name in MODULES},
}
_STATES = {1: "normal", 2: "locked", 3: "frozen"}


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    try:
        answer = client.call("privateAccountGetMainKeys")
    except KeyPermissionDenied:
        raise KeyPermissionDenied(
            "Gate refused to tell Porthole what this key may do. Set the key's “Account” "
            "permission to Read Only (and, if the key has an IP whitelist, add this server's "
            "address), then try again."
        ) from None
    return classify(answer, client.public_key)


def _matches(masked: str, api_key: str) -> bool:
    prefix = masked.rstrip("*")
    return bool(prefix) and bool(api_key) and api_key.startswith(prefix)


def _own_row(answer: object, api_key: str) -> dict:
    if isinstance(answer, list):
        rows = [require_dict(row, "key list") for row in require_list(answer)]
        matches = [row for row in rows if _matches(require_field(row, "key", str), api_key)]
        if not matches:
            raise key_mismatch()
        if len(matches) > 1:
            raise Unverifiable(
                "Gate listed several keys that could be this one, so Porthole could not tell "
                "which permissions belong to it."
            )
        return matches[0]
    row = require_dict(answer)
    if isinstance(row.get("key"), str) and not _matches(row["key"], api_key):
        raise key_mismatch()
    return row


def _permission(entry: object) -> Permission:
    entry = require_dict(entry, "permission list")
    name = require_field(entry, "name", str)
    read_only = require_field(entry, "read_only", bool)
    flag = f"{name}:{'read-only' if read_only else 'write'}"
    if name not in MODULES:
        return unknown_permission(flag, NAME)
    return FLAGS[flag].permission(flag)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one main_keys answer (a list of keys, or one key)."""
    row = _own_row(answer, api_key)
    perms = require_field(row, "perms", list)
    granted = [_permission(entry) for entry in perms]
    notes = []
    state = row.get("state")
    if state is not None and state != 1:
        notes.append(f"Gate reports this key as {_STATES.get(state, f'in state {state!r}')}.")
    pairs = row.get("currency_pairs")
    if isinstance(pairs, list) and pairs:
        notes.append("The key is limited to these pairs: " + ", ".join(map(str, pairs)) + ".")
    ips = row.get("ip_whitelist")
    if ips is not None and not (isinstance(ips, list) and all(isinstance(i, str) for i in ips)):
        raise MalformedAnswer("The exchange's field “ip_whitelist” has an unexpected type.")
    return ScopeReport(
        exchange_id="gate",
        granted=granted,
        # Even masked, the key's prefix is more of it than Porthole shows anywhere else.
        raw={**row, "key": fingerprint(api_key)} if isinstance(row.get("key"), str) else dict(row),
        ip_restricted=bool(ips) if ips is not None else None,
        ip_allowlist=list(ips or []),
        notes=notes,
    )
