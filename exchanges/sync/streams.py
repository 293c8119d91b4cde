"""How each history stream pages through an exchange, and what cursor it leaves behind.

A stream turns a stored position (JSON) into one request and returns a Page: the records, the
position to store with them, and whether another page follows. Positions are inclusive where
timestamps are used, so records sharing a timestamp across a page boundary are fetched again
rather than skipped; the database's unique constraints drop the repeats.
"""

import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from exchanges.client import ExchangeClient
from exchanges.errors import MalformedAnswer
from exchanges.sync.records import (
    TradeRecord,
    TransferRecord,
    to_decimal,
    trade_from_ccxt,
    transfer_from_ccxt,
)

logger = logging.getLogger(__name__)

Record = TradeRecord | TransferRecord

# Trades and transfers before this are not asked for (Bitcoin's first exchanges opened in 2010).
EPOCH_MS = 1262304000000  # 2010-01-01


@dataclass
class Page:
    records: list[Record]
    position: dict
    more: bool


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Stream(ABC):
    """One kind of history on one exchange: trades, deposits or withdrawals."""

    name: str  # "trades", "deposits", "withdrawals"
    method: str  # the ccxt unified read method
    per_market: bool = False  # the exchange needs a market for this history (Binance trades)
    limit: int | None = 500
    params: dict[str, Any] = field(default_factory=dict)

    def convert(self, item: dict) -> Record:
        if self.name == "trades":
            return trade_from_ccxt(item)
        return transfer_from_ccxt(item, "deposit" if self.name == "deposits" else "withdrawal")

    @abstractmethod
    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        """Return the next page after `position`; each subclass pages its own way."""

    def rewind(self, position: dict, timestamp_ms: int) -> dict:
        """Return the position to re-read from a timestamp; streams that can't, keep theirs."""
        return position

    def _read(
        self, client: ExchangeClient, market: str | None, since: int | None, params: dict
    ) -> list[Record]:
        items = client.read(self.method, market, since, self.limit, {**self.params, **params})
        return [self.convert(item) for item in items or []]


@dataclass
class SinceStream(Stream):
    """Pages forward by time: `since` is the newest timestamp already stored (inclusive).

    With `window_ms`, each request also sends `until` = since + window, for exchanges that
    only answer bounded time ranges and cut them at the limit, newest first (Binance deposits:
    90 days). Within a window it pages backwards from the window's end; a finished window
    moves the cursor to its end.
    """

    window_ms: int | None = None
    start_ms: int = EPOCH_MS

    def rewind(self, position: dict, timestamp_ms: int) -> dict:
        """Return the position moved back to a timestamp (to look at pending records again)."""
        since = int(position.get("since", self.start_ms))
        return {"since": min(since, timestamp_ms)} if timestamp_ms < since else position

    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        since = int(position.get("since", self.start_ms))
        if self.window_ms:
            return self._fetch_window(client, market, since, position)
        records = [r for r in self._read(client, market, since, {}) if r.timestamp_ms >= since]
        newest = max((r.timestamp_ms for r in records), default=since)
        if self.limit is not None and len(records) >= self.limit:
            if newest == since:
                # A whole page shares one timestamp: step past it rather than loop forever.
                logger.warning(
                    "%s %s: a full page shares one timestamp", client.exchange_id, self.name
                )
                newest = since + 1
            return Page(records, {"since": newest}, more=True)
        return Page(records, {"since": newest}, more=False)

    def _fetch_window(
        self, client: ExchangeClient, market: str | None, since: int, position: dict
    ) -> Page:
        # Inside a window the exchange answers newest first, cut at the limit: a full page is
        # followed by the same window ending at the page's oldest record (inclusive, so records
        # sharing that timestamp are all read), until a page is not full.
        now = _now_ms()
        window_end = int(position.get("window_end", min(since + self.window_ms, now)))
        until = int(position.get("until", window_end))
        records = [
            r
            for r in self._read(client, market, since, {"until": until})
            if since <= r.timestamp_ms <= until
        ]
        if self.limit is not None and len(records) >= self.limit:
            oldest = min(r.timestamp_ms for r in records)
            if oldest < until:
                return Page(
                    records, {"since": since, "window_end": window_end, "until": oldest}, more=True
                )
            logger.warning("%s %s: a full page shares one timestamp", client.exchange_id, self.name)
            until = oldest - 1
            return Page(
                records,
                {"since": since, "window_end": window_end, "until": until},
                more=until >= since,
            )
        if window_end >= now:
            newest = max((r.timestamp_ms for r in records), default=since)
            return Page(records, {"since": max(newest, since)}, more=False)
        return Page(records, {"since": window_end}, more=True)


