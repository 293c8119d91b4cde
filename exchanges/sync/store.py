"""Writes of the sync: each page's rows and its cursor in one transaction, balances, snapshots.

A page's trades go in through raw `INSERT … ON CONFLICT DO NOTHING` on the model's own columns
(SQLite: one multi-row statement per page; PostgreSQL: COPY into a temporary table, then one
INSERT … SELECT), with values prepared as the model fields would prepare them (see
prepared_columns). The unique constraints on the exchange's ids drop repeats, so a concurrent or
repeated insert never fails and never duplicates, and the database's own count of inserted
rows is the exact number of new ones: no query of existing ids first.
"""

import json
import sqlite3
import weakref
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from decimal import Decimal, localcontext
from functools import lru_cache, partial
from typing import Any

import orjson
from django.conf import settings
from django.db import Error, connections, models, router, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from exchanges.models import ExchangeAccount
from exchanges.sync.models import (
    Balance,
    BalanceSnapshot,
    SyncCursor,
    TrackedMarket,
    Trade,
    Transfer,
)
from exchanges.sync.records import (
    EXACT_DIGITS,
    BalanceRecord,
    TradeRecord,
    TransferRecord,
    market_assets,
)
from portfolio.fields import AmountField


@contextmanager
def unawaited_commits() -> Iterator[None]:
    """Within the block, PostgreSQL's commits of the sync's database session return without
    waiting for their WAL to reach the disk (synchronous_commit off).

    A page's commit waited ~3 ms for the flush, on every page. What a crash of the database
    server can cost is the last commits, whole: a page's rows go with its cursor, so the next
    sync reads them again; nothing is half-written, and nothing is lost that the exchange does
    not still have. That is the trade the embedded SQLite default already makes (WAL with
    synchronous=NORMAL). Other sessions keep their own setting.
    """
    connection = connections[router.db_for_write(Trade)]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        # A connection that broke meanwhile takes the setting with it.
        with suppress(Error), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def load_position(account: ExchangeAccount, stream: str, market: str | None) -> dict:
    """Return the stored cursor of a stream (and market), empty when it never ran."""
    cursor = SyncCursor.objects.filter(account=account, stream=stream, market=market or "").first()
    return dict(cursor.position) if cursor else {}


def _save_position(
    account: ExchangeAccount, stream: str, market: str | None, position: dict
) -> None:
    # One INSERT … ON CONFLICT DO UPDATE, where update_or_create would SELECT and then write.
    SyncCursor.objects.bulk_create(
        [SyncCursor(account=account, stream=stream, market=market or "", position=position)],
        update_conflicts=True,
        unique_fields=["account", "stream", "market"],
        update_fields=["position", "updated_at"],
    )


def _prep_function(field: models.Field, connection) -> Callable[[Any], Any]:
    """Return a function giving field.get_db_prep_save(value, connection), faster.

    The sync's records hold plain str, Decimal, aware datetime and dict values; those take a
    short path with the same result (for a dict: the same JSON, written compactly by
    json_dumps), anything else goes through the field itself.
    """
    slow = partial(field.get_db_prep_save, connection=connection)
    if isinstance(field, AmountField):
        return field.db_prep_function(connection)
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone is UTC:
            # What SQLite's adapt_datetimefield_value makes of an aware UTC datetime (the
            # sync's), inline: its text without the offset, which is its isoformat without
            # the "+00:00", and faster than str() of a naive copy.
            def prep_utc(value: Any) -> Any:
                if type(value) is datetime and value.tzinfo is UTC:
                    return value.isoformat(" ")[:-6]
                return slow(value)

            return prep_utc

        def prep_datetime(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is not None:
                return adapt(value)
            return slow(value)

        return prep_datetime
    if isinstance(field, models.JSONField) and field.encoder is None:
        if connection.vendor == "postgresql":
            return lambda value: (
                Jsonb(value, dumps=json_dumps) if type(value) is dict else slow(value)
            )
        return lambda value: json_dumps(value).decode() if type(value) is dict else slow(value)
    return slow


def json_dumps(value: Any) -> bytes:
    """Return value (a raw exchange record, decoded from JSON) as compact JSON.

    orjson writes it ten times faster than json.dumps, and a sync writes one a trade (ccxt
    decodes its answers with orjson too). Where orjson refuses a value (an integer beyond 64
    bits, a key that is not a string), json.dumps writes it, or fails as Django's field would.
    """
    try:
        return orjson.dumps(
            value, option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
        )
    except TypeError:
        return json.dumps(value).encode()


def prepared_columns(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]], using: str
) -> list[Sequence[Any]]:
    """Return rows of Python values (in the order of names) as the database's parameters,
    column by column, each value exactly what the model field's get_db_prep_save gives
    (tests/test_sync_store.py); no columns when there are no rows.

    A text column holding only str is passed as it is (a CharField or TextField prepares a str
    to itself); the others go through _prep_function.
    """
    connection = connections[using]
    columns = list(zip(*rows, strict=True))
    if not columns:
        return []
    prepared = []
    for name, values in zip(names, columns, strict=True):
        field = model._meta.get_field(name)
        if isinstance(field, models.CharField | models.TextField) and set(map(type, values)) == {
            str
        }:
            prepared.append(values)
        elif field.is_relation and set(map(type, values)) == {int}:
            # A page's rows share their account: each distinct id is prepared once.
            prep = _prep_function(field, connection)
            known = {value: prep(value) for value in set(values)}
            prepared.append([known[value] for value in values])
        else:
            prepared.append(list(map(_prep_function(field, connection), values)))
    return prepared


