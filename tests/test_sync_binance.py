"""Syncing a Binance account through real ccxt over HTTP to the loopback fake."""

import dataclasses
from decimal import Decimal

import pytest
from django.db import connection

from exchanges import services
from exchanges.credentials import Credentials
from exchanges.models import ExchangeAccount
from exchanges.sync import engine, profiles
from exchanges.sync.models import Balance, BalanceSnapshot, SyncCursor, SyncRun, Trade, Transfer
from tests.fake_exchange import Reply
from tests.fake_exchange import binance as fake
from tests.sync_helpers import worker_killed_at_page

pytestmark = pytest.mark.django_db

T0 = 1_700_000_000_000  # 2023-11-14
DAY = 86_400_000


@pytest.fixture(autouse=True)
def recent_start(monkeypatch):
    """Start the windowed history a year before T0 instead of Binance's opening in 2017."""
    original = profiles.PROFILES["binance"]
    streams = tuple(
        dataclasses.replace(s, start_ms=T0 - 365 * DAY) if hasattr(s, "start_ms") else s
        for s in original.streams
    )
    monkeypatch.setitem(
        profiles.PROFILES, "binance", dataclasses.replace(original, streams=streams)
    )


@pytest.fixture
def small_pages(monkeypatch, recent_start):
    """Binance's profile with pages of 3, so a handful of records spans several pages."""
    original = profiles.PROFILES["binance"]
    streams = tuple(dataclasses.replace(s, limit=3) for s in original.streams)
    monkeypatch.setitem(
        profiles.PROFILES, "binance", dataclasses.replace(original, streams=streams)
    )


@pytest.fixture
def ledger(fake_exchange):
    ledger = fake.Ledger()
    ledger.balances = {"BTC": ("1.5", "0.5"), "USDT": ("100.25", "0"), "ETH": ("0", "0")}
    ledger.funding = {"USDT": "10"}
    fake.serve_ledger(fake_exchange, ledger)
    return ledger


@pytest.fixture
def account(django_user_model, fake_exchange, ledger):
    ana = django_user_model.objects.create_user("ana", password="a-long-password-1")
    return services.connect_account(
        owner=ana, exchange_id="binance", label="Main", credentials=Credentials(**fake.CREDENTIALS)
    )


def test_balances_are_stored_exactly_per_account_type_with_a_snapshot(account):
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    spot = Balance.objects.get(account=account, asset="BTC", account_type="spot")
    assert (spot.free, spot.used, spot.total) == (Decimal("1.5"), Decimal("0.5"), Decimal("2"))
    assert Balance.objects.get(account=account, asset="USDT", account_type="funding").total == 10
    assert not Balance.objects.filter(asset="ETH").exists()
    snapshot = {s.asset: s.total for s in BalanceSnapshot.objects.filter(account=account)}
    assert snapshot == {"BTC": Decimal("2"), "USDT": Decimal("110.25")}


def test_multi_page_trade_history_is_complete_and_a_second_run_adds_nothing(
    account, ledger, fake_exchange, small_pages
):
    for i in range(10):
        ledger.add_trade("BTCUSDT", "30000.01", "0.001", T0 + i * 1000)
    ledger.add_trade("ETHBTC", "0.05", "1", T0)
    run = engine.sync_account(account.pk)
    assert run.counts["trades"] == 11
    assert Trade.objects.filter(account=account).count() == 11
    trade = Trade.objects.filter(market="BTC/USDT").order_by("timestamp").first()
    assert trade.price == Decimal("30000.01")
    assert trade.cost == Decimal("30.00001")
    assert trade.side == "buy"
    assert trade.raw["symbol"] == "BTCUSDT"

    before = len(fake_exchange.requests)
    second = engine.sync_account(account.pk)
    assert second.counts.get("trades", 0) == 0
    trade_requests = [r for r in fake_exchange.requests[before:] if r.path == "/api/v3/myTrades"]
    assert len(trade_requests) == 2  # one per market: nothing new costs one request each


