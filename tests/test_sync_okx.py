"""Syncing an OKX account through real ccxt over HTTP to the loopback fake."""

import dataclasses
import time
from decimal import Decimal

import pytest

from exchanges import services
from exchanges.credentials import Credentials
from exchanges.models import ExchangeAccount
from exchanges.sync import engine, profiles
from exchanges.sync.models import Balance, BalanceSnapshot, SyncCursor, SyncRun, Trade, Transfer
from tests.fake_exchange import Reply
from tests.fake_exchange import okx as fake
from tests.sync_helpers import worker_killed_at_page

pytestmark = pytest.mark.django_db

DAY = 86_400_000
# fills-history only reaches back a few months, so the history here is recent.
T0 = (int(time.time()) - 30 * 86_400) * 1000

HISTORY = {
    "trades": fake.FILLS_HISTORY_PATH,
    "deposits": fake.DEPOSITS_PATH,
    "withdrawals": fake.WITHDRAWALS_PATH,
}


@pytest.fixture
def small_pages(monkeypatch):
    """OKX's profile with pages of 3, so a handful of records spans several pages."""
    original = profiles.PROFILES["okx"]
    streams = tuple(dataclasses.replace(s, limit=3) for s in original.streams)
    monkeypatch.setitem(profiles.PROFILES, "okx", dataclasses.replace(original, streams=streams))


@pytest.fixture
def ledger(fake_exchange):
    ledger = fake.Ledger()
    ledger.trading = {"BTC": ("1.5", "0.5"), "USDT": ("100.25", "0"), "ETH": ("0", "0")}
    ledger.funding = {"USDT": "10", "BTC": "0.00000001"}
    fake.serve_ledger(fake_exchange, ledger)
    return ledger


@pytest.fixture
def account(django_user_model, fake_exchange, ledger):
    ana = django_user_model.objects.create_user("ana", password="a-long-password-1")
    return services.connect_account(
        owner=ana, exchange_id="okx", label="Main", credentials=Credentials(**fake.CREDENTIALS)
    )


def _requests(fake_exchange, path: str, since: int = 0) -> list:
    return [r for r in fake_exchange.requests[since:] if r.path == path]


def test_balances_are_stored_exactly_per_account_type_with_a_snapshot(account, fake_exchange):
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    btc = Balance.objects.get(account=account, asset="BTC", account_type="trading")
    assert (btc.free, btc.used, btc.total) == (Decimal("1.5"), Decimal("0.5"), Decimal("2"))
    assert Balance.objects.get(account=account, asset="USDT", account_type="funding").total == 10
    dust = Balance.objects.get(account=account, asset="BTC", account_type="funding")
    assert dust.total == Decimal("0.00000001")
    assert not Balance.objects.filter(asset="ETH").exists()
    snapshot = {s.asset: s.total for s in BalanceSnapshot.objects.filter(account=account)}
    assert snapshot == {"BTC": Decimal("2.00000001"), "USDT": Decimal("110.25")}
    # Spot instruments only, and every private request signed with the passphrase.
    assert [r.query for r in _requests(fake_exchange, fake.INSTRUMENTS_PATH)] == [
        {"instType": "SPOT"}
    ]
    for request in _requests(fake_exchange, fake.TRADING_BALANCE_PATH):
        assert request.headers["ok-access-passphrase"] == fake.CREDENTIALS["password"]
        assert request.headers["ok-access-sign"]