def prepared_rows(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]], using: str
) -> list[tuple]:
    """Return rows of Python values (in the order of names) as the database's parameters, row
    by row (see prepared_columns)."""
    return list(zip(*prepared_columns(model, names, rows, using), strict=True))


# On PostgreSQL, from this many rows on a COPY through a temporary table beats executemany;
# below it, creating and dropping the table costs more than it saves (a sync with little new).
COPY_FROM_ROWS = 100


def insert_new(
    model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert rows (Python values in the order of names), skipping any that conflict with a
    unique constraint; return how many were inserted (the database's own count).

    Unlike bulk_create(ignore_conflicts=True) (SQLite's INSERT OR IGNORE), only uniqueness
    conflicts are skipped: a NULL in a NOT NULL column still fails. All or nothing: in the
    caller's transaction, or in one of its own.
    """
    using = router.db_for_write(model)
    prepared = prepared_columns(model, names, rows, using)
    if not prepared:
        return 0
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            return _insert_sqlite(cursor, table, columns, prepared)
        params = list(zip(*prepared, strict=True))
        if connection.vendor == "postgresql" and len(params) >= COPY_FROM_ROWS:
            # Named by the columns too: a stage has exactly the columns it is filled with.
            digest = zlib.crc32(columns.encode())
            stage = "pg_temp." + quote(f"stage_{model._meta.db_table}_{digest:08x}")
            return _copy_new(cursor, table, stage, columns, params)
        # One statement run per row (psycopg 3: pipelined). executemany's count is the sum of
        # the rows' counts, and a row skipped on a conflict counts 0.
        placeholders = ", ".join(["%s"] * len(names))
        # Only quoted names from the model's own metadata go into the text; values are params.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT DO NOTHING"  # noqa: S608
        cursor.executemany(sql, params)
        return cursor.rowcount


def _insert_sqlite(cursor, table: str, columns: str, values: list[Sequence[Any]]) -> int:
    """SQLite: insert the rows (values: prepared column by column) with one multi-row INSERT …
    ON CONFLICT DO NOTHING per chunk (as many rows as SQLite's limit on bound parameters
    allows); return the rows inserted.

    Measured per 1,000-row page of trades: ~8 ms against ~12 ms for executemany of one INSERT
    per row, which steps the statement (and crosses from Python into SQLite) once per row.
    The statement goes to sqlite3 as it is, with its own "?" placeholders: Django's cursor would
    rewrite each "%s" of a 15,000-parameter text with a regular expression, every page.
    """
    raw = cursor.cursor  # sqlite3's cursor under Django's wrapper
    width, count = len(values), len(values[0])
    per_chunk = max(1, raw.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    added = 0
    with cursor.db.wrap_database_errors:
        for start in range(0, count, per_chunk):
            rows = min(per_chunk, count - start)
            # The parameters row after row: column j's values go to every width-th place.
            params: list[Any] = [None] * (rows * width)
            for j, column in enumerate(values):
                params[j::width] = column[start : start + rows]
            sqlite3.Cursor.execute(raw, _multi_row_insert(table, columns, width, rows), params)
            added += raw.rowcount
    return added


@lru_cache(maxsize=16)  # full pages share one text; a stream's last page is shorter
def _multi_row_insert(table: str, columns: str, width: int, rows: int) -> str:
    row = "(" + ", ".join("?" * width) + ")"
    # Only quoted names from the model's own metadata go into the text; values are params.
    values = ", ".join([row] * rows)
    return f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT DO NOTHING"  # noqa: S608


def _copy_new(cursor, table: str, stage: str, columns: str, params: list[tuple]) -> int:
    """PostgreSQL: COPY the rows into a temporary table shaped like the target's columns, then
    INSERT … SELECT … ON CONFLICT DO NOTHING from it; return the rows inserted.

    Measured per 1,000-row page against psycopg 3's pipelined executemany of one INSERT per
    row (client-side binding, as Django's cursors bind: ~45 ms; server-side: ~25 ms), one
    multi-row INSERT and INSERT … SELECT FROM unnest(arrays): COPY takes ~15 ms. The stage is
    created once per database session, not created and dropped on every page: two round trips
    and a catalog change fewer a page. Each commit empties it (ON COMMIT DELETE ROWS: a
    truncation, since a temporary table is never vacuumed and deleted rows would pile up in
    it), a rollback takes back the COPY, and a second batch in the same transaction empties it
    first. A session-scoped table needs a session of its own: not PgBouncer's transaction
    pooling (which Porthole's deployment does not use).
    """
    session = cursor.connection  # psycopg's connection: a new one has no stage yet
    # Only quoted names from the model's own metadata go into these texts.
    if stage not in _stages.setdefault(session, set()):
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "  # noqa: S608
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        # Remembered once committed: a rollback takes the table back with it.
        transaction.on_commit(lambda: _stages[session].add(stage), using=cursor.db.alias)
    filled = _filled.setdefault(session, set())
    if stage in filled:  # an earlier batch of this transaction (or of one rolled back) is staged
        cursor.execute(f"TRUNCATE {stage}")
    with (
        cursor.db.wrap_database_errors,
        cursor.copy(f"COPY {stage} ({columns}) FROM STDIN") as copy,
    ):
        for row in params:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    filled.add(stage)
    transaction.on_commit(lambda: filled.discard(stage), using=cursor.db.alias)
    return cursor.rowcount


# Per PostgreSQL session (psycopg connection): the staging tables it has, and those that may
# still hold rows of its open transaction.
_stages: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
_filled: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


_TRADE_COLUMNS = (
    "account",
    "trade_id",
    "order_id",
    "market",
    "base",
    "quote",
    "side",
    "price",
    "amount",
    "cost",
    "fee",
    "fee_currency",
    "taker_or_maker",
    "timestamp",
    "raw",
)


def _store_trades(account: ExchangeAccount, records: list[TradeRecord]) -> int:
    rows = (
        (
            account.pk,
            r.trade_id,
            r.order_id,
            r.market,
            r.base,
            r.quote,
            r.side,
            r.price,
            r.amount,
            r.cost,
            r.fee,
            r.fee_currency,
            r.taker_or_maker,
            r.timestamp,
            r.raw,
        )
        for r in records
    )
    return insert_new(Trade, _TRADE_COLUMNS, rows)


_TRANSFER_FIELDS = ("amount", "fee", "fee_currency", "network", "txid", "status", "raw")
_NEW_TRANSFER_COLUMNS = (
    "account",
    "kind",
    "transfer_id",
    "asset",
    "timestamp",
    "updated_at",
    *_TRANSFER_FIELDS,
)


def _store_transfers(account: ExchangeAccount, records: list[TransferRecord]) -> int:
    by_key = {(r.kind, r.transfer_id): r for r in records}
    existing = {
        (t.kind, t.transfer_id): t
        for t in Transfer.objects.filter(
            account=account,
            kind__in={k for k, _ in by_key},
            transfer_id__in={i for _, i in by_key},
        )
    }
    now = timezone.now()
    new, changed = [], []
    for key, r in by_key.items():
        row = existing.get(key)
        if row is None:
            new.append(
                (
                    account.pk,
                    r.kind,
                    r.transfer_id,
                    r.asset,
                    r.timestamp,
                    now,
                    *(getattr(r, f) for f in _TRANSFER_FIELDS),
                )
            )
        elif any(getattr(row, f) != getattr(r, f) for f in _TRANSFER_FIELDS if f != "raw"):
            # A pending deposit or withdrawal that completed (or failed): updated in place.
            for f in _TRANSFER_FIELDS:
                setattr(row, f, getattr(r, f))
            row.updated_at = now
            changed.append(row)
    added = insert_new(Transfer, _NEW_TRANSFER_COLUMNS, new)
    if changed:
        Transfer.objects.bulk_update(changed, [*_TRANSFER_FIELDS, "updated_at"])
    return added


def store_page(
    account: ExchangeAccount, stream: str, market: str | None, records: list, position: dict
) -> int:
    """Store a page's records and the cursor after them atomically; return how many were new."""
    trades = [r for r in records if isinstance(r, TradeRecord)]
    transfers = [r for r in records if isinstance(r, TransferRecord)]
    with transaction.atomic():
        added = _store_trades(account, trades) if trades else 0
        added += _store_transfers(account, transfers) if transfers else 0
        _save_position(account, stream, market, position)
    return added


def store_balances(
    account: ExchangeAccount,
    records: list[BalanceRecord],
    account_types: list[str],
    day: date | None = None,
) -> int:
    """Replace the account's balances of the fetched types and store today's snapshot."""
    now = timezone.now()
    day = day or now.date()
    with transaction.atomic():
        Balance.objects.filter(account=account, account_type__in=account_types).delete()
        Balance.objects.bulk_create(
            Balance(
                account=account,
                account_type=r.account_type,
                asset=r.asset,
                free=r.free,
                used=r.used,
                total=r.total,
                updated_at=now,
            )
            for r in records
        )
        totals: dict[str, Decimal] = defaultdict(Decimal)
        with localcontext(prec=EXACT_DIGITS):  # the default 28 digits would round the sums
            for balance in Balance.objects.filter(account=account):
                totals[balance.asset] += balance.total
        BalanceSnapshot.objects.filter(account=account, day=day).delete()
        BalanceSnapshot.objects.bulk_create(
            BalanceSnapshot(account=account, day=day, asset=asset, total=total, taken_at=now)
            for asset, total in totals.items()
        )
    return len(records)


def assets_seen(account: ExchangeAccount) -> set[str]:
    """Return every asset ever seen on the account: balances, snapshots, transfers, trades."""
    assets = set(Balance.objects.filter(account=account).values_list("asset", flat=True))
    assets |= set(
        BalanceSnapshot.objects.filter(account=account).values_list("asset", flat=True).distinct()
    )
    # order_by() drops Meta.ordering, whose columns would join the SELECT and defeat DISTINCT:
    # every trade of the history would be read, on every sync.
    transfers = Transfer.objects.filter(account=account).order_by()
    assets |= set(transfers.values_list("asset", flat=True).distinct())
    # A trade's base and quote are its market's (records.market_assets); the distinct markets
    # come from the unique (account, market, trade_id) index alone.
    markets = Trade.objects.filter(account=account).order_by().values_list("market", flat=True)
    for market in markets.distinct():
        assets.update(market_assets(market))
    return assets


def tracked_markets(account: ExchangeAccount) -> set[str]:
    """Return the markets the owner asked to sync."""
    return set(TrackedMarket.objects.filter(account=account).values_list("market", flat=True))


_KIND_OF_STREAM = {"deposits": Transfer.Kind.DEPOSIT, "withdrawals": Transfer.Kind.WITHDRAWAL}


def oldest_pending_ms(account: ExchangeAccount, stream: str) -> int | None:
    """Return the timestamp (ms) of the stream's oldest pending transfer, if any."""
    kind = _KIND_OF_STREAM.get(stream)
    if kind is None:
        return None
    oldest = (
        Transfer.objects.filter(account=account, kind=kind, status="pending")
        .order_by("timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )
    return int(oldest.timestamp() * 1000) if oldest else None
