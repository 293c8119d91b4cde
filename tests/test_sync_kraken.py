"""Syncing a Kraken account through real ccxt over HTTP to the loopback fake."""

import dataclasses
from decimal import Decimal

import pytest

from exchanges import errors, ratelimit, services
from exchanges.credentials import Credentials
from exchanges.models import ExchangeAccount
from exchanges.sync import engine, profiles
from exchanges.sync.models import Balance, BalanceSnapshot, SyncCursor, SyncRun, Trade, Transfer
from tests.fake_exchange import Reply
from tests.fake_exchange import kraken as fake
from tests.sync_helpers import worker_killed_at_page

pytestmark = pytest.mark.django_db

T0 = 1_700_000_000_000  # 2023-11-14
DAY = 86_400_000


@pytest.fixture
def small_pages(monkeypatch):
    """Kraken's profile with deposits and withdrawals asked 3 at a time (`limit`).

    TradesHistory takes no limit: its pages are Kraken's fixed 50, so trade tests use more.
    """
    original = profiles.PROFILES["kraken"]
    streams = tuple(
        dataclasses.replace(s, limit=3) if s.name != "trades" else s for s in original.streams
    )
    monkeypatch.setitem(profiles.PROFILES, "kraken", dataclasses.replace(original, streams=streams))


@pytest.fixture
def ledger(fake_exchange):
    ledger = fake.Ledger()
    ledger.balances = {
        "XXBT": ("2.0000000000", "0.5000000000"),
        "ZUSD": ("100.2500", "0.0000"),
        "XETH": ("0.0000000000", "0.0000000000"),
    }
    fake.serve_ledger(fake_exchange, ledger)
    return ledger


@pytest.fixture
def account(django_user_model, fake_exchange, ledger):
    ana = django_user_model.objects.create_user("ana", password="a-long-password-1")
    return services.connect_account(
        owner=ana, exchange_id="kraken", label="Main", credentials=Credentials(**fake.CREDENTIALS)
    )


def _requests(fake_exchange, path: str, since: int = 0) -> list:
    return [r for r in fake_exchange.requests[since:] if r.path == path]


def test_balances_are_stored_exactly_with_a_snapshot(account, fake_exchange):
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    btc = Balance.objects.get(account=account, asset="BTC", account_type="spot")
    assert (btc.free, btc.used, btc.total) == (Decimal("1.5"), Decimal("0.5"), Decimal("2"))
    assert Balance.objects.get(account=account, asset="USD").total == Decimal("100.25")
    assert not Balance.objects.filter(asset="ETH").exists()
    snapshot = {s.asset: s.total for s in BalanceSnapshot.objects.filter(account=account)}
    assert snapshot == {"BTC": Decimal("2"), "USD": Decimal("100.25")}
    # Private queries are signed POSTs with a form body.
    request = _requests(fake_exchange, fake.BALANCE_PATH)[0]
    assert request.method == "POST"
    assert request.headers["api-key"] == fake.CREDENTIALS["api_key"]
    assert request.form()["nonce"].isdigit()


def test_every_request_is_on_the_allow_list_and_trades_cost_no_request_per_market(
    account, ledger, fake_exchange
):
    ledger.add_trade("XXBTZUSD", "30000.1", "0.001", T0)
    engine.sync_account(account.pk)
    paths = {r.path for r in fake_exchange.requests}
    assert paths == {
        fake.PERMISSIONS_PATH,
        fake.ASSETS_PATH,
        fake.ASSET_PAIRS_PATH,
        fake.BALANCE_PATH,
        *fake.HISTORY_PATHS,
    }
    assert len(_requests(fake_exchange, fake.TRADES_PATH)) == 1  # every pair at once