@dataclass
class IdStream(Stream):
    """Pages forward by the exchange's own increasing record id (Binance myTrades fromId).

    Full history costs one request per `limit` records, not one per day; a re-sync that finds
    nothing new costs one request.
    """

    id_param: str = "fromId"

    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        from_id = int(position.get("from_id", 0))
        records = self._read(client, market, None, {self.id_param: from_id})
        if not records:
            return Page([], {"from_id": from_id}, more=False)
        newest = max(
            int(r.trade_id if isinstance(r, TradeRecord) else r.transfer_id) for r in records
        )
        full = self.limit is not None and len(records) >= self.limit
        return Page(records, {"from_id": max(newest + 1, from_id)}, more=full)


# ccxt's unified transfer statuses; anything else is an exchange's own code ccxt left as is.
UNIFIED_TRANSFER_STATUSES = frozenset({"pending", "ok", "failed", "canceled"})


@dataclass
class NewestFirstStream(Stream):
    """Pages backwards from the newest record with an older-than cursor (OKX's `after`).

    The exchange answers newest first, cut at the limit, and `after` asks for records older
    than a cursor: an increasing id found in each raw record (`cursor_field`, e.g. OKX's
    billId: exact) or, without one, a timestamp. Nothing is assumed about `before` (on OKX it
    does not page forward from the cursor).

    A walk starts at the newest record and goes back until a page reaches the mark an earlier
    walk left, or the history ends (a page that is not full); only then does the mark move up
    to the newest record of the walk. Positions are JSON:

    - {"mark": m} between walks: the newest id (a string) or timestamp (ms) stored;
    - {"mark": m, "walk": {"after": cursor, "top": newest seen}} while a walk goes on, so a
      crash between pages resumes at the stored cursor (no "mark" during the first walk).

    Timestamps are inclusive: a walk stops at the first record older than the mark, so records
    sharing the mark's millisecond are read again (the database drops the repeats), and the
    cursor after a full page is its oldest timestamp + 1, so records sharing that millisecond
    across the page boundary are all read. Nothing new costs one request.
    """

    cursor_param: str = "after"
    cursor_field: str | None = None
    # Status for records whose status ccxt left as the exchange's raw code (OKX's newer
    # non-final states), so that they are watched like pending ones until they settle.
    unmapped_status: str | None = None

    def convert(self, item: dict) -> Record:
        record = super().convert(item)
        if (
            self.unmapped_status
            and isinstance(record, TransferRecord)
            and record.status not in UNIFIED_TRANSFER_STATUSES
        ):
            record = replace(record, status=self.unmapped_status)
        return record

    def _key(self, record: Record) -> int:
        if self.cursor_field is None:
            return record.timestamp_ms
        try:
            return int(record.raw[self.cursor_field])
        except (KeyError, TypeError, ValueError):
            raise MalformedAnswer("The exchange sent a record without its paging id.") from None

    def _encode(self, key: int) -> int | str:
        # Ids can exceed what JSON readers hold exactly as numbers, so they are kept as text.
        return key if self.cursor_field is None else str(key)

    def rewind(self, position: dict, timestamp_ms: int) -> dict:
        """Return the position that reads back to a timestamp (to see pending records settle).

        A walk under way is restarted from the newest record, unless it is the first one
        (no mark yet): that one must reach the end of the history before anything else.
        """
        if self.cursor_field is not None or "mark" not in position:
            return position
        mark = int(position["mark"])
        if timestamp_ms >= mark and "walk" not in position:
            return position
        return {"mark": min(mark, timestamp_ms)}

    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        mark = int(position["mark"]) if "mark" in position else None
        walk = position.get("walk") or {}
        after = int(walk["after"]) if "after" in walk else None
        top = int(walk["top"]) if "top" in walk else None
        params = {self.cursor_param: str(after)} if after is not None else {}
        records = self._read(client, market, None, params)
        keys = [self._key(r) for r in records]
        by_time = self.cursor_field is None
        reached = mark is not None and any((k < mark) if by_time else (k <= mark) for k in keys)
        if mark is not None:
            records = [r for r, k in zip(records, keys, strict=True) if k >= mark]
        newest = max([*keys, *([top] if top is not None else [])], default=None)
        full = self.limit is not None and len(keys) >= self.limit
        if full and not reached:
            oldest = min(keys)
            cursor = oldest + 1 if by_time else oldest
            if after is not None and cursor >= after:
                # No progress (a whole page shares one timestamp): step past it rather than
                # loop forever, whether the exchange's `after` is exclusive or not.
                logger.warning(
                    "%s %s: a full page shares one timestamp", client.exchange_id, self.name
                )
                cursor = min(oldest, after - 1)
            walk = {"after": self._encode(cursor), "top": self._encode(newest)}
            marked = {"mark": self._encode(mark)} if mark is not None else {}
            return Page(records, {**marked, "walk": walk}, more=True)
        known = [k for k in (mark, newest) if k is not None]
        return Page(records, {"mark": self._encode(max(known))} if known else {}, more=False)