def test_trades_are_only_asked_for_markets_touching_assets_seen(account, ledger, fake_exchange):
    ledger.markets.append(("DOGE", "EUR"))
    engine.sync_account(account.pk)
    asked = {r.query["symbol"] for r in fake_exchange.requests_to("/api/v3/myTrades")}
    assert asked == {"BTCUSDT", "ETHBTC"}


def test_a_crash_between_pages_loses_and_duplicates_nothing(
    account, ledger, fake_exchange, small_pages
):
    for i in range(8):
        ledger.add_trade("BTCUSDT", "100", "1", T0 + i)
    with worker_killed_at_page(2, of="trades"), pytest.raises(RuntimeError):
        engine.sync_account(account.pk)
    stored = Trade.objects.filter(account=account).count()
    assert 0 < stored < 8
    engine.sync_account(account.pk)
    assert Trade.objects.filter(account=account).count() == 8
    ids = list(Trade.objects.filter(account=account).values_list("trade_id", flat=True))
    assert len(ids) == len(set(ids))


def test_deposits_sharing_a_timestamp_across_a_page_boundary_are_all_kept(
    account, ledger, fake_exchange, small_pages
):
    # Newest first with pages of 3: the first page ends inside the three records at T0 + 2s.
    for i, offset in enumerate([0, 1000, 2000, 2000, 2000, 3000, 4000]):
        ledger.add_deposit("BTC", f"0.{i + 1}", T0 + offset)
    run = engine.sync_account(account.pk)
    assert Transfer.objects.filter(account=account, kind="deposit").count() == 7
    assert run.counts["deposits"] == 7


def test_a_pending_withdrawal_is_updated_in_place_when_it_completes(account, ledger):
    raw = ledger.add_withdrawal("USDT", "50", "1", T0, status=4)
    engine.sync_account(account.pk)
    withdrawal = Transfer.objects.get(account=account, kind="withdrawal")
    assert withdrawal.status == "pending"
    raw["status"] = 6
    engine.sync_account(account.pk)
    withdrawal = Transfer.objects.get(account=account, kind="withdrawal")
    assert withdrawal.status == "ok"
    assert withdrawal.fee == Decimal("1")


def test_history_older_than_one_window_is_reached(account, ledger):
    ledger.add_deposit("BTC", "1", T0 - 300 * DAY)
    ledger.add_deposit("BTC", "2", T0)
    engine.sync_account(account.pk)
    assert Transfer.objects.filter(account=account, kind="deposit").count() == 2
    second_cursor = SyncCursor.objects.get(account=account, stream="deposits").position
    assert second_cursor["since"] >= T0


def test_empty_windows_are_not_written_one_by_one_and_a_crash_among_them_resumes(
    account, ledger, fake_exchange, monkeypatch
):
    ledger.add_deposit("BTC", "1", T0 - 300 * DAY)  # in the first window of a year's walk
    writes = []
    original = engine.store.store_page

    def counted(account, stream, market, records, position):
        if stream == "deposits":
            writes.append((len(records), position))
        return original(account, stream, market, records, position)

    monkeypatch.setattr(engine.store, "store_page", counted)
    engine.sync_account(account.pk)
    windows = len(fake_exchange.requests_to("/sapi/v1/capital/deposit/hisrec"))
    assert windows > 5  # a year before T0 up to today, 90 days at a time
    # The window with the deposit and the last one are written; the empty ones between are not.
    assert [count for count, _ in writes] == [1, 0]
    assert SyncCursor.objects.get(account=account, stream="deposits").position == writes[-1][1]

    # A crash among the empty windows: the next run starts again from the last stored cursor,
    # reads those empty windows again and loses nothing.
    SyncCursor.objects.filter(account=account, stream="deposits").update(position=writes[0][1])
    ledger.add_deposit("BTC", "2", T0)
    engine.sync_account(account.pk)
    assert Transfer.objects.filter(account=account, kind="deposit").count() == 2


@pytest.mark.parametrize(
    "amount", ["0.00000001", "123456789012.123456789012345678", "999999999999999999999999999999"]
)
def test_amounts_are_stored_digit_for_digit(account, ledger, amount):
    ledger.add_deposit("ETH", amount, T0)
    engine.sync_account(account.pk)
    assert Transfer.objects.get(account=account).amount == Decimal(amount)


