"""How each history stream pages through an exchange, and what cursor it leaves behind.

A stream turns a stored position (JSON) into one request and returns a Page: the records, the
position to store with them, and whether another page follows. Positions are inclusive where
timestamps are used, so records sharing a timestamp across a page boundary are fetched again
rather than skipped; the database's unique constraints drop the repeats.
"""

import logging
import time
from dataclasses import dataclass, field, replace
from typing import Any

from exchanges.client import ExchangeClient
from exchanges.errors import MalformedAnswer
from exchanges.sync.records import TradeRecord, TransferRecord, trade_from_ccxt, transfer_from_ccxt

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
class Stream:
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

    def fetch_page(self, client: ExchangeClient, market: str | None, position: dict) -> Page:
        raise NotImplementedError  # each subclass pages its own way

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
                # A whole page shares one timestamp: step past it rather than loop forever.
                logger.warning(
                    "%s %s: a full page shares one timestamp", client.exchange_id, self.name
                )
                cursor = oldest
            walk = {"after": self._encode(cursor), "top": self._encode(newest)}
            marked = {"mark": self._encode(mark)} if mark is not None else {}
            return Page(records, {**marked, "walk": walk}, more=True)
        known = [k for k in (mark, newest) if k is not None]
        return Page(records, {"mark": self._encode(max(known))} if known else {}, more=False)
