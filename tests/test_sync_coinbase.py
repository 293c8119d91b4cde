"""Syncing a Coinbase (CDP key) account through real ccxt over HTTP to the loopback fake."""

import dataclasses
from decimal import Decimal

import pytest

from exchanges import errors, ratelimit, services
from exchanges.credentials import Credentials
from exchanges.models import ExchangeAccount
from exchanges.sync import engine, profiles
from exchanges.sync.models import Balance, BalanceSnapshot, SyncCursor, SyncRun, Trade, Transfer
from tests.fake_exchange import Reply
from tests.fake_exchange import coinbase as fake
from tests.sync_helpers import worker_killed_at_page

pytestmark = pytest.mark.django_db

T0 = 1_700_000_000_000  # 2023-11-14
DAY = 86_400_000


@pytest.fixture
def small_pages(monkeypatch):
    """Coinbase's profile with pages of 3, so a handful of records spans several pages."""
    original = profiles.PROFILES["coinbase"]
    streams = tuple(dataclasses.replace(s, limit=3) for s in original.streams)
    monkeypatch.setitem(
        profiles.PROFILES, "coinbase", dataclasses.replace(original, streams=streams)
    )


@pytest.fixture
def ledger(fake_exchange):
    ledger = fake.Ledger()
    ledger.add_account("BTC", "1.5", "0.5")
    ledger.add_account("USD", "100.25", "0")
    ledger.add_account("ETH", "0", "0")
    ledger.add_account("SOL", "0", "0")
    fake.serve_ledger(fake_exchange, ledger)
    return ledger


@pytest.fixture
def account(django_user_model, fake_exchange, ledger):
    ana = django_user_model.objects.create_user("ana", password="a-long-password-1")
    return services.connect_account(
        owner=ana,
        exchange_id="coinbase",
        label="Main",
        credentials=Credentials(**fake.CREDENTIALS),
    )


def _requests(fake_exchange, path: str, since: int = 0) -> list:
    return [r for r in fake_exchange.requests[since:] if r.path == path]


def _wallet_requests(fake_exchange, since: int = 0) -> list:
    return [
        r
        for r in fake_exchange.requests[since:]
        if r.path.startswith("/v2/accounts/") and r.path.endswith("/transactions")
    ]


def _wallet(ledger, currency: str) -> str:
    return ledger.account(currency)["uuid"]


def test_balances_are_stored_exactly_with_a_snapshot(account, fake_exchange):
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    btc = Balance.objects.get(account=account, asset="BTC", account_type="spot")
    assert (btc.free, btc.used, btc.total) == (Decimal("1.5"), Decimal("0.5"), Decimal("2"))
    assert Balance.objects.get(account=account, asset="USD").total == Decimal("100.25")
    assert not Balance.objects.filter(asset__in=["ETH", "SOL"]).exists()
    snapshot = {s.asset: s.total for s in BalanceSnapshot.objects.filter(account=account)}
    assert snapshot == {"BTC": Decimal("2"), "USD": Decimal("100.25")}
    # Every private request carries an ES256 JWT for the CDP key.
    request = _requests(fake_exchange, fake.ACCOUNTS_PATH)[0]
    assert request.headers["authorization"].startswith("Bearer ")


def test_balances_spread_over_several_pages_of_accounts_are_all_read(
    account, ledger, fake_exchange
):
    for i in range(300):  # Coinbase pages accounts 250 at most
        ledger.add_account(f"T{i:03d}", "1" if i == 299 else "0")
    engine.sync_account(account.pk)
    assert Balance.objects.get(account=account, asset="T299").total == 1


def test_every_request_is_on_the_allow_list(account, ledger, fake_exchange):
    ledger.add_fill("BTC-USD", "30000.01", "0.001", T0)
    ledger.add_transaction("BTC", "receive", "0.5", T0)
    engine.sync_account(account.pk)
    paths = {r.path for r in fake_exchange.requests}
    wallets = {fake.transactions_path(a["uuid"]) for a in ledger.accounts}
    assert paths == {
        fake.PERMISSIONS_PATH,
        *fake.CURRENCIES_PATHS,
        fake.PRODUCTS_PATH,
        fake.SUMMARY_PATH,
        fake.ACCOUNTS_PATH,
        fake.FILLS_PATH,
        *wallets,  # the first run sweeps every wallet
    }