def test_a_key_whose_scope_widened_is_suspended_and_nothing_is_synced(
    account, ledger, fake_exchange
):
    ledger.add_trade("BTCUSDT", "1", "1", T0)
    fake.serve_permissions(fake_exchange, fake.permissions({"enableWithdrawals": True}))
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUSPENDED
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED
    assert "Withdrawals are enabled" in account.status_reason
    assert not Trade.objects.exists()
    assert not fake_exchange.requests_to("/api/v3/myTrades")


def test_an_authentication_error_mid_sync_suspends_with_a_clear_reason(
    account, ledger, fake_exchange
):
    fake_exchange.route(
        "GET", "/api/v3/myTrades", Reply({"code": -2014, "msg": "API-key format invalid."}, 401)
    )
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.FAILED
    assert run.error_class == "AuthenticationFailed"
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED
    assert "did not accept this API key" in account.status_reason


def test_a_binance_ban_disguised_as_2015_retries_and_the_next_check_decides(
    account, ledger, fake_exchange
):
    from exchanges import errors

    # ccxt reads -2015 after a successful call as Binance's temporary ban: retry later.
    fake_exchange.route(
        "GET",
        "/api/v3/myTrades",
        Reply({"code": -2015, "msg": "Invalid API-key, IP, or permissions"}, 401),
    )
    with pytest.raises(errors.RateLimited):
        engine.sync_account(account.pk)
    assert SyncRun.objects.get().status == SyncRun.Status.RETRYING
    # On the next run the key itself is refused by the scope check: suspended, nothing synced.
    from exchanges import ratelimit

    ratelimit.counter().pause("binance", 0.001)
    fake.serve_auth_error(fake_exchange)
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUSPENDED
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED


def test_a_429_pauses_the_exchange_for_every_worker_for_its_retry_after(
    account, ledger, fake_exchange, settings
):
    from exchanges import errors, ratelimit

    settings.RATE_BUDGETS_ENABLED = True
    fake_exchange.route(
        "GET",
        "/api/v3/myTrades",
        Reply({"code": -1003, "msg": "Too many requests"}, 429, headers={"Retry-After": "120"}),
    )
    with pytest.raises(errors.RateLimited) as caught:
        engine.sync_account(account.pk)
    assert caught.value.retry_after == 120
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.RETRYING
    assert 100 < ratelimit.counter().paused_for("binance") <= 120
    before = len(fake_exchange.requests)
    with pytest.raises(errors.RateLimited):
        engine.sync_account(account.pk)  # another worker: refused before any request
    assert len(fake_exchange.requests) == before


def test_only_one_sync_of_an_account_runs_at_a_time(account):
    assert engine.claim(account.pk)
    with pytest.raises(engine.SyncInProgress):
        engine.sync_account(account.pk)
    ExchangeAccount.objects.filter(pk=account.pk).update(sync_claimed_until=None)
    assert engine.sync_account(account.pk).status == SyncRun.Status.SUCCEEDED


def test_resuming_ends_a_pause_for_every_worker(settings):
    from exchanges import ratelimit

    ratelimit.pause("binance", 300)
    assert ratelimit.counter().paused_for("binance") > 200
    ratelimit.resume("binance")
    assert ratelimit.counter().paused_for("binance") == 0


def test_a_sync_leaves_sqlite_planner_statistics_for_the_history_pages(account, ledger):
    from django.db import connection

    ledger.add_trade("BTCUSDT", "1", "1", T0)
    engine.sync_account(account.pk)
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's autovacuum keeps its own statistics")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        assert cursor.fetchone()[0] == 1


def test_pages_are_committed_without_waiting_for_the_disk_and_the_setting_ends_with_the_sync(
    account, ledger, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's synchronous_commit (SQLite runs synchronous=NORMAL anyway)")
    ledger.add_trade("BTCUSDT", "30000.01", "0.001", T0)
    seen = []
    store_page = engine.store.store_page

    def watching(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])
        return store_page(*args, **kwargs)

    monkeypatch.setattr(engine.store, "store_page", watching)
    assert engine.sync_account(account.pk).counts["trades"] == 1
    assert seen and set(seen) == {"off"}
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
