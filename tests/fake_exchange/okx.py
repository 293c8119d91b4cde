"""OKX's documented answers: GET /api/v5/account/config and its errors."""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/api/v5/account/config"
CREDENTIALS = {
    "api_key": "0f1e2d3c-okx-test-key-4b5a69788a9b",
    "secret": "OKXTESTSECRET0123456789ABCDEF",
    "password": "okx-test-passphrase",
}

# ccxt's sample of OKX's answer ([CCXT], okx.py fetch_accounts): read, withdraw and trade.
DOC_SAMPLE = {
    "code": "0",
    "data": [
        {
            "acctLv": "2",
            "autoLoan": False,
            "ctIsoMode": "automatic",
            "greeksType": "PA",
            "level": "Lv1",
            "levelTmp": "",
            "mgnIsoMode": "automatic",
            "posMode": "long_short_mode",
            "uid": "44705892343619584",
            "mainUid": "44705892343619584",
            "label": "v5 test",
            "roleType": "0",
            "traderInsts": [],
            "spotRoleType": "0",
            "spotTraderInsts": [],
            "ip": "",
            "perm": "read_only,withdraw,trade",
            "kycLv": "3",
        }
    ],
    "msg": "",
}
READ_ONLY = copy.deepcopy(DOC_SAMPLE)
READ_ONLY["data"][0].update(perm="read_only", label="porthole", ip="203.0.113.7,198.51.100.2")
TRADE_FLAGS = ["trade"]
# OKX documents funds transfers as needing the Trade permission, so trade is both.
TRANSFER_FLAGS = ["withdraw", "trade"]


def permissions(perm: str = "read_only", **fields) -> dict:
    """Return the read-only answer with `perm` (and other account fields) changed."""
    answer = copy.deepcopy(READ_ONLY)
    answer["data"][0].update(perm=perm, **fields)
    return answer


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET", PERMISSIONS_PATH, Reply({"msg": "Invalid OK-ACCESS-KEY", "code": "50111"}, 401)
    )


# --- Account data for the sync: OKX's documented wire formats, with OKX's own paging --------
# Every answer is OKX's envelope {"code": "0", "msg": "", "data": [...]}. Histories come newest
# first, cut at `limit` (default and maximum 100); `after` asks for records older than a cursor
# (a billId for fills, a timestamp in ms for deposits and withdrawals), `before` for newer ones.
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from decimal import Context, Decimal  # noqa: E402

from tests.fake_exchange.server import Request  # noqa: E402

INSTRUMENTS_PATH = "/api/v5/public/instruments"
CURRENCIES_PATH = "/api/v5/asset/currencies"
TRADING_BALANCE_PATH = "/api/v5/account/balance"
FUNDING_BALANCE_PATH = "/api/v5/asset/balances"
FILLS_HISTORY_PATH = "/api/v5/trade/fills-history"
DEPOSITS_PATH = "/api/v5/asset/deposit-history"
WITHDRAWALS_PATH = "/api/v5/asset/withdrawal-history"
HISTORY_PATHS = (FILLS_HISTORY_PATH, DEPOSITS_PATH, WITHDRAWALS_PATH)
DAY_MS = 86_400_000


def ok(data: list) -> dict:
    return {"code": "0", "msg": "", "data": data}


def error(code: str, msg: str, status: int = 200, headers: dict | None = None) -> Reply:
    """Return OKX's error envelope (OKX answers most errors with HTTP 200 and a code)."""
    return Reply({"code": code, "msg": msg, "data": []}, status, headers=headers or {})


def rate_limited(retry_after: str | None = None) -> Reply:
    """Return OKX's answer to a request over its rate limit: HTTP 429 and code 50011."""
    headers = {"Retry-After": retry_after} if retry_after else {}
    return Reply({"msg": "Too Many Requests", "code": "50011"}, 429, headers=headers)


def invalid_key() -> Reply:
    return Reply({"msg": "Invalid OK-ACCESS-KEY", "code": "50111"}, 401)


def _instrument(base: str, quote: str) -> dict:
    return {
        "alias": "",
        "baseCcy": base,
        "category": "1",
        "ctMult": "",
        "ctType": "",
        "ctVal": "",
        "ctValCcy": "",
        "expTime": "",
        "instFamily": "",
        "instId": f"{base}-{quote}",
        "instType": "SPOT",
        "lever": "10",
        "listTime": "1606468572000",
        "lotSz": "0.00000001",
        "maxIcebergSz": "9999999999.0000000000000000",
        "maxLmtAmt": "1000000",
        "maxLmtSz": "9999999999",
        "maxMktAmt": "1000000",
        "maxMktSz": "",
        "maxStopSz": "",
        "maxTriggerSz": "9999999999.0000000000000000",
        "maxTwapSz": "9999999999.0000000000000000",
        "minSz": "0.00001",
        "optType": "",
        "quoteCcy": quote,
        "ruleType": "normal",
        "settleCcy": "",
        "state": "live",
        "stk": "",
        "tickSz": "0.1",
        "uly": "",
    }


