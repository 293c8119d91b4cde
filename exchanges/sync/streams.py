"""How each history stream pages through an exchange, and what cursor it leaves behind.

A stream turns a stored position (JSON) into one request and returns a Page: the records, the
position to store with them, and whether another page follows. Positions are inclusive where
timestamps are used, so records sharing a timestamp across a page boundary are fetched again
rather than skipped; the database's unique constraints drop the repeats.
"""

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from exchanges.client import ExchangeClient
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
