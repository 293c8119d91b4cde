"""Bitfinex: POST /v2/auth/r/permissions.

The answer is a list of rows [SCOPE, READ, WRITE] with READ and WRITE 0 or 1. A read bit is a
read, except on `withdraw` and `ui_withdraw`, where any bit set is a transfer. A write bit on
`wallets` (transfers between wallets) or `bfxpay` (payments) is a transfer, on the trading and
account scopes a trade. A scope Porthole does not know, or a write bit on `history`, is unknown.
The `withdraw` row must be present; a malformed row, a bit other than 0/1 or a repeated scope
makes the answer malformed.
"""

from exchanges.client import ExchangeClient
from exchanges.errors import MalformedAnswer
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import require_list
from exchanges.scopes.report import FlagRule, Permission, Scope, ScopeReport, unknown_permission

NAME = "Bitfinex"
HELP = KeyHelp(
    api_page="Account menu → API Keys (setting.bitfinex.com/api)",
    steps=(
        "Choose Create New Key and label it Porthole.",
        "For Account Info, Account History, Orders, Margin Trading, Margin Funding, Wallets and "
        "Settings keep only the reading toggle (“Get …”) switched on.",
        "Switch off every writing toggle: “Create and cancel orders”, “Claim a position”, "
        "“Offer, cancel and close funding”, “Transfer between your wallets”, “Edit account "
        "information”, “Write settings”.",
        "Switch off every Withdraw and Bitfinex Pay permission.",
        "Copy the API key and the secret; Bitfinex shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="the key's IP access restrictions, when creating it",
)
_EDIT = "in API Keys, edit the key's permissions and switch off"

# "<scope>.read" / "<scope>.write" -> rule.
FLAGS = {
    "account.read": FlagRule(Scope.READ, "Account information can be read"),
    "history.read": FlagRule(Scope.READ, "Account history can be read"),
    "orders.read": FlagRule(Scope.READ, "Orders can be read"),
    "positions.read": FlagRule(Scope.READ, "Positions can be read"),
    "funding.read": FlagRule(Scope.READ, "Funding can be read"),
    "settings.read": FlagRule(Scope.READ, "Settings can be read"),
    "wallets.read": FlagRule(Scope.READ, "Wallet balances can be read"),
    "account.write": FlagRule(
        Scope.TRADE,
        "Account information can be changed",
        f"{_EDIT} “Edit account information” under Account Info",
    ),
    "orders.write": FlagRule(
        Scope.TRADE, "Orders can be placed and cancelled", f"{_EDIT} “Create and cancel orders”"
    ),
    "positions.write": FlagRule(
        Scope.TRADE,
        "Margin positions can be claimed or closed",
        f"{_EDIT} the writing toggles under Margin Trading",
    ),
    "funding.write": FlagRule(
        Scope.TRADE,
        "Margin funding can be offered, cancelled and closed",
        f"{_EDIT} “Offer, cancel and close funding” under Margin Funding",
    ),
    "settings.write": FlagRule(
        Scope.TRADE, "Settings can be changed", f"{_EDIT} “Write settings” under Settings"
    ),
    "wallets.write": FlagRule(
        Scope.TRANSFER,
        "Transfers between wallets are enabled",
        f"{_EDIT} “Transfer between your wallets” under Wallets",
    ),
    "bfxpay.read": FlagRule(Scope.READ, "Bitfinex Pay can be read"),
    "bfxpay.write": FlagRule(
        Scope.TRANSFER, "Bitfinex Pay payments are enabled", f"{_EDIT} the Bitfinex Pay permissions"
    ),
    **{
        f"{scope}.{bit}": FlagRule(
            Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} every Withdraw permission"
        )
        for scope in ("withdraw", "ui_withdraw")
        for bit in ("read", "write")
    },
}
_REQUIRED_SCOPES = ("withdraw",)


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key."""
    return classify(client.call("privatePostAuthRPermissions"), client.public_key)


def _bit(value: object) -> int:
    if isinstance(value, bool) or value not in (0, 1):
        raise MalformedAnswer("The exchange's permission list is not in the documented form.")
    return value


def _permission(flag: str) -> Permission:
    rule = FLAGS.get(flag)
    return rule.permission(flag) if rule else unknown_permission(flag, NAME)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one permissions answer."""
    rows = require_list(answer)
    seen: set[str] = set()
    granted = []
    for row in rows:
        if not isinstance(row, list) or len(row) < 3 or not isinstance(row[0], str):
            raise MalformedAnswer("The exchange's permission list is not in the documented form.")
        scope, read, write = row[0], _bit(row[1]), _bit(row[2])
        if scope in seen:
            raise MalformedAnswer(f"The exchange listed the permission “{scope}” twice.")
        seen.add(scope)
        if read:
            granted.append(_permission(f"{scope}.read"))
        if write:
            granted.append(_permission(f"{scope}.write"))
    for scope in _REQUIRED_SCOPES:
        if scope not in seen:
            raise MalformedAnswer(f"The exchange's answer lacks the permission “{scope}”.")
    return ScopeReport(
        exchange_id="bitfinex",
        granted=granted,
        raw={"permissions": [list(row[:3]) for row in rows]},
    )
