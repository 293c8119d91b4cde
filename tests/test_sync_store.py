"""The sync's raw write path: values prepared exactly as the model fields would, exact counts."""

import dataclasses
import json
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path

import environ
import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from exchanges.models import ExchangeAccount
from exchanges.sync import engine, store
from exchanges.sync.models import SyncCursor, Trade, Transfer
from exchanges.sync.records import TradeRecord, TransferRecord
from portfolio.config import read_database_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["copy", "executemany"])
def insert_path(request, monkeypatch):
    """Run every test through both of PostgreSQL's insert paths (SQLite has one)."""
    if request.param == "copy" and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    monkeypatch.setattr(store, "COPY_FROM_ROWS", 1 if request.param == "copy" else 10**9)
    return request.param


EDGE_AMOUNTS = [
    Decimal("0.00000001"),
    Decimal("1E-8"),
    Decimal("0.123456789012345678"),  # 18 decimals
    Decimal("123456789012345678901234567890"),  # 30-digit integer
    Decimal("123456789012345678901234567890.123456789012345678"),  # 48 digits
    Decimal("-0.000000000000000001"),
    Decimal("0"),
    Decimal("-0"),
    Decimal("0E-30"),
    Decimal("1.5E+3"),
    Decimal("30012.12345678"),
    Decimal("0.1234567890123456789"),  # 19 decimals: rounded by the field's context
    None,
]


@pytest.fixture
def account(django_user_model):
    owner = django_user_model.objects.create(username="store-owner")
    return ExchangeAccount.objects.create(
        owner=owner,
        exchange_id="binance",
        label="Main",
        encrypted_credentials="x",
        key_fingerprint="f" * 16,
        key_hash="h" * 64,
    )


def trade(trade_id: str, price=Decimal("1"), fee=Decimal("0.1"), market="BTC/USDT") -> TradeRecord:
    return TradeRecord(
        trade_id=trade_id,
        order_id=f"o{trade_id}",
        market=market,
        base="BTC",
        quote="USDT",
        side="buy",
        price=price,
        amount=Decimal("0.5"),
        cost=Decimal("2") if price is None else price * 2,
        fee=fee,
        fee_currency="BTC",
        taker_or_maker="taker",
        timestamp=datetime(2024, 5, 1, 12, 30, 15, 123000, tzinfo=UTC),
        timestamp_ms=1714566615123,
        raw={"id": trade_id, "price": str(price), "nested": {"ok": True, "n": [1, 2.5]}},
    )


@pytest.mark.parametrize("value", EDGE_AMOUNTS, ids=str)
def test_the_fast_amount_preparation_equals_the_fields_own(value):
    field = Trade._meta.get_field("price")
    fast = field.db_prep_function(connection)
    assert fast(value) == field.get_db_prep_value(value, connection)
    assert type(fast(value)) is type(field.get_db_prep_value(value, connection))


def test_the_fast_amount_preparation_equals_the_fields_own_for_other_inputs():
    field = Trade._meta.get_field("fee")
    fast = field.db_prep_function(connection)
    for value in ("0.00000001", 7, 0.5, Decimal("1.000000000000000000000")):
        assert fast(value) == field.get_db_prep_value(value, connection)


def test_an_amount_too_large_for_the_field_fails_the_same_way():
    field = Trade._meta.get_field("price")
    too_big = Decimal("1" * 31 + ".5")
    fast = field.db_prep_function(connection)
    if connection.vendor == "sqlite":
        with pytest.raises(InvalidOperation):
            field.get_db_prep_value(too_big, connection)
        with pytest.raises(InvalidOperation):
            fast(too_big)
    else:  # PostgreSQL refuses it on insert
        assert fast(too_big) == field.get_db_prep_value(too_big, connection)