def _currency(ccy: str) -> dict:
    return {
        "canDep": True,
        "canInternal": True,
        "canWd": True,
        "ccy": ccy,
        "chain": f"{ccy}-{ccy}",
        "depQuotaFixed": "",
        "depQuoteDailyLayer2": "",
        "logoLink": "",
        "mainNet": True,
        "maxFee": "0.0004",
        "maxFeeForCtAddr": "",
        "maxWd": "500",
        "minDep": "0.00005",
        "minDepArrivalConfirm": "3",
        "minFee": "0.0002",
        "minFeeForCtAddr": "",
        "minWd": "0.0005",
        "minWdUnlockConfirm": "4",
        "name": ccy,
        "needTag": False,
        "usedDepQuotaFixed": "",
        "usedWdQuota": "0",
        "wdQuota": "200",
        "wdTickSz": "8",
    }


def _trading_detail(ccy: str, avail: str, frozen: str) -> dict:
    # A spot-mode account: availEq is "" (it applies to margin modes), so free = availBal.
    eq = str(Context(prec=100).add(Decimal(avail), Decimal(frozen)))  # exact, every digit
    return {
        "accAvgPx": "",
        "availBal": avail,
        "availEq": "",
        "borrowFroz": "",
        "cashBal": eq,
        "ccy": ccy,
        "clSpotInUseAmt": "",
        "crossLiab": "",
        "disEq": "0",
        "eq": eq,
        "eqUsd": "0",
        "fixedBal": "0",
        "frozenBal": frozen,
        "imr": "",
        "interest": "",
        "isoEq": "",
        "isoLiab": "",
        "isoUpl": "",
        "liab": "",
        "maxLoan": "",
        "mgnRatio": "",
        "mmr": "",
        "notionalLever": "",
        "ordFrozen": frozen,
        "rewardBal": "",
        "spotBal": "",
        "spotInUseAmt": "",
        "spotIsoBal": "0",
        "spotUpl": "",
        "spotUplRatio": "",
        "stgyEq": "0",
        "totalPnl": "",
        "totalPnlRatio": "",
        "twap": "0",
        "uTime": "1705474164160",
        "upl": "",
        "uplLiab": "",
    }


@dataclass
class Ledger:
    """One OKX account's state, answered the way OKX pages it."""

    markets: list[tuple[str, str]] = field(
        default_factory=lambda: [("BTC", "USDT"), ("ETH", "BTC")]
    )
    trading: dict[str, tuple[str, str]] = field(default_factory=dict)  # ccy: (availBal, frozen)
    funding: dict[str, str] = field(default_factory=dict)  # ccy: availBal
    fills: list[dict] = field(default_factory=list)
    deposits: list[dict] = field(default_factory=list)
    withdrawals: list[dict] = field(default_factory=list)
    # fills-history only reaches this far back (OKX: 3 months; a year since July 2024).
    fills_history_days: int = 90
    # OKX documents `after` as "earlier than" without saying whether the cursor itself is
    # included; the sync must be right either way.
    after_inclusive: bool = False
    _next_id: int = 1000

    def add_fill(
        self,
        inst_id: str,
        px: str,
        sz: str,
        ts: int,
        *,
        side: str = "buy",
        fee: str = "-0.001",
        fee_ccy: str = "BTC",
        exec_type: str = "T",
    ) -> dict:
        self._next_id += 1
        # billIds grow with time, like OKX's: newest first by billId is newest first by time.
        bill_id = str(ts * 1000 + self._next_id % 1000)
        raw = {
            "side": side,
            "fillSz": sz,
            "fillPx": px,
            "fillPxVol": "",
            "fillFwdPx": "",
            "fee": fee,
            "fillPnl": "0",
            "ordId": str(680800019749904384 + self._next_id),
            "feeRate": "-0.001",
            "instType": "SPOT",
            "fillPxUsd": "",
            "instId": inst_id,
            "clOrdId": "",
            "posSide": "net",
            "billId": bill_id,
            "subType": "1" if side == "buy" else "2",
            "fillMarkVol": "",
            "tag": "",
            "fillTime": str(ts - 1),
            "execType": exec_type,
            "fillIdxPx": "",
            "tradeId": str(744876980 + self._next_id),
            "fillMarkPx": "",
            "feeCcy": fee_ccy,
            "ts": str(ts),
        }
        self.fills.append(raw)
        return raw

    def add_deposit(self, ccy: str, amt: str, ts: int, *, state: str = "2") -> dict:
        self._next_id += 1
        raw = {
            "actualDepBlkConfirm": "2",
            "amt": amt,
            "areaCodeFrom": "",
            "ccy": ccy,
            "chain": f"{ccy}-{ccy}",
            "depId": str(88000000 + self._next_id),
            "from": "",
            "fromWdId": "",
            "state": state,
            "to": "TN4hGjVXMzy9b4N1aGizqs",
            "ts": str(ts),
            "txId": f"fee235b3e812{self._next_id}",
        }
        self.deposits.append(raw)
        return raw

    def add_withdrawal(self, ccy: str, amt: str, fee: str, ts: int, *, state: str = "2") -> dict:
        self._next_id += 1
        raw = {
            "note": "",
            "chain": f"{ccy}-{ccy}",
            "fee": fee,
            "feeCcy": ccy,
            "ccy": ccy,
            "clientId": "",
            "toAddrType": "1",
            "amt": amt,
            "txId": f"0x35c{self._next_id}b360a174d",
            "from": "156****359",
            "areaCodeFrom": "86",
            "to": "0xa30d1fab7CF18C7B6C579",
            "areaCodeTo": "",
            "state": state,
            "ts": str(ts),
            "nonTradableAsset": False,
            "wdId": str(15447421 + self._next_id),
        }
        self.withdrawals.append(raw)
        return raw