def test_multi_page_fills_are_complete_and_a_second_run_costs_one_request(
    account, ledger, fake_exchange, small_pages
):
    # A minute apart: each walk starts a minute before the newest fill stored.
    for i in range(10):
        ledger.add_fill("BTC-USD", "30000.01", "0.001", T0 + i * 61_000, side="SELL")
    ledger.add_fill("ETH-BTC", "0.05", "1", T0)
    run = engine.sync_account(account.pk)
    assert run.counts["trades"] == 11
    assert len(_requests(fake_exchange, fake.FILLS_PATH)) == 4
    trade = Trade.objects.filter(market="BTC/USD").order_by("timestamp").first()
    assert (trade.price, trade.amount, trade.cost) == (
        Decimal("30000.01"),
        Decimal("0.001"),
        Decimal("30.00001"),
    )
    assert (trade.side, trade.fee, trade.fee_currency) == ("sell", Decimal("0.03136"), "USD")
    assert trade.taker_or_maker == "taker"
    assert "cursor" not in trade.raw  # ccxt's paging note is not stored
    assert Trade.objects.get(market="ETH/BTC").quote == "BTC"

    before = len(fake_exchange.requests)
    second = engine.sync_account(account.pk)
    assert second.counts.get("trades", 0) == 0
    asked = _requests(fake_exchange, fake.FILLS_PATH, before)
    assert len(asked) == 1
    # From a minute before the newest fill stored.
    assert asked[0].query["start_sequence_timestamp"] == "2023-11-14T22:21:29.000Z"


def test_fills_sharing_a_timestamp_across_a_page_boundary_are_all_kept(
    account, ledger, small_pages
):
    for _ in range(7):
        ledger.add_fill("BTC-USD", "1", "1", T0)
    ledger.add_fill("BTC-USD", "1", "1", T0 + 1000)
    run = engine.sync_account(account.pk)
    assert run.counts["trades"] == 8


def test_a_crash_between_fill_pages_loses_and_duplicates_nothing(
    account, ledger, fake_exchange, small_pages
):
    for i in range(8):
        ledger.add_fill("BTC-USD", "100", "1", T0 + i)
    with worker_killed_at_page(2, of="trades"), pytest.raises(RuntimeError):
        engine.sync_account(account.pk)
    assert Trade.objects.filter(account=account).count() == 3
    cursor = SyncCursor.objects.get(account=account, stream="trades").position
    assert cursor["cursor"]
    before = len(fake_exchange.requests)
    engine.sync_account(account.pk)
    assert Trade.objects.filter(account=account).count() == 8
    ids = list(Trade.objects.filter(account=account).values_list("trade_id", flat=True))
    assert len(ids) == len(set(ids))
    assert _requests(fake_exchange, fake.FILLS_PATH, before)[0].query["cursor"] == cursor["cursor"]


def test_fills_sized_in_the_quote_currency_are_converted(account, ledger):
    ledger.add_fill("BTC-USD", "20000", "30", T0, size_in_quote=True)
    engine.sync_account(account.pk)
    trade = Trade.objects.get(account=account)
    assert trade.amount == Decimal("0.0015")
    assert trade.cost == Decimal("30")


def test_deposits_and_withdrawals_are_read_from_each_wallet(account, ledger, fake_exchange):
    ledger.add_transaction("BTC", "receive", "0.5", T0)
    ledger.add_transaction("BTC", "send", "-0.1", T0 + 1000, fee="0.0001")
    ledger.add_transaction("BTC", "advanced_trade_fill", "0.001", T0 + 2000)  # a trade
    ledger.add_transaction("BTC", "staking_transfer", "-0.2", T0 + 3000)  # an internal move
    ledger.add_transaction("USD", "fiat_deposit", "100.25", T0)
    ledger.add_transaction("USD", "fiat_withdrawal", "-50", T0 + DAY)
    run = engine.sync_account(account.pk)
    assert run.counts["transfers"] == 4
    received = Transfer.objects.get(account=account, kind="deposit", asset="BTC")
    assert (received.amount, received.status, received.network) == (
        Decimal("0.5"),
        "ok",
        "ethereum",
    )
    sent = Transfer.objects.get(account=account, kind="withdrawal", asset="BTC")
    assert (sent.amount, sent.fee, sent.fee_currency) == (
        Decimal("0.1"),
        Decimal("0.0001"),
        "BTC",
    )
    assert sent.txid == sent.raw["network"]["hash"]
    usd = {t.kind: t.amount for t in Transfer.objects.filter(account=account, asset="USD")}
    assert usd == {"deposit": Decimal("100.25"), "withdrawal": Decimal("50")}


def test_a_send_with_its_on_chain_amount_is_a_withdrawal_of_that_amount(account, ledger):
    # ccxt's own parser calls this a deposit (it reads the positive on-chain amount's sign).
    raw = ledger.add_transaction("BTC", "send", "-14.008308", T0, fee="4.008308")
    raw["network"]["transaction_amount"] = {"amount": "10.000000", "currency": "BTC"}
    engine.sync_account(account.pk)
    sent = Transfer.objects.get(account=account)
    assert (sent.kind, sent.amount, sent.fee) == (
        "withdrawal",
        Decimal("10"),
        Decimal("4.008308"),
    )


