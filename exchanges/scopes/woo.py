"""WOO X: GET /v3/account/credentials (the account's keys and their permissions, paginated).

The answer is {"success": true, "data": {"rows": [...], "meta": {total, recordsPerPage,
currentPage}}}. Pages are read until one holds the row whose `apiKey` equals the key; exactly
one such row must exist on it. Its `permissions` must be exactly ["READ"]: READ is a read,
TRADE a trade, WITHDRAWAL a transfer, anything else unknown. `allowedIPs` is omitted when the key
is not IP-restricted.
"""

from exchanges.client import ExchangeClient
from exchanges.credentials import fingerprint
from exchanges.errors import ExchangeRejected, MalformedAnswer, Unverifiable
from exchanges.keyhelp import KeyHelp
from exchanges.scopes.parsing import key_mismatch, require_dict, require_field
from exchanges.scopes.report import FlagRule, Scope, ScopeReport, unknown_permission

NAME = "WOO X"
HELP = KeyHelp(
    api_page="Account menu → API Management (signed in to the account to track)",
    steps=(
        "Choose Create API Key and label it Porthole.",
        "Keep only the “Read” permission.",
        "Leave “Trade” (Enable Trading) and “Withdraw” (Enable Withdrawal) unticked.",
        "Copy the API key and the secret; WOO X shows the secret only once.",
    ),
    ip_allowlist=True,
    ip_advice="the key's allowed IP addresses, when creating or editing it",
)
_EDIT = "in API Management, edit the key and untick"

FLAGS = {
    "READ": FlagRule(Scope.READ, "Reading is enabled"),
    "TRADE": FlagRule(Scope.TRADE, "Trading is enabled", f"{_EDIT} “Trade”"),
    "WITHDRAWAL": FlagRule(Scope.TRANSFER, "Withdrawals are enabled", f"{_EDIT} “Withdraw”"),
}
PAGE_SIZE = 1000  # the documented maximum
MAX_PAGES = 20  # refuse rather than page forever through an answer that never ends


def _rows(answer: object) -> tuple[list[dict], dict]:
    """Return the rows and the meta of one page, refusing an unsuccessful envelope."""
    envelope = require_dict(answer)
    if require_field(envelope, "success", bool) is not True:
        raise ExchangeRejected("WOO X refused to list the account's API keys.")
    data = require_dict(require_field(envelope, "data", dict), "data")
    rows = [require_dict(row, "key list") for row in require_field(data, "rows", list)]
    meta = require_field(data, "meta", dict)
    return rows, meta


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_last_page(rows: list, meta: dict, page: int) -> bool:
    total, per_page = meta.get("total"), meta.get("recordsPerPage")
    if not rows or not _is_int(total):
        return True
    return page * (per_page if _is_int(per_page) and per_page > 0 else len(rows)) >= total


def inspect(client: ExchangeClient) -> ScopeReport:
    """Return the scope report of the client's key, reading pages until its row appears."""
    for page in range(1, MAX_PAGES + 1):
        answer = client.call("v3PrivateGetAccountCredentials", {"page": page, "size": PAGE_SIZE})
        rows, meta = _rows(answer)
        if any(row.get("apiKey") == client.public_key for row in rows):
            return classify(answer, client.public_key)
        if _is_last_page(rows, meta, page):
            break
    raise key_mismatch()


def classify(answer: object, api_key: str = "") -> ScopeReport:
    """Return the scope report for the credentials page that holds the key's row."""
    rows, _meta = _rows(answer)
    matches = [row for row in rows if require_field(row, "apiKey", str) == api_key and api_key]
    if not matches:
        raise key_mismatch()
    if len(matches) > 1:
        raise Unverifiable("WOO X listed this key more than once, so Porthole refused it.")
    row = matches[0]
    granted = []
    for flag in require_field(row, "permissions", list):
        if not isinstance(flag, str):
            raise MalformedAnswer("The exchange's field “permissions” has an unexpected type.")
        rule = FLAGS.get(flag)
        granted.append(rule.permission(flag) if rule else unknown_permission(flag, NAME))
    ips = row.get("allowedIPs")
    if ips is not None and not (isinstance(ips, list) and all(isinstance(i, str) for i in ips)):
        raise MalformedAnswer("The exchange's field “allowedIPs” has an unexpected type.")
    return ScopeReport(
        exchange_id="woo",
        granted=granted,
        raw={**row, "apiKey": fingerprint(api_key)},
        ip_restricted=bool(ips),
        ip_allowlist=list(ips or []),
    )
