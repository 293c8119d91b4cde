"""The history rebuild end to end: a real sync, real ccxt prices, then the stored days."""

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache

from exchanges import services
from exchanges.credentials import Credentials
from exchanges.sync import engine, profiles
from portfolio import selectors, tasks
from portfolio.models import DailyClose, HoldingDay, PortfolioValueDay, UserSettings
from portfolio.rebuild import rebuild_history
from tests.dashboard_helpers import make_account, set_balances, snapshot, transfer
from tests.fake_exchange import binance as fake
from tests.fake_exchange import market_data as fakes

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = selectors.today_utc()
DAY0 = TODAY - timedelta(days=5)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def ms(on: date, hour: int = 12) -> int:
    return int(datetime(on.year, on.month, on.day, hour, tzinfo=UTC).timestamp() * 1000)


def btc_close(on: date) -> D:
    return D(50000 + 100 * (on - DAY0).days)


@pytest.fixture(autouse=True)
def _setup(settings, monkeypatch):
    # Today as this test runs, not as the module was imported: a run can cross midnight UTC.
    today = selectors.today_utc()
    monkeypatch.setitem(globals(), "TODAY", today)
    monkeypatch.setitem(globals(), "DAY0", today - timedelta(days=5))
    settings.PRICING_EXCHANGES = ["binance", "kraken"]
    cache.clear()
    # The windowed history starts 30 days back instead of at Binance's opening in 2017.
    original = profiles.PROFILES["binance"]
    streams = tuple(
        dataclasses.replace(s, start_ms=ms(TODAY - timedelta(days=30)))
        if hasattr(s, "start_ms")
        else s
        for s in original.streams
    )
    monkeypatch.setitem(
        profiles.PROFILES, "binance", dataclasses.replace(original, streams=streams)
    )
    yield
    cache.clear()


@pytest.fixture
def markets(fake_exchange):
    """Binance's BTC/USDT and Kraken's USDT/USD, now and as daily closes."""
    ledger = fake.Ledger()
    fake.serve_ledger(fake_exchange, ledger)
    closes = {
        ms(DAY0 + timedelta(days=n), 0): str(btc_close(DAY0 + timedelta(days=n)))
        for n in range(-20, 5)
    }
    fake.serve_market_data(
        fake_exchange,
        fake.MarketData(
            markets=ledger.markets,
            last={"BTCUSDT": "60000", "ETHBTC": "0.05"},
            closes={"BTCUSDT": closes},
        ),
    )
    fakes.serve_kraken_market_data(
        fake_exchange,
        fakes.KrakenMarketData(
            pairs={"USDTZUSD": ("USDT", "ZUSD")},
            last={"USDTZUSD": "0.999"},
            closes={
                "USDTZUSD": {
                    ms(DAY0 + timedelta(days=n), 0) // 1000: "1.001" for n in range(-20, 5)
                }
            },
        ),
    )
    return ledger


@pytest.fixture
def synced(markets, fake_exchange, django_user_model):
    """Ana's Binance account, synced: USDT and BNB in, a BTC buy with a BNB fee, a withdrawal."""
    ledger = markets
    ledger.add_deposit("USDT", "1000", ms(day(0)))
    ledger.add_deposit("BNB", "0.01", ms(day(0)))
    ledger.add_trade(
        "BTCUSDT", "50000", "0.01", ms(day(1)), commission="0.00001", commission_asset="BNB"
    )
    ledger.add_withdrawal("USDT", "100", "1", ms(day(2)))
    ledger.balances = {"BTC": ("0.01", "0"), "USDT": ("399", "0"), "BNB": ("0.00999", "0")}
    ana = django_user_model.objects.create_user("ana")
    account = services.connect_account(
        owner=ana, exchange_id="binance", label="Main", credentials=Credentials(**fake.CREDENTIALS)
    )
    assert engine.sync_account(account.pk).status == "succeeded"
    return ana, account


def test_a_successful_sync_queues_a_rebuild_of_its_owners_history(
    markets, django_user_model, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "celery.app.task.Task.apply_async",
        lambda self, args=None, kwargs=None, **options: queued.append((self.name, args)),
    )
    ana = django_user_model.objects.create_user("ana")
    account = services.connect_account(
        owner=ana, exchange_id="binance", label="Main", credentials=Credentials(**fake.CREDENTIALS)
    )
    with django_capture_on_commit_callbacks(execute=True):
        engine.sync_account(account.pk)
    assert queued == [("portfolio.tasks.rebuild_history", (ana.pk,))]