def test_multi_page_wallets_are_complete_and_a_second_run_reads_only_funded_wallets(
    account, ledger, fake_exchange, small_pages
):
    for i in range(10):
        ledger.add_transaction("BTC", "receive", f"{i + 1}.5", T0 + i * 1000)
    ledger.add_transaction("ETH", "receive", "2", T0)
    ledger.add_transaction("ETH", "send", "-2", T0 + 1000)  # emptied again
    run = engine.sync_account(account.pk)
    assert run.counts["transfers"] == 12
    btc = _wallet(ledger, "BTC")
    asked = [r for r in _wallet_requests(fake_exchange) if btc in r.path]
    assert len(asked) == 4
    assert [r.query.get("starting_after") is None for r in asked] == [True, False, False, False]

    before = len(fake_exchange.requests)
    second = engine.sync_account(account.pk)
    assert second.counts.get("transfers", 0) == 0
    # The wallet list, then one request for each wallet holding something (BTC and USD).
    assert len(_requests(fake_exchange, fake.ACCOUNTS_PATH, before)) == 2  # balances + plan
    read = {r.path for r in _wallet_requests(fake_exchange, before)}
    assert read == {fake.transactions_path(_wallet(ledger, c)) for c in ("BTC", "USD")}
    assert len(_wallet_requests(fake_exchange, before)) == 2

    # New transactions in a funded wallet are found on the next run.
    ledger.add_transaction("BTC", "receive", "0.25", T0 + DAY)
    assert engine.sync_account(account.pk).counts["transfers"] == 1


def test_an_emptied_wallet_is_read_again_at_the_next_sweep(account, ledger, fake_exchange):
    engine.sync_account(account.pk)
    ledger.add_transaction("SOL", "receive", "3", T0)
    ledger.add_transaction("SOL", "send", "-3", T0 + 1000)
    engine.sync_account(account.pk)
    assert not Transfer.objects.filter(asset="SOL").exists()  # not swept yet
    cursor = SyncCursor.objects.get(account=account, stream="transfers")
    cursor.position = {**cursor.position, "swept": cursor.position["swept"] - DAY}
    cursor.save()
    before = len(fake_exchange.requests)
    run = engine.sync_account(account.pk)
    assert run.counts["transfers"] == 2
    assert len(_wallet_requests(fake_exchange, before)) == len(ledger.accounts)


def test_transfers_sharing_a_second_across_a_page_boundary_are_all_kept(
    account, ledger, small_pages
):
    for i in range(7):
        ledger.add_transaction("BTC", "receive", f"0.{i + 1}", T0 + 2000)
    ledger.add_transaction("BTC", "receive", "1", T0)
    assert engine.sync_account(account.pk).counts["transfers"] == 8


def test_a_crash_between_wallet_pages_loses_and_duplicates_nothing(account, ledger, small_pages):
    for i in range(8):
        ledger.add_transaction("BTC", "receive", f"{i + 1}", T0 + i * 1000)
    for i in range(4):
        ledger.add_transaction("USD", "fiat_deposit", f"{i + 1}", T0 + i * 1000)
    with worker_killed_at_page(2, of="transfers", with_records=True), pytest.raises(RuntimeError):
        engine.sync_account(account.pk)
    assert Transfer.objects.filter(account=account).count() == 3  # one page of 3
    stored = SyncCursor.objects.get(account=account, stream="transfers").position
    assert stored["queue"] and stored["after"]  # inside a wallet, with wallets left
    engine.sync_account(account.pk)
    assert Transfer.objects.filter(account=account).count() == 12
    ids = list(Transfer.objects.filter(account=account).values_list("transfer_id", flat=True))
    assert len(ids) == len(set(ids))


def test_a_pending_withdrawal_is_updated_in_place_when_it_completes(
    account, ledger, fake_exchange, small_pages
):
    # In a wallet emptied by the withdrawal itself: it is read again because it is pending.
    ledger.add_transaction("ETH", "receive", "1", T0 - DAY)
    raw = ledger.add_transaction("ETH", "send", "-1", T0, fee="0.001", status="pending")
    for i in range(5):
        ledger.add_transaction("ETH", "advanced_trade_fill", "0.1", T0 + (i + 1) * 1000)
    engine.sync_account(account.pk)
    withdrawal = Transfer.objects.get(account=account, kind="withdrawal")
    assert withdrawal.status == "pending"
    raw["status"] = "completed"
    raw["network"]["status"] = "confirmed"
    before = len(fake_exchange.requests)
    engine.sync_account(account.pk)
    withdrawal = Transfer.objects.get(account=account, kind="withdrawal")
    assert (withdrawal.status, withdrawal.fee) == ("ok", Decimal("0.001"))
    eth = fake.transactions_path(_wallet(ledger, "ETH"))
    assert len([r for r in _wallet_requests(fake_exchange, before) if r.path == eth]) == 3
    # Settled: the emptied wallet is left alone until the next sweep.
    before = len(fake_exchange.requests)
    engine.sync_account(account.pk)
    assert not [r for r in _wallet_requests(fake_exchange, before) if r.path == eth]