def test_multi_page_trade_history_is_complete_and_a_second_run_costs_one_request_per_stream(
    account, ledger, fake_exchange, small_pages
):
    for i in range(10):
        ledger.add_fill("BTC-USDT", "30000.01", "0.001", T0 + i * 1000, fee="-0.00000001")
    ledger.add_fill("ETH-BTC", "0.05", "1", T0, side="sell", fee="-0.0005", fee_ccy="BTC")
    for i in range(7):
        ledger.add_deposit("USDT", f"{i + 1}", T0 + i * 1000)
        ledger.add_withdrawal("USDT", f"{i + 1}", "1", T0 + i * 1000)
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts == {"balances": 4, "trades": 11, "deposits": 7, "withdrawals": 7}
    assert Trade.objects.filter(account=account).count() == 11
    trade = Trade.objects.filter(market="BTC/USDT").order_by("timestamp").first()
    assert trade.price == Decimal("30000.01")
    assert trade.amount == Decimal("0.001")
    assert trade.cost == Decimal("30.00001")
    assert trade.fee == Decimal("0.00000001")  # OKX sends fees negative; ccxt flips the sign
    assert (trade.side, trade.taker_or_maker) == ("buy", "taker")
    assert trade.raw["instId"] == "BTC-USDT"
    assert Trade.objects.get(market="ETH/BTC").side == "sell"
    # Every spot market in one history, newest first, paged back by billId: 3 + 3 + 3 + 2.
    asked = _requests(fake_exchange, fake.FILLS_HISTORY_PATH)
    assert len(asked) == 4
    assert all(r.query["instType"] == "SPOT" and "instId" not in r.query for r in asked)
    assert "after" not in asked[0].query
    bills = sorted((int(f["billId"]) for f in ledger.fills), reverse=True)
    assert [int(r.query["after"]) for r in asked[1:]] == [bills[2], bills[5], bills[8]]

    before = len(fake_exchange.requests)
    second = engine.sync_account(account.pk)
    assert second.status == SyncRun.Status.SUCCEEDED
    assert all(second.counts.get(name, 0) == 0 for name in HISTORY)
    for path in HISTORY.values():
        assert len(_requests(fake_exchange, path, before)) == 1


def test_new_trades_after_a_sync_are_added_and_the_walk_stops_at_the_stored_mark(
    account, ledger, fake_exchange, small_pages
):
    for i in range(5):
        ledger.add_fill("BTC-USDT", "100", "1", T0 + i)
    engine.sync_account(account.pk)
    for i in range(4):
        ledger.add_fill("BTC-USDT", "101", "1", T0 + DAY + i)
    before = len(fake_exchange.requests)
    run = engine.sync_account(account.pk)
    assert run.counts["trades"] == 4
    assert Trade.objects.filter(account=account).count() == 9
    # 4 new: a full page of new ones, then a page that reaches the stored mark.
    assert len(_requests(fake_exchange, fake.FILLS_HISTORY_PATH, before)) == 2
    cursor = SyncCursor.objects.get(account=account, stream="trades").position
    assert cursor == {"mark": max(f["billId"] for f in ledger.fills)}


def test_fills_older_than_the_fills_history_window_are_out_of_reach(account, ledger):
    ledger.add_fill("BTC-USDT", "100", "1", T0 - 200 * DAY)  # beyond fills-history's window
    ledger.add_fill("BTC-USDT", "100", "2", T0)
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert list(Trade.objects.values_list("amount", flat=True)) == [Decimal("2")]


@pytest.mark.parametrize("stream", ["trades", "deposits"])
def test_a_crash_between_pages_resumes_at_the_stored_cursor_losing_and_duplicating_nothing(
    account, ledger, fake_exchange, small_pages, stream
):
    for i in range(8):
        if stream == "trades":
            ledger.add_fill("BTC-USDT", "100", "1", T0 + i)
        else:
            ledger.add_deposit("BTC", f"0.{i + 1}", T0 + i * 1000)
    model = Trade if stream == "trades" else Transfer
    with worker_killed_at_page(2, of=stream), pytest.raises(RuntimeError):
        engine.sync_account(account.pk)
    assert model.objects.filter(account=account).count() == 3
    stored = SyncCursor.objects.get(account=account, stream=stream).position
    assert "walk" in stored and "mark" not in stored  # the first walk, half done

    before = len(fake_exchange.requests)
    run = engine.sync_account(account.pk)
    assert run.counts[stream] == 5
    assert model.objects.filter(account=account).count() == 8
    resumed = _requests(fake_exchange, HISTORY[stream], before)[0]
    assert resumed.query["after"] == str(stored["walk"]["after"])
    ids = (
        list(Trade.objects.values_list("trade_id", flat=True))
        if stream == "trades"
        else list(Transfer.objects.values_list("transfer_id", flat=True))
    )
    assert len(ids) == len(set(ids)) == 8