def test_multi_page_trade_history_is_complete_and_a_second_run_costs_one_request_per_stream(
    account, ledger, fake_exchange
):
    # Kraken answers 50 trades a page, newest first: 120 trades take three pages.
    for i in range(120):
        ledger.add_trade("XXBTZUSD", "30000.1", "0.001", T0 + i * 1000, side="sell")
    ledger.add_trade("XETHXXBT", "0.05", "1", T0)
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.counts["trades"] == 121
    assert Trade.objects.filter(account=account).count() == 121
    asked = _requests(fake_exchange, fake.TRADES_PATH)
    assert [r.form()["ofs"] for r in asked] == ["0", "50", "100"]
    assert len({r.form()["end"] for r in asked}) == 1  # one fixed range, paged by offset
    trade = Trade.objects.filter(market="BTC/USD").order_by("timestamp").first()
    assert (trade.price, trade.amount, trade.cost) == (
        Decimal("30000.1"),
        Decimal("0.001"),
        Decimal("30.0001"),
    )
    assert (trade.side, trade.fee, trade.fee_currency) == ("sell", Decimal("0.26"), "USD")
    assert trade.raw["pair"] == "XXBTZUSD"
    assert Trade.objects.get(market="ETH/BTC").quote == "BTC"

    before = len(fake_exchange.requests)
    second = engine.sync_account(account.pk)
    assert second.counts.get("trades", 0) == 0
    for path in fake.HISTORY_PATHS:
        assert len(_requests(fake_exchange, path, before)) == 1
    # The next walk starts just before the newest trade stored (Kraken's start is exclusive).
    start = int(_requests(fake_exchange, fake.TRADES_PATH, before)[0].form()["start"])
    assert start == (T0 + 119_000) // 1000 - 1


def test_new_trades_after_a_sync_are_added(account, ledger):
    ledger.add_trade("XXBTZUSD", "30000.1", "0.001", T0)
    engine.sync_account(account.pk)
    ledger.add_trade("XXBTZUSD", "30000.2", "0.002", T0 + 500)  # the same second as the last
    ledger.add_trade("XXBTZUSD", "30000.3", "0.003", T0 + 60_000)
    run = engine.sync_account(account.pk)
    assert run.counts["trades"] == 2
    assert Trade.objects.filter(account=account).count() == 3


def test_trades_sharing_a_timestamp_across_a_page_boundary_are_all_kept(account, ledger):
    # Newest first, 50 a page: the 20 trades at T0 + 5 s straddle the first page's end.
    for i in range(40):
        ledger.add_trade("XXBTZUSD", "1", "1", T0 + 10_000 + i * 1000)
    for _ in range(20):
        ledger.add_trade("XXBTZUSD", "1", "1", T0 + 5000)
    for i in range(5):
        ledger.add_trade("XXBTZUSD", "1", "1", T0 + i * 1000)
    run = engine.sync_account(account.pk)
    assert run.counts["trades"] == 65
    assert Trade.objects.filter(account=account).count() == 65