def test_the_rebuild_stores_each_day_back_to_the_first_record_and_values_it(synced):
    ana, account = synced
    tasks.rebuild_history(ana.pk)

    held = {(h.day, h.asset): h.amount for h in HoldingDay.objects.filter(account=account)}
    assert min(d for d, _ in held) == day(0)
    assert {a: v for (d, a), v in held.items() if d == day(0)} == {
        "USDT": D("1000"),
        "BNB": D("0.01"),
    }
    assert {a: v for (d, a), v in held.items() if d == day(1)} == {
        "BTC": D("0.01"),
        "USDT": D("500"),
        "BNB": D("0.00999"),  # the fee, paid in a third asset
    }
    assert {a: v for (d, a), v in held.items() if d == TODAY} == {
        "BTC": D("0.01"),
        "USDT": D("399"),  # 100 withdrawn and its fee of 1
        "BNB": D("0.00999"),
    }
    assert HoldingDay.objects.get(account=account, day=TODAY, asset="BTC").source == "snapshot"
    assert not HoldingDay.objects.filter(flagged=True).exists()

    values = {v.day: v for v in PortfolioValueDay.objects.filter(user=ana, base_currency="USD")}
    assert sorted(values) == [day(n) for n in range(6)]
    # BTC through Binance's BTC/USDT close and Kraken's USDT/USD close; BNB has no price.
    assert values[day(0)].value == D("1001")
    assert values[day(1)].value == (D("0.01") * btc_close(day(1)) + 500) * D("1.001")
    assert values[day(3)].value == (D("0.01") * btc_close(day(3)) + 399) * D("1.001")
    assert values[day(1)].unpriced_assets == ["BNB"]
    # Today is valued with the current prices, as the holdings on the page are.
    assert values[TODAY].value == D("998.001")
    assert values[TODAY].value == selectors.holdings(ana).total_value
    # Closes from the first day BTC was held to yesterday; today is priced live.
    assert sorted(DailyClose.objects.filter(symbol="BTC/USDT").values_list("day", flat=True)) == [
        day(n) for n in range(1, 5)
    ]

    history = selectors.value_history(ana, days=2)
    assert [(p.day, p.value) for p in history] == [
        (day(4), values[day(4)].value),
        (TODAY, D("998.001")),
    ]


def test_a_second_rebuild_fetches_no_closes_again_and_rewrites_nothing(synced, fake_exchange):
    ana, account = synced
    tasks.rebuild_history(ana.pk)
    rows = list(HoldingDay.objects.values_list("pk", "day", "asset", "amount"))
    values = list(PortfolioValueDay.objects.values_list("pk", "day", "value"))
    klines = len(fake_exchange.requests_to(fake.KLINES_PATH))
    ohlc = len(fake_exchange.requests_to(fakes.KRAKEN_OHLC_PATH))

    tasks.rebuild_history(ana.pk)
    assert len(fake_exchange.requests_to(fake.KLINES_PATH)) == klines
    assert len(fake_exchange.requests_to(fakes.KRAKEN_OHLC_PATH)) == ohlc
    assert list(HoldingDay.objects.values_list("pk", "day", "asset", "amount")) == rows
    assert list(PortfolioValueDay.objects.values_list("pk", "day", "value")) == values


def test_changing_the_base_currency_values_the_history_in_it(synced):
    ana, _ = synced
    UserSettings.objects.create(user=ana, base_currency="BTC")
    rebuild_history(ana)
    values = {v.day: v.value for v in PortfolioValueDay.objects.filter(base_currency="BTC")}
    # USDT in BTC is Binance's BTC/USDT read the other way round.
    assert values[TODAY] == D("0.01665")  # exactly: 399 / 60000 = 0.00665
    assert selectors.value_history(ana)[-1].value == values[TODAY]


@pytest.fixture
def btc_only(fake_exchange, settings):
    """Prices for a history in bitcoin: no market is needed, BTC is worth 1 BTC."""
    settings.PRICING_EXCHANGES = ["binance"]
    fake.serve_market_data(fake_exchange, fake.MarketData(last={"BTCUSDT": "60000"}))


def test_a_transfer_between_own_accounts_leaves_the_history_flat(btc_only, django_user_model):
    ana = django_user_model.objects.create_user("ana")
    UserSettings.objects.create(user=ana, base_currency="BTC")
    first, second = make_account(ana, "binance", "First"), make_account(ana, "kraken", "Second")
    transfer(first, day(0), "deposit", "BTC", "2")
    transfer(first, day(2), "withdrawal", "BTC", "1.5")
    transfer(second, day(2), "deposit", "BTC", "1.5", hour=14)
    set_balances(first, {"BTC": "0.5"})
    set_balances(second, {"BTC": "1.5"})

    rebuild_history(ana)
    assert [(p.day, p.value) for p in selectors.value_history(ana)] == [
        (day(n), D("2")) for n in range(6)
    ]
    assert HoldingDay.objects.get(account=second, day=day(2)).amount == D("1.5")
    assert not HoldingDay.objects.filter(account=second, day=day(1)).exists()