def _limit(request: Request) -> int | Reply:
    raw = request.query.get("limit", "100")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        return error("51000", "Parameter limit error")
    return int(raw)


def _page(
    request: Request, items: list[dict], key, limit: int, *, after_inclusive: bool = False
) -> list[dict]:
    """Newest first; `after` = older than, `before` = newer than (exclusive by default)."""
    chosen = sorted(items, key=key, reverse=True)
    if "after" in request.query:
        after = int(request.query["after"]) + (1 if after_inclusive else 0)
        chosen = [i for i in chosen if key(i)[0] < after]
    if "before" in request.query:
        # Like OKX: `before` alone still answers the newest records, not those next to it.
        before = int(request.query["before"])
        chosen = [i for i in chosen if key(i)[0] > before]
    return chosen[:limit]


def serve_ledger(server: FakeExchangeServer, ledger: Ledger) -> None:
    """Serve markets, balances, fills, deposits and withdrawals from the ledger."""
    serve_permissions(server, permissions())

    def instruments(request: Request) -> Reply:
        if request.query.get("instType") != "SPOT":
            return error("51000", "Parameter instType error")
        return Reply(ok([_instrument(b, q) for b, q in ledger.markets]))

    def currencies(request: Request) -> Reply:
        codes = sorted({c for pair in ledger.markets for c in pair})
        return Reply(ok([_currency(c) for c in codes]))

    def trading_balance(request: Request) -> Reply:
        details = [_trading_detail(c, a, f) for c, (a, f) in ledger.trading.items()]
        return Reply(
            ok(
                [
                    {
                        "adjEq": "",
                        "borrowFroz": "",
                        "details": details,
                        "imr": "",
                        "isoEq": "0",
                        "mgnRatio": "",
                        "mmr": "",
                        "notionalUsd": "",
                        "ordFroz": "",
                        "totalEq": "0",
                        "uTime": str(int(time.time() * 1000)),
                        "upl": "",
                    }
                ]
            )
        )

    def funding_balance(request: Request) -> Reply:
        return Reply(
            ok(
                [
                    {"availBal": v, "bal": v, "ccy": c, "frozenBal": "0"}
                    for c, v in ledger.funding.items()
                ]
            )
        )

    def fills_history(request: Request) -> Reply:
        if request.query.get("instType") not in {"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"}:
            return error("50014", "Parameter instType can not be empty")
        limit = _limit(request)
        if isinstance(limit, Reply):
            return limit
        oldest = int(time.time() * 1000) - ledger.fills_history_days * DAY_MS
        begin = int(request.query.get("begin", 0))
        end = int(request.query.get("end", 2**62))
        fills = [
            f
            for f in ledger.fills
            if f["instType"] == request.query["instType"]
            and request.query.get("instId", f["instId"]) == f["instId"]
            and max(begin, oldest) <= int(f["ts"]) <= end
        ]
        return Reply(ok(_page(request, fills, lambda f: (int(f["billId"]),), limit)))

    def history(items: list[dict], id_field: str):
        def answer(request: Request) -> Reply:
            limit = _limit(request)
            if isinstance(limit, Reply):
                return limit
            chosen = [i for i in items if request.query.get("ccy", i["ccy"]) == i["ccy"]]
            key = lambda i: (int(i["ts"]), int(i[id_field]))  # noqa: E731
            page = _page(request, chosen, key, limit, after_inclusive=ledger.after_inclusive)
            return Reply(ok(page))

        return answer

    server.route("GET", INSTRUMENTS_PATH, instruments)
    server.route("GET", CURRENCIES_PATH, currencies)
    server.route("GET", TRADING_BALANCE_PATH, trading_balance)
    server.route("GET", FUNDING_BALANCE_PATH, funding_balance)
    server.route("GET", FILLS_HISTORY_PATH, fills_history)
    server.route("GET", DEPOSITS_PATH, history(ledger.deposits, "depId"))
    server.route("GET", WITHDRAWALS_PATH, history(ledger.withdrawals, "wdId"))
