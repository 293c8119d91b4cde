"""Gemini: POST /v1/roles (account-level keys; ccxt refuses master keys before sending).

The answer is an object of roles: isAuditor (read), isTrader (trade), isFundManager (transfer),
each required as a boolean. Any other `is…` role that is set, and any other field with a value
Porthole does not know, counts as unknown (fail closed).
"""

from exchanges.client import ExchangeClient
from exchanges.errors import Unverifiable
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import require_dict, require_field
from exchanges.scopes.report import FlagRule, Scope, ScopeReport, unknown_permission

NAME = "Gemini"
HELP = KeyHelp(
    api_page="Account menu → Settings → API",
    steps=(
        "Choose Create API key and pick an account-level key for the account to track "
        "(Porthole cannot use master keys).",
        "Give the key only the “Auditor” role.",
        "Leave “Trader” and “Fund Manager” unselected (Gemini does not combine Auditor with "
        "them anyway).",
        "Copy the API key and the secret; Gemini shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="the key's trusted IP addresses, if your key settings offer them",
)
_EDIT = (
    "in Settings → API, leave the key only the “Auditor” role; if Gemini does not let you change "
    "it, create a new account-level key with only Auditor and delete this one"
)

FLAGS = {
    "isAuditor": FlagRule(Scope.READ, "The Auditor role (read only) is assigned"),
    "isTrader": FlagRule(
        Scope.TRADE, "The Trader role is assigned: the key can place and cancel orders", _EDIT
    ),
    "isFundManager": FlagRule(
        Scope.TRANSFER,
        "The Fund Manager role is assigned: the key can withdraw and transfer funds",
        _EDIT,
    ),
}
# Informational fields that are not roles.
_INFO = {"counterparty_id"}


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    if "account" not in client.public_key:
        # ccxt signs only account-level keys (their key contains "account").
        raise Unverifiable(
            "This looks like a Gemini master key. Porthole can only check account-level keys: "
            "create one with only the Auditor role."
        )
    return classify(client.call("privatePostV1Roles"), client.public_key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one /v1/roles answer."""
    data = require_dict(answer)
    for name in FLAGS:
        require_field(data, name, bool)
    granted = []
    for flag, value in data.items():
        if flag in _INFO or value is False or value is None:
            continue
        if flag in FLAGS:
            if value is True:
                granted.append(FLAGS[flag].permission(flag))
        else:
            granted.append(unknown_permission(flag, NAME))
    return ScopeReport(exchange_id="gemini", granted=granted, raw=dict(data))