def test_a_crash_between_trade_pages_loses_and_duplicates_nothing(account, ledger, fake_exchange):
    for i in range(130):
        ledger.add_trade("XXBTZUSD", "100", "1", T0 + i * 1000)
    with worker_killed_at_page(2, of="trades"), pytest.raises(RuntimeError):
        engine.sync_account(account.pk)
    assert Trade.objects.filter(account=account).count() == 50
    cursor = SyncCursor.objects.get(account=account, stream="trades").position
    assert cursor["ofs"] == 50
    before = len(fake_exchange.requests)
    engine.sync_account(account.pk)
    assert Trade.objects.filter(account=account).count() == 130
    ids = list(Trade.objects.filter(account=account).values_list("trade_id", flat=True))
    assert len(ids) == len(set(ids))
    # The resumed walk went on from the stored offset of the same range.
    resumed = _requests(fake_exchange, fake.TRADES_PATH, before)
    assert resumed[0].form()["ofs"] == "50"
    assert resumed[0].form()["end"] == str(cursor["end"] // 1000 + 1)


def test_multi_page_deposits_are_complete(account, ledger, fake_exchange, small_pages):
    for i in range(10):
        ledger.add_deposit("XXBT", f"{i + 1}.5", T0 + i * 60_000)
    run = engine.sync_account(account.pk)
    assert run.counts["deposits"] == 10
    # Each page after the first begins with the previous page's oldest record, read again.
    assert len(_requests(fake_exchange, fake.DEPOSITS_PATH)) == 5
    deposit = Transfer.objects.get(account=account, amount=Decimal("1.5"))
    assert (deposit.kind, deposit.asset, deposit.status) == ("deposit", "BTC", "ok")
    assert deposit.fee == 0 and deposit.txid.startswith("0x")
    before = len(fake_exchange.requests)
    assert engine.sync_account(account.pk).counts.get("deposits", 0) == 0
    assert len(_requests(fake_exchange, fake.DEPOSITS_PATH, before)) == 1


def test_deposits_sharing_a_second_across_a_page_boundary_are_all_kept(
    account, ledger, small_pages
):
    # Newest first with pages of 3: pages end inside the records sharing T0 + 2 s.
    for i, offset in enumerate([0, 1000, 2000, 2000, 2000, 3000, 4000]):
        ledger.add_deposit("XXBT", f"0.{i + 1}", T0 + offset)
    for i, offset in enumerate([0, 1000, 2000, 2000, 3000]):
        ledger.add_withdrawal("XETH", f"1.{i + 1}", "0.005", T0 + offset)
    run = engine.sync_account(account.pk)
    assert run.counts["deposits"] == 7
    assert run.counts["withdrawals"] == 5


def test_a_crash_between_deposit_pages_loses_and_duplicates_nothing(account, ledger, small_pages):
    for i in range(8):
        ledger.add_deposit("XXBT", f"0.{i + 1}", T0 + i * 1000)
    with worker_killed_at_page(2, of="deposits"), pytest.raises(RuntimeError):
        engine.sync_account(account.pk)
    assert Transfer.objects.filter(account=account).count() == 3
    assert "until" in SyncCursor.objects.get(account=account, stream="deposits").position
    engine.sync_account(account.pk)
    assert Transfer.objects.filter(account=account, kind="deposit").count() == 8


def test_a_pending_withdrawal_is_updated_in_place_when_it_completes(account, ledger, fake_exchange):
    raw = ledger.add_withdrawal("XETH", "0.9950000000", "0.0050000000", T0, status="Pending")
    for i in range(1, 4):
        ledger.add_deposit("XXBT", "0.1", T0 + i * DAY)
    engine.sync_account(account.pk)
    withdrawal = Transfer.objects.get(account=account, kind="withdrawal")
    assert withdrawal.status == "pending"
    assert (withdrawal.amount, withdrawal.fee) == (Decimal("0.995"), Decimal("0.005"))
    assert withdrawal.network == "ERC20"  # ccxt's name for Kraken's "Ethereum"
    raw["status"] = "Success"
    before = len(fake_exchange.requests)
    engine.sync_account(account.pk)
    withdrawal = Transfer.objects.get(account=account, kind="withdrawal")
    assert withdrawal.status == "ok"
    # It was asked for again from its own second, since it was pending.
    asked = _requests(fake_exchange, fake.WITHDRAWALS_PATH, before)[0]
    assert int(asked.form()["start"]) == T0 // 1000
    # Settled: the next run starts from the newest record again.
    before = len(fake_exchange.requests)
    engine.sync_account(account.pk)
    asked = _requests(fake_exchange, fake.WITHDRAWALS_PATH, before)[0]
    assert int(asked.form()["start"]) == T0 // 1000  # still the newest withdrawal
    deposits = _requests(fake_exchange, fake.DEPOSITS_PATH, before)[0]
    assert int(deposits.form()["start"]) == (T0 + 3 * DAY) // 1000


def test_a_deposit_on_hold_is_pending(account, ledger):
    raw = ledger.add_deposit("XXBT", "0.5", T0)
    raw["status-prop"] = "on-hold"
    engine.sync_account(account.pk)
    assert Transfer.objects.get(account=account).status == "pending"


def test_years_of_history_are_read_in_one_range(account, ledger, fake_exchange):
    ledger.add_deposit("XXBT", "1", T0 - 3 * 365 * DAY)
    ledger.add_deposit("XXBT", "2", T0)
    engine.sync_account(account.pk)
    assert Transfer.objects.filter(account=account, kind="deposit").count() == 2
    assert len(_requests(fake_exchange, fake.DEPOSITS_PATH)) == 1
    assert SyncCursor.objects.get(account=account, stream="deposits").position == {"since": T0}


@pytest.mark.parametrize(
    "amount", ["0.00000001", "123456789012.123456789012345678", "999999999999999999999999999999"]
)
def test_amounts_are_stored_digit_for_digit(account, ledger, amount):
    ledger.add_deposit("XETH", amount, T0)
    ledger.add_trade("XETHXXBT", "1", amount, T0, fee="0.000000000000000001")
    ledger.add_trade("XETHXXBT", amount, "1", T0 + 1000)
    engine.sync_account(account.pk)
    assert Transfer.objects.get(account=account).amount == Decimal(amount)
    first, second = Trade.objects.filter(account=account).order_by("timestamp")
    assert (first.price, first.amount, first.cost) == (1, Decimal(amount), Decimal(amount))
    assert first.fee == Decimal("0.000000000000000001")
    assert (second.price, second.amount, second.cost) == (Decimal(amount), 1, Decimal(amount))


def test_a_balance_with_18_decimal_places_is_exact(account, ledger):
    ledger.balances = {"XETH": ("1.000000000000000001", "0.000000000000000001")}
    engine.sync_account(account.pk)
    eth = Balance.objects.get(account=account, asset="ETH")
    assert (eth.total, eth.used, eth.free) == (
        Decimal("1.000000000000000001"),
        Decimal("0.000000000000000001"),
        Decimal("1"),
    )


def test_a_key_whose_scope_widened_is_suspended_and_nothing_is_synced(
    account, ledger, fake_exchange
):
    ledger.add_trade("XXBTZUSD", "1", "1", T0)
    fake.serve_permissions(fake_exchange, fake.permissions(["withdraw-funds"]))
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUSPENDED
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED
    assert "Withdrawals are enabled" in account.status_reason
    assert not Trade.objects.exists()
    for path in (fake.BALANCE_PATH, *fake.HISTORY_PATHS):
        assert not _requests(fake_exchange, path)


def test_an_authentication_error_mid_sync_suspends_with_a_clear_reason(
    account, ledger, fake_exchange
):
    # Kraken reports it with HTTP 200 and an error list.
    fake_exchange.route("POST", fake.TRADES_PATH, fake.error("EAPI:Invalid key"))
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.FAILED
    assert run.error_class == "AuthenticationFailed"
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED
    assert "did not accept this API key" in account.status_reason


def test_a_429_pauses_the_exchange_for_every_worker_for_its_retry_after(
    account, ledger, fake_exchange, settings
):
    settings.RATE_BUDGETS_ENABLED = True
    # Kraken's edge answers an HTTP 429 with an HTML page and a Retry-After.
    fake_exchange.route(
        "POST",
        fake.TRADES_PATH,
        Reply(raw=b"<html>Too Many Requests</html>", status=429, headers={"Retry-After": "120"}),
    )
    with pytest.raises(errors.RateLimited) as caught:
        engine.sync_account(account.pk)
    assert caught.value.retry_after == 120
    assert SyncRun.objects.get().status == SyncRun.Status.RETRYING
    assert 100 < ratelimit.counter().paused_for("kraken") <= 120
    before = len(fake_exchange.requests)
    with pytest.raises(errors.RateLimited):
        engine.sync_account(account.pk)  # another worker: refused before any request
    assert len(fake_exchange.requests) == before


def test_kraken_s_own_rate_limit_error_pauses_and_the_next_run_resumes(
    account, ledger, fake_exchange, settings
):
    settings.RATE_BUDGETS_ENABLED = True
    for i in range(60):
        ledger.add_trade("XXBTZUSD", "1", "1", T0 + i * 1000)
    pages = {"n": 0}

    def second_page_limited(request):
        pages["n"] += 1
        if pages["n"] == 2:
            return fake.error("EAPI:Rate limit exceeded")
        return fake._trades_page(request, ledger)

    fake_exchange.route("POST", fake.TRADES_PATH, second_page_limited)
    with pytest.raises(errors.RateLimited):
        engine.sync_account(account.pk)
    assert ratelimit.counter().paused_for("kraken") > 30  # no Retry-After: the default pause
    assert Trade.objects.filter(account=account).count() == 50
    ratelimit.resume("kraken")  # the pause is over
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert Trade.objects.filter(account=account).count() == 60