def test_a_day_whose_snapshot_disagrees_is_flagged_and_the_snapshot_wins(
    btc_only, django_user_model
):
    ana = django_user_model.objects.create_user("ana")
    UserSettings.objects.create(user=ana, base_currency="BTC")
    account = make_account(ana)
    transfer(account, day(0), "deposit", "BTC", "1")
    snapshot(account, day(1), {"BTC": "0.8"})  # the sync saw less: a record is missing
    set_balances(account, {"BTC": "1"})

    rebuild_history(ana)
    history = {p.day: p for p in selectors.value_history(ana)}
    assert history[day(1)] == (day(1), D("0.8"), True)
    assert history[day(0)].value == D("0.8")  # carried back from what the sync saw
    assert not history[day(2)].flagged and history[day(2)].value == D("1")
    flagged = HoldingDay.objects.get(day=day(1))
    assert (flagged.source, flagged.flagged) == ("snapshot", True)


def test_the_daily_task_queues_a_rebuild_per_user_with_an_account(django_user_model, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "celery.app.task.Task.apply_async",
        lambda self, args=None, kwargs=None, **options: queued.append((self.name, args)),
    )
    ana, ben = (django_user_model.objects.create_user(n) for n in ("ana", "ben"))
    django_user_model.objects.create_user("cat")  # no account, nothing to rebuild
    make_account(ana), make_account(ana, label="Second"), make_account(ben)
    assert tasks.rebuild_all_histories() == 2
    assert sorted(queued) == sorted(
        [
            ("portfolio.tasks.rebuild_history", (ana.pk,)),
            ("portfolio.tasks.rebuild_history", (ben.pk,)),
        ]
    )


def test_the_beat_schedule_refreshes_prices_and_rebuilds_daily_with_expiries():
    from portfolio.celery import beat_schedule

    entries = beat_schedule()
    assert entries["refresh-prices"]["task"] == "portfolio.tasks.refresh_prices"
    assert entries["rebuild-histories-daily"]["task"] == "portfolio.tasks.rebuild_all_histories"
    for name in ("refresh-prices", "rebuild-histories-daily"):
        schedule = entries[name]["schedule"].total_seconds()
        assert 0 < entries[name]["options"]["expires"] < schedule


def test_a_new_base_currency_is_saved_and_queues_a_rebuild_in_it(
    django_user_model, monkeypatch, settings, django_capture_on_commit_callbacks
):
    from portfolio.services import update_user_settings

    settings.TIME_ZONE = "Europe/Zurich"
    settings.KEY_ROTATION_DAYS = 60
    queued = []
    monkeypatch.setattr(
        "celery.app.task.Task.apply_async",
        lambda self, args=None, kwargs=None, **options: queued.append((self.name, args)),
    )
    ana = django_user_model.objects.create_user("ana")
    assert selectors.user_settings(ana).base_currency == "USD"
    with django_capture_on_commit_callbacks(execute=True):
        saved = update_user_settings(ana, rotation_reminder_days=30)
    assert (saved.time_zone, saved.rotation_reminder_days) == ("Europe/Zurich", 30)
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        update_user_settings(ana, base_currency="CHF")
    assert selectors.user_settings(ana).base_currency == "CHF"
    assert queued == [("portfolio.tasks.rebuild_history", (ana.pk,))]


def test_a_rebuild_missing_prices_for_a_transient_reason_is_retried(synced, fake_exchange):
    from celery.exceptions import Retry

    from tests.fake_exchange import Reply

    ana, _ = synced
    fake_exchange.route("GET", fakes.KRAKEN_OHLC_PATH, Reply({"error": []}, status=503))
    with pytest.raises(Retry):
        tasks.rebuild_history(ana.pk)
    # What could be valued is stored meanwhile; USDT's closes come on the retry.
    assert PortfolioValueDay.objects.filter(user=ana, day=TODAY).exists()
    assert "USDT" in PortfolioValueDay.objects.get(user=ana, day=day(1)).unpriced_assets


def test_a_broker_that_is_down_does_not_fail_the_sync(
    markets, django_user_model, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(self, *args, **kwargs):
        raise ConnectionRefusedError("redis://:password@broker:6379 refused")

    monkeypatch.setattr("celery.app.task.Task.apply_async", broker_down)
    ana = django_user_model.objects.create_user("ana")
    account = services.connect_account(
        owner=ana, exchange_id="binance", label="Main", credentials=Credentials(**fake.CREDENTIALS)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.sync_account(account.pk).status == "succeeded"