@pytest.mark.parametrize("value", EDGE_AMOUNTS, ids=str)
def test_prepared_trade_rows_equal_what_the_model_fields_prepare(account, value):
    price = value if value is not None else Decimal("2")
    record = trade("1", price=price, fee=value)
    names = store._TRADE_COLUMNS
    row = [account.pk, *(getattr(record, n) for n in names[1:])]
    fast = store.prepared_rows(Trade, names, [row], "default")[0]
    instance = Trade(account=account, **{n: getattr(record, n) for n in names[1:]})
    slow = tuple(
        Trade._meta.get_field(n).get_db_prep_save(
            getattr(instance, Trade._meta.get_field(n).attname), connection
        )
        for n in names
    )
    # The raw record is the same JSON document, written compactly by the fast path: compare
    # what psycopg's Jsonb wraps (it has no equality), or the text decoded on SQLite.
    raw_fast, raw_slow = fast[-1], slow[-1]
    if isinstance(raw_slow, str):
        assert json.loads(raw_fast) == json.loads(raw_slow) == record.raw
    else:
        assert raw_fast.obj == raw_slow.obj == record.raw
    assert fast[:-1] == slow[:-1]
    assert [type(v) for v in fast] == [type(v) for v in slow]


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 5, 1, 12, 30, 15, 123000, tzinfo=UTC),
        datetime(2024, 5, 1, 0, 0, tzinfo=UTC),
        datetime(2024, 3, 31, 1, 30, 0, 999999, tzinfo=timezone(timedelta(hours=2))),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    ],
    ids=str,
)
def test_prepared_datetimes_and_account_ids_equal_what_the_fields_prepare(account, value):
    names = ["account", "timestamp"]
    rows = [(account.pk, value), (account.pk, value), (account.pk + 1, value)]
    fast = store.prepared_rows(Trade, names, rows, "default")
    slow = [
        tuple(
            Trade._meta.get_field(n).get_db_prep_save(v, connection)
            for n, v in zip(names, row, strict=True)
        )
        for row in rows
    ]
    assert fast == slow
    assert [type(v) for row in fast for v in row] == [type(v) for row in slow for v in row]


@pytest.mark.parametrize("value", [v for v in EDGE_AMOUNTS if v is not None][:7], ids=str)
def test_stored_amounts_are_exact_and_found_by_equality(account, value):
    store.store_page(account, "trades", "BTC/USDT", [trade("1", price=value)], {"fromId": 2})
    stored = Trade.objects.get(account=account)
    field = Trade._meta.get_field("price")
    assert stored.price == field.to_python(field.get_db_prep_value(value, connection))
    assert Trade.objects.filter(price=value).count() == 1
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT price FROM exchanges_trade")
            assert cursor.fetchone()[0] == field.get_db_prep_value(value, connection)


def test_counts_of_new_rows_are_exact_under_duplicates(account):
    first = [trade(str(i)) for i in range(5)] + [trade("2"), trade("4")]  # repeats in the page
    assert store.store_page(account, "trades", "BTC/USDT", first, {"fromId": 5}) == 5
    assert store.store_page(account, "trades", "BTC/USDT", first, {"fromId": 5}) == 0
    overlap = [trade(str(i)) for i in range(3, 8)]
    assert store.store_page(account, "trades", "BTC/USDT", overlap, {"fromId": 8}) == 3
    # Binance's ids are unique per market only: the same id on another market is new.
    other = [trade("1", market="ETH/USDT")]
    assert store.store_page(account, "trades", "ETH/USDT", other, {"fromId": 2}) == 1
    assert Trade.objects.filter(account=account).count() == 9
    assert SyncCursor.objects.get(account=account, market="BTC/USDT").position == {"fromId": 8}


def test_a_row_inserted_concurrently_is_skipped_and_not_counted(account):
    # Another worker stored trade 1 between this page's fetch and its insert.
    store.store_page(account, "trades", "BTC/USDT", [trade("1")], {"fromId": 2})
    page = [trade("1"), trade("2")]
    assert store.insert_new(Trade, ["account", "trade_id", "market"], []) == 0
    assert store.store_page(account, "trades", "BTC/USDT", page, {"fromId": 3}) == 1


def test_only_uniqueness_conflicts_are_skipped(account):
    names = ["account", "trade_id", "order_id", "market", "base", "quote", "side"]
    names += ["price", "amount", "cost", "fee_currency", "taker_or_maker", "timestamp", "raw"]
    row = [account.pk, "1", "", "BTC/USDT", "BTC", "USDT", "buy", None, Decimal("1")]
    row += [Decimal("1"), "", "", datetime(2024, 1, 1, tzinfo=UTC), {}]
    with pytest.raises(IntegrityError), transaction.atomic():
        store.insert_new(Trade, names, [row])  # price is NOT NULL


