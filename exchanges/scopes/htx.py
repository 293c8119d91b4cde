"""HTX (Huobi): GET /v2/user/uid, then GET /v2/user/api-key?uid=…&accessKey=….

The second endpoint is documented for parent (main-account) users querying their own keys and
their sub-users' keys; sub-user keys may be refused, which fails closed. The answer is
{"code": 200, "data": [rows]}: exactly one row must have `accessKey` equal to the key, its
`status` must be "normal", and its `permission` CSV is mapped below (readOnly is the only read).
"""

from datetime import UTC, datetime, timedelta

from exchanges.client import ExchangeClient
from exchanges.credentials import fingerprint
from exchanges.errors import ExchangeRejected, MalformedAnswer, Unverifiable
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import (
    key_mismatch,
    require_dict,
    require_field,
    require_list,
    split_csv,
)
from exchanges.scopes.report import FlagRule, Scope, ScopeReport, unknown_permission

NAME = "HTX"
HELP = KeyHelp(
    api_page="Profile menu → API Management, signed in to your main account",
    steps=(
        "Create the key from your main account: HTX only tells Porthole what a main account's "
        "keys may do, so a sub-account key cannot be checked.",
        "Add a note such as Porthole and keep only “Read-Only” ticked.",
        "Leave “Trade” and “Withdraw” unticked.",
        "Copy the Access Key and the Secret Key; HTX shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="“Bind IP address” when creating the key; HTX lets keys with no bound IP expire",
)
_EDIT = "in API Management, edit the key and untick"

FLAGS = {
    "readOnly": FlagRule(Scope.READ, "Reading is enabled"),
    "trade": FlagRule(Scope.TRADE, "Trading is enabled", f"{_EDIT} “Trade”"),
    "withdraw": FlagRule(Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} “Withdraw”"),
}
_SUCCESS = 200


def _data(answer: object, what: str) -> object:
    """Return the data of an HTX v2 envelope, refusing any non-success code."""
    envelope = require_dict(answer, what)
    code = require_field(envelope, "code", int)
    if code != _SUCCESS:
        raise ExchangeRejected(f"HTX refused to give the {what} (code {code}).")
    if "data" not in envelope:
        raise MalformedAnswer("The exchange's answer lacks the field “data”.")
    return envelope["data"]


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key (two calls: the uid, then the key)."""
    uid = _data(client.call("v2PrivateGetUserUid"), "account id")
    if not isinstance(uid, int) or isinstance(uid, bool):
        raise MalformedAnswer("The exchange's field “data” has an unexpected type.")
    answer = client.call("v2PrivateGetUserApiKey", {"uid": uid, "accessKey": client.public_key})
    return classify(answer, client.public_key)


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for one /v2/user/api-key answer."""
    try:
        rows = require_list(_data(answer, "key information"), "key list")
    except ExchangeRejected:
        raise Unverifiable(
            "HTX would not describe this key. HTX only answers for keys of a main account: "
            "create the key there (not in a sub-account)."
        ) from None
    matches = [
        row
        for row in (require_dict(r, "key list") for r in rows)
        if require_field(row, "accessKey", str) == api_key and api_key
    ]
    if not matches:
        raise key_mismatch()
    if len(matches) > 1:
        raise Unverifiable("HTX described this key more than once, so Porthole refused it.")
    row = matches[0]
    status = require_field(row, "status", str)
    if status != "normal":
        raise Unverifiable(
            f"HTX reports this key as “{status}”, not active, so Porthole cannot use it."
        )
    granted = []
    for flag in split_csv(require_field(row, "permission", str)):
        rule = FLAGS.get(flag)
        granted.append(rule.permission(flag) if rule else unknown_permission(flag, NAME))
    ips = split_csv(require_field(row, "ipAddresses", str)) if "ipAddresses" in row else None
    expires_at = None
    notes = []
    valid_days = row.get("validDays")
    if isinstance(valid_days, int) and not isinstance(valid_days, bool) and valid_days >= 0:
        expires_at = datetime.now(UTC) + timedelta(days=valid_days)
        notes.append(f"HTX says this key stays valid for {valid_days} more days.")
    return ScopeReport(
        exchange_id="htx",
        granted=granted,
        raw={**row, "accessKey": fingerprint(api_key)},
        ip_restricted=bool(ips) if ips is not None else None,
        ip_allowlist=ips or [],
        expires_at=expires_at,
        notes=notes,
    )