@pytest.mark.parametrize(
    "amount", ["0.00000001", "123456789012.123456789012345678", "999999999999999999999999999999"]
)
def test_amounts_are_stored_digit_for_digit(account, ledger, amount):
    ledger.add_transaction("ETH", "receive", amount, T0)
    ledger.add_fill("ETH-USD", "1", amount, T0, commission="0.000000000000000001")
    ledger.add_fill("ETH-USD", amount, "1", T0 + 1000)
    engine.sync_account(account.pk)
    assert Transfer.objects.get(account=account).amount == Decimal(amount)
    first, second = Trade.objects.filter(account=account).order_by("timestamp")
    assert (first.price, first.amount, first.cost) == (1, Decimal(amount), Decimal(amount))
    assert first.fee == Decimal("0.000000000000000001")
    assert (second.price, second.amount, second.cost) == (Decimal(amount), 1, Decimal(amount))


def test_a_balance_with_18_decimal_places_is_exact(account, ledger):
    eth = ledger.account("ETH")
    eth["available_balance"]["value"] = "1.000000000000000001"
    eth["hold"]["value"] = "0.000000000000000001"
    engine.sync_account(account.pk)
    stored = Balance.objects.get(account=account, asset="ETH")
    assert (stored.free, stored.used, stored.total) == (
        Decimal("1.000000000000000001"),
        Decimal("0.000000000000000001"),
        Decimal("1.000000000000000002"),
    )


def test_a_key_whose_scope_widened_is_suspended_and_nothing_is_synced(
    account, ledger, fake_exchange
):
    ledger.add_fill("BTC-USD", "1", "1", T0)
    fake.serve_permissions(fake_exchange, fake.permissions({"can_transfer": True}))
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUSPENDED
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED
    assert "Transfers (deposits and withdrawals) are enabled" in account.status_reason
    assert not Trade.objects.exists()
    assert not _requests(fake_exchange, fake.FILLS_PATH)
    assert not _requests(fake_exchange, fake.ACCOUNTS_PATH)
    assert not _wallet_requests(fake_exchange)


def test_an_authentication_error_mid_sync_suspends_with_a_clear_reason(
    account, ledger, fake_exchange
):
    # Coinbase answers a rejected JWT with a bare 401.
    fake_exchange.route("GET", fake.FILLS_PATH, Reply(raw=b"Unauthorized\n", status=401))
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
    # Advanced Trade's gateway answers a 429 with an HTML page.
    fake_exchange.route(
        "GET",
        fake.FILLS_PATH,
        Reply(
            raw=b"<html><title>Coinbase</title></html>", status=429, headers={"Retry-After": "120"}
        ),
    )
    with pytest.raises(errors.RateLimited) as caught:
        engine.sync_account(account.pk)
    assert caught.value.retry_after == 120
    assert SyncRun.objects.get().status == SyncRun.Status.RETRYING
    assert 100 < ratelimit.counter().paused_for("coinbase") <= 120
    before = len(fake_exchange.requests)
    with pytest.raises(errors.RateLimited):
        engine.sync_account(account.pk)  # another worker: refused before any request
    assert len(fake_exchange.requests) == before


def test_a_v2_rate_limit_error_mid_wallet_pauses_and_the_next_run_resumes(
    account, ledger, fake_exchange, settings, small_pages
):
    settings.RATE_BUDGETS_ENABLED = True
    for i in range(5):
        ledger.add_transaction("BTC", "receive", f"{i + 1}", T0 + i * 1000)
    btc = fake.transactions_path(_wallet(ledger, "BTC"))
    pages = {"n": 0}

    def second_page_limited(request):
        pages["n"] += 1
        if pages["n"] == 2:
            return fake.errors_v2("rate_limit_exceeded", "Too many requests", 429)
        return fake._transactions_page(request, ledger, _wallet(ledger, "BTC"))

    fake_exchange.route("GET", btc, second_page_limited)
    with pytest.raises(errors.RateLimited):
        engine.sync_account(account.pk)
    assert ratelimit.counter().paused_for("coinbase") > 30  # no Retry-After: the default pause
    assert Transfer.objects.filter(account=account).count() == 3
    ratelimit.resume("coinbase")  # the pause is over
    run = engine.sync_account(account.pk)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert Transfer.objects.filter(account=account).count() == 5