def test_a_failed_page_stores_neither_rows_nor_cursor(account, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_save_position", broken)
    with pytest.raises(RuntimeError):
        store.store_page(account, "trades", "BTC/USDT", [trade("1")], {"fromId": 2})
    assert not Trade.objects.exists()
    assert not SyncCursor.objects.exists()


def test_new_transfers_are_counted_exactly_and_pending_ones_updated(account):
    def transfer(status: str, transfer_id: str = "d1") -> TransferRecord:
        return TransferRecord(
            kind="deposit",
            transfer_id=transfer_id,
            asset="USDT",
            amount=Decimal("7600.125"),
            fee=None,
            fee_currency="",
            network="TRX",
            txid="0xabc",
            status=status,
            timestamp=datetime(2024, 1, 1, tzinfo=UTC),
            timestamp_ms=1704067200000,
            raw={"status": status},
        )

    assert store.store_page(account, "deposits", None, [transfer("pending")], {}) == 1
    assert store.store_page(account, "deposits", None, [transfer("ok")], {}) == 0
    row = Transfer.objects.get(account=account)
    assert (row.status, row.raw, row.amount) == ("ok", {"status": "ok"}, Decimal("7600.125"))
    page = [transfer("ok"), transfer("pending", "d2"), transfer("pending", "d2")]
    assert store.store_page(account, "deposits", None, page, {}) == 1


def test_the_claim_is_renewed_at_most_every_thirty_seconds(account, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(engine.time, "monotonic", lambda: clock[0])
    run = engine._Run(record=None, progress=None, renewed_at=clock[0])  # as at claim()
    ExchangeAccount.objects.filter(pk=account.pk).update(sync_claimed_until=None)

    def claimed_until():
        return ExchangeAccount.objects.get(pk=account.pk).sync_claimed_until

    clock[0] += engine.RENEW_EVERY - 1
    engine._renew(account, run)
    assert claimed_until() is None  # too soon: no write
    clock[0] += 1
    engine._renew(account, run)
    assert claimed_until() is not None
    assert engine.CLAIM_TTL.total_seconds() > engine.RENEW_EVERY * 10


def test_the_embedded_sqlite_database_uses_wal(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL_FILE", raising=False)
    options = read_database_url(environ.Env(), tmp_path)["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]
    assert "synchronous=NORMAL" in options["init_command"]


def test_a_value_too_long_for_its_column_fails_as_a_django_error(account):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite does not enforce varchar lengths")
    names = ["account", "trade_id", "order_id", "market", "base", "quote", "side"]
    names += ["price", "amount", "cost", "fee_currency", "taker_or_maker", "timestamp", "raw"]
    row = [account.pk, "x" * 200, "", "BTC/USDT", "BTC", "USDT", "buy", Decimal(1), Decimal(1)]
    row += [Decimal("1"), "", "", datetime(2024, 1, 1, tzinfo=UTC), {}]
    with pytest.raises(DataError), transaction.atomic():
        store.insert_new(Trade, names, [row])
    assert store.insert_new(Trade, names, [[account.pk, "1", *row[2:]]]) == 1  # usable again


def test_a_page_beyond_sqlites_parameter_limit_is_inserted_in_chunks_with_exact_counts(account):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's multi-row insert")
    raw = connection.connection
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, len(store._TRADE_COLUMNS) * 2 + 1)
    try:
        page = [trade(str(i)) for i in range(7)] + [trade("3")]  # 4 chunks of 2, one repeat
        assert store.store_page(account, "trades", "BTC/USDT", page, {"fromId": 7}) == 7
        again = [trade(str(i)) for i in range(5, 10)]
        assert store.store_page(account, "trades", "BTC/USDT", again, {"fromId": 10}) == 3
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    stored = sorted(Trade.objects.values_list("trade_id", flat=True), key=int)
    assert stored == [str(i) for i in range(10)]


@pytest.mark.parametrize(
    "raw",
    [
        {"id": 1, "n": [1, 2.5, None, True], "text": "ü €"},
        {"id": 2**70, "qty": "1"},  # beyond 64 bits: orjson refuses, json writes it
        {"id": 3, "by_level": {1: "a"}},  # a key that is not a string (JSON makes it "1")
    ],
    ids=["plain", "big-integer", "integer-key"],
)
def test_raw_records_are_stored_as_the_same_json_document(account, raw):
    record = dataclasses.replace(trade("1"), raw=raw)
    store.store_page(account, "trades", "BTC/USDT", [record], {"fromId": 2})
    assert Trade.objects.get(account=account).raw == json.loads(json.dumps(raw))


def test_assets_seen_include_both_sides_of_every_traded_market(account):
    trades = [trade("1", market="ETH/BTC"), trade("2", market="SOL/USDC:USDC")]
    store.store_page(account, "trades", None, trades, {})
    assert store.assets_seen(account) == {"ETH", "BTC", "SOL", "USDC"}


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's staging table")


def creates_of_stages(queries) -> int:
    return sum("CREATE TEMPORARY TABLE" in q["sql"] for q in queries)


def rows_left_in_stages() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() "
            "AND relkind = 'r'"
        )
        names = [name for (name,) in cursor.fetchall()]
        total = 0
        for name in names:
            cursor.execute(f"SELECT count(*) FROM pg_temp.{connection.ops.quote_name(name)}")  # noqa: S608
            total += cursor.fetchone()[0]
    return total


@pytest.mark.django_db(transaction=True)
def test_the_staging_table_is_made_once_a_session_and_left_empty(
    account, postgres_only, insert_path
):
    if insert_path != "copy":
        pytest.skip("the COPY path")
    connection.close()  # a new session, which has no staging table yet
    with CaptureQueriesContext(connection) as first:
        assert store.store_page(account, "trades", "BTC/USDT", [trade("1")], {"fromId": 2}) == 1
    with CaptureQueriesContext(connection) as second:
        page = [trade("1"), trade("2"), trade("3")]
        assert store.store_page(account, "trades", "BTC/USDT", page, {"fromId": 4}) == 2
    assert (creates_of_stages(first), creates_of_stages(second)) == (1, 0)
    assert rows_left_in_stages() == 0
    assert Trade.objects.filter(account=account).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_staging_table_made_in_a_page_that_failed_is_made_again(
    account, postgres_only, insert_path, monkeypatch
):
    if insert_path != "copy":
        pytest.skip("the COPY path")
    connection.close()  # a new session, which has no staging table yet

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    with monkeypatch.context() as patched:
        patched.setattr(store, "_save_position", broken)
        with pytest.raises(RuntimeError):
            store.store_page(account, "trades", "BTC/USDT", [trade("1")], {"fromId": 2})
    # The failed page's transaction took its new table with it; the next page makes it again.
    with CaptureQueriesContext(connection) as again:
        assert store.store_page(account, "trades", "BTC/USDT", [trade("1")], {"fromId": 2}) == 1
    assert creates_of_stages(again) == 1
    assert rows_left_in_stages() == 0


def test_a_second_batch_in_one_transaction_inserts_and_counts_only_its_own_rows(
    account, postgres_only, insert_path
):
    if insert_path != "copy":
        pytest.skip("the COPY path")
    names = store._TRADE_COLUMNS

    def rows(*ids):
        return [[account.pk, *(getattr(trade(i), n) for n in names[1:])] for i in ids]

    with transaction.atomic():
        assert store.insert_new(Trade, names, rows("1", "2")) == 2
        Trade.objects.filter(account=account, trade_id="1").delete()
        # The first batch's rows are still staged until commit: they must not come back.
        assert store.insert_new(Trade, names, rows("3")) == 1
    assert sorted(Trade.objects.values_list("trade_id", flat=True)) == ["2", "3"]


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_commits_are_unawaited_only_within_the_block_even_when_it_fails(postgres_only):
    before = synchronous_commit()
    with pytest.raises(RuntimeError), store.unawaited_commits():
        assert synchronous_commit() == "off"
        raise RuntimeError("the sync failed")
    assert synchronous_commit() == before == "on"