@pytest.mark.parametrize("after_inclusive", [False, True], ids=["after-exclusive", "inclusive"])
def test_deposits_sharing_a_timestamp_across_a_page_boundary_are_all_kept(
    account, ledger, fake_exchange, small_pages, after_inclusive
):
    # Newest first in pages of 3: the first page ends inside the three deposits at T0 + 2s,
    # and the second page is a full page sharing that one timestamp.
    ledger.after_inclusive = after_inclusive
    for i, offset in enumerate([0, 1000, 2000, 2000, 2000, 3000, 4000]):
        ledger.add_deposit("BTC", f"0.{i + 1}", T0 + offset)
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert Transfer.objects.filter(account=account, kind="deposit").count() == 7
    assert run.counts["deposits"] == 7


def test_a_withdrawal_in_the_stored_millisecond_that_shows_up_later_is_kept(
    account, ledger, small_pages
):
    ledger.add_withdrawal("USDT", "1", "0.1", T0)
    ledger.add_withdrawal("USDT", "2", "0.1", T0 + 1000)
    engine.sync_account(account.pk)
    ledger.add_withdrawal("USDT", "3", "0.1", T0 + 1000)  # same millisecond as the mark
    run = engine.sync_account(account.pk)
    assert run.counts["withdrawals"] == 1
    assert Transfer.objects.filter(account=account, kind="withdrawal").count() == 3


@pytest.mark.parametrize("state", ["4", "17"])  # manual review; Travel Rule (raw in ccxt)
def test_a_pending_withdrawal_is_updated_in_place_when_it_completes(
    account, ledger, small_pages, state
):
    raw = ledger.add_withdrawal("USDT", "50", "1", T0, state=state)
    ledger.add_withdrawal("USDT", "5", "1", T0 + 1000)
    engine.sync_account(account.pk)
    withdrawal = Transfer.objects.get(account=account, kind="withdrawal", amount=50)
    assert withdrawal.status == "pending"
    assert withdrawal.raw["state"] == state
    # The stored mark is now past it: only the rewind to the oldest pending one reads it again.
    for i in range(4):
        ledger.add_withdrawal("USDT", "6", "1", T0 + 2000 + i)
    raw["state"] = "2"
    engine.sync_account(account.pk)
    withdrawal.refresh_from_db()
    assert withdrawal.status == "ok"
    assert withdrawal.fee == Decimal("1")
    assert Transfer.objects.filter(account=account, kind="withdrawal").count() == 6
    cursor = SyncCursor.objects.get(account=account, stream="withdrawals").position
    assert cursor == {"mark": T0 + 2003}


@pytest.mark.parametrize(
    "amount", ["0.00000001", "123456789012.123456789012345678", "999999999999999999999999999999"]
)
def test_amounts_are_stored_digit_for_digit(account, ledger, amount):
    ledger.add_deposit("ETH", amount, T0)
    ledger.add_withdrawal("ETH", amount, "0.000000000000000001", T0)
    engine.sync_account(account.pk)
    assert Transfer.objects.get(account=account, kind="deposit").amount == Decimal(amount)
    withdrawal = Transfer.objects.get(account=account, kind="withdrawal")
    assert withdrawal.amount == Decimal(amount)
    assert withdrawal.fee == Decimal("0.000000000000000001")


def test_trade_and_balance_amounts_keep_every_digit(account, ledger, fake_exchange):
    ledger.trading["ETH"] = ("123456789012.123456789012345678", "0.000000000000000001")
    ledger.add_fill("ETH-BTC", "0.05", "0.00000001", T0, fee="-0.000000000000000001")
    engine.sync_account(account.pk)
    eth = Balance.objects.get(account=account, asset="ETH", account_type="trading")
    assert eth.free == Decimal("123456789012.123456789012345678")
    assert eth.used == Decimal("0.000000000000000001")
    assert eth.total == Decimal("123456789012.123456789012345679")
    snapshot = BalanceSnapshot.objects.get(account=account, asset="ETH")
    assert snapshot.total == Decimal("123456789012.123456789012345679")
    trade = Trade.objects.get(account=account)
    assert (trade.amount, trade.cost) == (Decimal("0.00000001"), Decimal("0.0000000005"))
    assert trade.fee == Decimal("0.000000000000000001")