def _floor_second(ms: int) -> int:
    return ms - ms % 1000


def _ceil_second(ms: int) -> int:
    return -(-ms // 1000) * 1000


@dataclass
class OffsetStream(Stream):
    """Pages a newest-first history by offset within a fixed time range (Kraken TradesHistory).

    The exchange answers a fixed number of records a page (`limit`: Kraken's 50), newest first,
    between `start` (exclusive, whole seconds) and `end` (inclusive), and `ofs` skips records.
    A walk fixes its end when it starts, so later records never shift the offsets under it,
    and pages by offset, so records sharing a timestamp across a page boundary are all read.
    Positions are JSON:

    - {"since": ms} between walks: the newest record stored;
    - {"since": ms, "end": ms, "ofs": n, "newest": ms} while a walk goes on, so a crash
      between pages resumes at the stored offset of the same range.

    A walk starts a second before `since` (the exchange's start is exclusive and in seconds),
    so records sharing the newest stored second are read again (the database drops the
    repeats). Nothing new costs one request.
    """

    limit: int | None = 50
    offset_param: str = "ofs"
    start_ms: int = EPOCH_MS

    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        since = int(position.get("since", self.start_ms))
        end = int(position.get("end", _now_ms()))
        offset = int(position.get("ofs", 0))
        # Whole seconds, so that ccxt's own `since` filter drops nothing the exchange counted.
        start = _floor_second(since) - 1000
        params = {**self.params, "until": end, self.offset_param: offset}
        items = client.read(self.method, market, start, None, params)
        records = [self.convert(item) for item in items or []]
        newest = max([int(position.get("newest", since)), *(r.timestamp_ms for r in records)])
        if self.limit is not None and len(records) >= self.limit:
            walk = {"since": since, "end": end, "ofs": offset + len(records), "newest": newest}
            return Page(records, walk, more=True)
        return Page(records, {"since": newest}, more=False)


@dataclass
class EndWalkStream(Stream):
    """Pages a newest-first history cut at a count by moving an inclusive end back.

    Kraken's DepositStatus and WithdrawStatus (without their cursor, which ccxt does not read
    for deposits) answer the newest `limit` records between `start` and `end`, both inclusive
    and in whole seconds. A full page is followed by the same range ending at the page's
    oldest second (inclusive: records sharing it are read again, not skipped) until a page is
    not full; the cursor then moves to the newest record seen. Positions are JSON:

    - {"since": ms} between walks: the newest record stored;
    - {"since": ms, "until": ms, "newest": ms} while a walk goes on (crash-safe).

    Rewinding (to see pending records settle) lowers `since`, keeping a walk under way.
    Nothing new costs one request.
    """

    limit: int | None = 25
    limit_param: str = "limit"
    start_ms: int = EPOCH_MS

    def rewind(self, position: dict, timestamp_ms: int) -> dict:
        since = int(position.get("since", self.start_ms))
        return {**position, "since": timestamp_ms} if timestamp_ms < since else position

    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        since = int(position.get("since", self.start_ms))
        until = int(position.get("until", _now_ms()))
        start, end = _floor_second(since), _ceil_second(until)
        # ccxt sends end = until / 1000 + 1 s; asking for a second less makes it `end` exactly.
        params = {**self.params, "until": end - 1000}
        if self.limit is not None:
            params[self.limit_param] = self.limit
        items = client.read(self.method, market, start, None, params)
        records = [self.convert(item) for item in items or []]
        newest = max([int(position.get("newest", since)), *(r.timestamp_ms for r in records)])
        if self.limit is not None and len(records) >= self.limit:
            oldest = min(r.timestamp_ms for r in records)
            if _ceil_second(oldest) < end:
                return Page(records, {"since": since, "until": oldest, "newest": newest}, True)
            # A whole page shares the end's second: step past it rather than loop forever.
            logger.warning("%s %s: a full page shares one second", client.exchange_id, self.name)
            until = end - 1000
            walk = {"since": since, "until": until, "newest": newest}
            return Page(records, walk, more=until >= start)
        return Page(records, {"since": newest}, more=False)


def _iso_ms(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ms % 1000:03d}Z"


@dataclass
class CursorStream(Stream):
    """Pages by the exchange's opaque cursor from a start time (Coinbase Advanced Trade fills).

    Each walk asks for everything from a start time (`start_param`) and follows the cursor
    the exchange returns until it comes back empty; ccxt leaves the cursor in one record's
    raw answer (`cursor_field`), from where it is taken out. Positions are JSON:

    - {"since": ms} between walks: the newest record stored;
    - {"start": ms, "cursor": c, "newest": ms} while a walk goes on: the same query resumes.

    A walk starts `overlap_ms` before the newest record stored, since the exchange may filter
    on when it recorded a fill rather than when it traded; repeats are dropped by the
    database. Nothing new costs one request.
    """

    limit: int | None = 250
    start_param: str = "start_sequence_timestamp"
    cursor_param: str = "cursor"
    cursor_field: str = "cursor"
    overlap_ms: int = 60_000
    start_ms: int = EPOCH_MS

    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        if "start" in position:
            start = int(position["start"])
        elif "since" in position:
            start = max(int(position["since"]) - self.overlap_ms, self.start_ms)
        else:
            start = self.start_ms
        params = {**self.params, self.start_param: _iso_ms(start)}
        if position.get("cursor"):
            params[self.cursor_param] = position["cursor"]
        # No `since`: ccxt would filter on the trade time, the exchange on its own.
        items = client.read(self.method, market, None, self.limit, params) or []
        cursor = ""
        for item in items:
            cursor = str((item.get("info") or {}).pop(self.cursor_field, "") or cursor)
        records = [self.convert(item) for item in items]
        known = int(position.get("newest", position.get("since", start)))
        newest = max([known, *(r.timestamp_ms for r in records)])
        if cursor and records:
            return Page(records, {"start": start, "cursor": cursor, "newest": newest}, more=True)
        return Page(records, {"since": newest}, more=False)


# Coinbase v2 transaction types that move funds into or out of the tracked portfolio (the
# sign of the amount tells which way); trades, conversions, rewards, staking moves and
# uncategorized entries are not deposits or withdrawals.
COINBASE_TRANSFER_TYPES = frozenset(
    {
        "send",  # crypto sent to an address or email (negative) or received (positive)
        "receive",
        "fiat_deposit",
        "fiat_withdrawal",
        "exchange_deposit",  # to and from the former Coinbase Pro
        "exchange_withdrawal",
        "pro_deposit",
        "pro_withdrawal",
        "intx_deposit",  # to and from Coinbase International Exchange
        "intx_withdrawal",
    }
)
_COINBASE_STATUSES = {
    "ok": "ok",  # ccxt's name for completed
    "completed": "ok",
    "pending": "pending",
    "created": "pending",
    "waiting_for_signature": "pending",
    "waiting_for_clearing": "pending",
    "failed": "failed",
    "expired": "failed",
    "canceled": "canceled",
    "cancelled": "canceled",
}


@dataclass
class AccountLedgerStream(Stream):
    """Deposits and withdrawals read wallet by wallet (Coinbase App v2 List Transactions).

    Coinbase lists transactions per account (one wallet per currency), newest first, paged
    with `starting_after` = the last id of the previous page; ccxt's fetch_ledger reads a page
    and leaves Coinbase's next cursor in the last entry's raw answer. There is no time filter,
    so each wallet is walked back from its newest transaction until a page reaches one older
    than the newest seen before (or than its oldest pending transfer, to see it settle).

    Which wallets: those holding something now, those with a pending transfer, and, on the
    first run and then every `sweep_ms`, all of them (a wallet emptied between two syncs is
    caught at the next sweep). The wallet list comes from fetch_balance's raw accounts. The
    plan is stored before the first wallet is read, so a crash resumes where it stopped.
    Positions are JSON:

    - {"wallets": {id: {"newest": ms, "pending": ms}}, "swept": ms} between runs;
    - the same with "queue": [ids left] and, inside a wallet, "after", "newest", "pending".

    Nothing new costs one request for the wallet list and one per wallet read.
    """

    method: str = "fetch_ledger"
    limit: int | None = 100
    sweep_ms: int = 86_400_000
    types: frozenset[str] = COINBASE_TRANSFER_TYPES

    def convert(self, item: dict) -> Record:
        info = item.get("info") or {}
        amount = (info.get("amount") or {}).get("amount")
        kind = "withdrawal" if str(amount).strip().startswith("-") else "deposit"
        network = info.get("network") or {}
        sent = (network.get("transaction_amount") or {}).get("amount")
        fee = item.get("fee") or {}
        status = _COINBASE_STATUSES.get(str(item.get("status")).lower(), "unknown")
        if info.get("type") != "send" or not sent:
            sent = item.get("amount")  # ccxt's parse_transaction: on chain, if Coinbase says
        return transfer_from_ccxt(
            {
                "id": item.get("id"),
                "currency": item.get("currency"),
                "amount": str(sent).lstrip("-"),
                "fee": {"cost": fee.get("cost"), "currency": fee.get("currency")},
                "network": network.get("network_name"),
                "txid": network.get("hash"),
                "status": status,
                "timestamp": item.get("timestamp"),
                "info": info,
            },
            kind,
        )

    def _plan(self, client: ExchangeClient, position: dict) -> Page:
        # v3 (Advanced Trade) accounts: ccxt pages through all of them; each uuid is the id
        # of the same wallet in the v2 API.
        balance = client.read("fetch_balance", {"v3": True}) or {}
        listed = (balance.get("info") or {}).get("accounts") or []
        wallets = position.get("wallets") or {}
        now = _now_ms()
        swept = position.get("swept")
        sweep = swept is None or now - int(swept) >= self.sweep_ms
        queue = []
        for account in listed:
            wallet = account.get("uuid")
            if not wallet:
                continue
            held = any(
                to_decimal((account.get(key) or {}).get("value"), required=False)
                for key in ("available_balance", "hold")
            )
            if sweep or held or "pending" in wallets.get(wallet, {}):
                queue.append(str(wallet))
        plan = {"wallets": wallets, "swept": now if sweep else swept}
        queue = sorted(set(queue))
        if not queue:
            return Page([], plan, more=False)
        return Page([], {**plan, "queue": queue}, more=True)

    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        if "queue" not in position:
            return self._plan(client, position)
        wallets = dict(position.get("wallets") or {})
        wallet, *rest = position["queue"]
        known = wallets.get(wallet, {})
        marks = [int(known[k]) for k in ("newest", "pending") if k in known]
        stop = min(marks) if marks else None
        params = {**self.params, "account_id": wallet}
        if position.get("after"):
            params["starting_after"] = position["after"]
        entries = client.read(self.method, None, None, self.limit, params) or []
        cursor = None
        for entry in entries:
            cursor = (entry.get("info") or {}).pop("next_starting_after", None) or cursor
        records = [
            self.convert(e) for e in entries if (e.get("info") or {}).get("type") in self.types
        ]
        records = [r for r in records if r.amount != 0]
        stamps = [int(e["timestamp"]) for e in entries if e.get("timestamp") is not None]
        seen = [int(position["newest"])] if "newest" in position else []
        newest = max([*stamps, *seen], default=None)
        pendings = [r.timestamp_ms for r in records if r.status == "pending"]
        if "pending" in position:
            pendings.append(int(position["pending"]))
        reached = stop is not None and any(t < stop for t in stamps)
        walk = {"wallets": wallets, "swept": position.get("swept")}
        if cursor and entries and not reached:
            inside = {"after": cursor}
            if newest is not None:
                inside["newest"] = newest
            if pendings:
                inside["pending"] = min(pendings)
            return Page(records, {**walk, "queue": position["queue"], **inside}, more=True)
        done = {}
        if known.get("newest") is not None or newest is not None:
            done["newest"] = max(int(t) for t in (known.get("newest"), newest) if t is not None)
        if pendings:
            done["pending"] = min(pendings)
        wallets[wallet] = done
        if rest:
            return Page(records, {**walk, "wallets": wallets, "queue": rest}, more=True)
        return Page(records, {**walk, "wallets": wallets}, more=False)