def test_a_key_whose_scope_widened_is_suspended_and_nothing_is_synced(
    account, ledger, fake_exchange
):
    ledger.add_fill("BTC-USDT", "1", "1", T0)
    fake.serve_permissions(fake_exchange, fake.permissions("read_only,withdraw"))
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUSPENDED
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED
    assert "Withdrawals are enabled" in account.status_reason
    assert not Trade.objects.exists()
    assert not Balance.objects.exists()
    for path in (*HISTORY.values(), fake.TRADING_BALANCE_PATH):
        assert not fake_exchange.requests_to(path)


def test_an_authentication_error_mid_sync_suspends_with_a_clear_reason(
    account, ledger, fake_exchange
):
    fake_exchange.route("GET", fake.FILLS_HISTORY_PATH, fake.invalid_key())
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.FAILED
    assert run.error_class == "AuthenticationFailed"
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED
    assert "did not accept this API key" in account.status_reason
    assert "50111" not in account.status_reason and "OK-ACCESS" not in run.message


@pytest.mark.parametrize(
    "reply",
    [
        fake.rate_limited("120"),  # OKX's 429 with code 50011
        Reply(raw=b"Too Many Requests", status=429, headers={"Retry-After": "120"}),
    ],
    ids=["50011", "bare-429"],
)
def test_a_429_pauses_the_exchange_for_every_worker_for_its_retry_after(
    account, ledger, fake_exchange, settings, reply
):
    from exchanges import errors, ratelimit

    settings.RATE_BUDGETS_ENABLED = True
    fake_exchange.route("GET", fake.DEPOSITS_PATH, reply)
    with pytest.raises(errors.RateLimited) as caught:
        engine.sync_account(account.pk)
    assert caught.value.retry_after == 120
    run = SyncRun.objects.get()
    assert run.status == SyncRun.Status.RETRYING
    assert 100 < ratelimit.counter().paused_for("okx") <= 120
    before = len(fake_exchange.requests)
    with pytest.raises(errors.RateLimited):
        engine.sync_account(account.pk)  # another worker: refused before any request
    assert len(fake_exchange.requests) == before


def test_a_50011_without_retry_after_still_pauses_the_exchange(account, ledger, fake_exchange):
    from exchanges import errors, ratelimit

    fake_exchange.route(
        "GET", fake.WITHDRAWALS_PATH, fake.error("50011", "Rate limit reached.", 200)
    )
    with pytest.raises(errors.RateLimited):
        engine.sync_account(account.pk)
    assert ratelimit.counter().paused_for("okx") > 30


def test_only_allow_listed_read_endpoints_are_called(account, ledger, fake_exchange):
    ledger.add_fill("BTC-USDT", "1", "1", T0)
    ledger.add_deposit("BTC", "1", T0)
    ledger.add_withdrawal("BTC", "1", "0.1", T0)
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert {(r.method, r.path) for r in fake_exchange.requests} == {
        ("GET", fake.PERMISSIONS_PATH),
        ("GET", fake.INSTRUMENTS_PATH),
        ("GET", fake.CURRENCIES_PATH),
        ("GET", fake.TRADING_BALANCE_PATH),
        ("GET", fake.FUNDING_BALANCE_PATH),
        *(("GET", path) for path in HISTORY.values()),
    }
    # ccxt sends OKX's page size (never `before`): 100, the maximum.
    assert fake_exchange.requests_to(fake.FILLS_HISTORY_PATH)[0].query == {
        "instType": "SPOT",
        "limit": "100",
    }
    assert fake_exchange.requests_to(fake.DEPOSITS_PATH)[0].query == {"limit": "100"}
    assert Transfer.objects.get(kind="deposit").status == "ok"
    assert Transfer.objects.get(kind="withdrawal").fee == Decimal("0.1")
