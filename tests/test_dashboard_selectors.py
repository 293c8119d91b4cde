"""The dashboard's reads: holdings, history, changes, allocations and the account strip."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exchanges.models import ExchangeAccount
from exchanges.sync.models import SyncRun
from portfolio import selectors
from portfolio.models import PortfolioValueDay, UserSettings
from tests.dashboard_helpers import make_account, price, set_balances

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def _pricing(settings):
    settings.PRICING_EXCHANGES = ["binance", "kraken", "coinbase"]
    settings.PRICE_STALE_AFTER = timedelta(hours=2)


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana")


@pytest.fixture
def prices():
    price("binance", "BTC/USDT", "60000")
    price("binance", "ETH/USDT", "3000")
    price("kraken", "USDT/USD", "0.999")
    price("kraken", "BTC/USD", "60100")


def test_holdings_sum_account_types_and_accounts_and_value_each_asset(ana, prices):
    main = make_account(ana, "binance", "Main")
    spare = make_account(ana, "kraken", "Spare")
    set_balances(main, {"BTC": "0.5", "USDT": "1000"})
    set_balances(main, {"USDT": "500"}, account_type="funding")
    set_balances(spare, {"BTC": "0.25"})

    held = selectors.holdings(ana)
    assert held.base_currency == "USD"
    btc, usdt = held.rows
    assert (btc.asset, btc.amount) == ("BTC", D("0.75"))
    # Binance has no BTC/USD: Kraken's direct market comes before Binance's BTC/USDT x USDT/USD.
    assert btc.price == D("60100")
    assert btc.route == ("kraken BTC/USD",)
    assert btc.value == D("45075")
    assert [(a.label, a.exchange_id, a.amount) for a in btc.accounts] == [
        ("Main", "binance", D("0.5")),
        ("Spare", "kraken", D("0.25")),
    ]
    assert (usdt.amount, usdt.price, usdt.value) == (D("1500"), D("0.999"), D("1498.5"))
    assert held.total_value == D("46573.5")
    assert btc.share + usdt.share == pytest.approx(D(1), abs=D("0.000002"))
    assert held.unpriced_assets == ()


def test_an_asset_without_a_price_is_shown_unpriced_and_left_out_of_the_total(ana, prices):
    set_balances(make_account(ana), {"ETH": "2", "NOPRICE": "1000000"})
    held = selectors.holdings(ana)
    assert held.total_value == D("5994")
    assert held.unpriced_assets == ("NOPRICE",)
    unpriced = held.row("NOPRICE")
    assert (unpriced.price, unpriced.value, unpriced.share) == (None, None, None)
    assert held.rows[-1] is unpriced  # priced rows first


def test_a_stale_price_is_marked_with_its_age(ana):
    price("kraken", "BTC/USD", "60000", age=timedelta(hours=3))
    price("kraken", "ETH/USD", "3000", age=timedelta(minutes=5))
    set_balances(make_account(ana), {"BTC": "1", "ETH": "1"})
    held = selectors.holdings(ana)
    btc, eth = held.row("BTC"), held.row("ETH")
    assert btc.stale and timedelta(hours=3) <= btc.price_age < timedelta(hours=3, minutes=1)
    assert not eth.stale
    assert held.stale_assets == ("BTC",)
    assert held.total_value == D("63000")  # stale prices still count, marked


def test_the_base_currency_is_the_users_own_and_may_be_bitcoin(ana, prices):
    UserSettings.objects.create(user=ana, base_currency="BTC")
    set_balances(make_account(ana), {"BTC": "1", "ETH": "3"})
    held = selectors.holdings(ana)
    assert held.base_currency == "BTC"
    assert held.row("BTC").price == 1 and held.row("BTC").price_age is None
    assert held.row("ETH").price == D("0.05")  # ETH/USDT / BTC/USDT
    assert held.total_value == D("1.15")


def test_a_user_never_sees_another_users_accounts(ana, django_user_model, prices):
    ben = django_user_model.objects.create_user("ben")
    set_balances(make_account(ben), {"BTC": "100"})
    SyncRun.objects.create(account=make_account(ben, label="Bens"), status="running")
    set_balances(make_account(ana), {"ETH": "1"})
    assert [r.asset for r in selectors.holdings(ana).rows] == ["ETH"]
    assert [c.label for c in selectors.account_strip(ana)] == ["Main"]
    assert list(selectors.accounts_visible_to(ana)) == list(
        ExchangeAccount.objects.filter(owner=ana)
    )


def test_allocations_split_the_priced_total_by_asset_and_by_exchange(ana, prices):
    set_balances(make_account(ana, "binance"), {"BTC": "1", "NOPRICE": "5"})
    set_balances(make_account(ana, "kraken", "K"), {"BTC": "1", "USDT": "1000"})
    by_asset = selectors.allocation_by_asset(ana)
    assert [(s.key, s.value) for s in by_asset.slices] == [("BTC", D("120200")), ("USDT", D("999"))]
    assert by_asset.unpriced_assets == ("NOPRICE",)
    by_exchange = selectors.allocation_by_exchange(ana)
    assert [(s.key, s.label, s.value) for s in by_exchange.slices] == [
        ("kraken", "Kraken", D("61099")),
        ("binance", "Binance", D("60100")),
    ]
    assert by_exchange.total_value == by_asset.total_value
    assert sum(s.share for s in by_exchange.slices) == pytest.approx(D(1), abs=D("0.000002"))


def test_value_history_reads_the_stored_days_in_the_users_currency(ana):
    today = selectors.today_utc()
    for n in range(10):
        PortfolioValueDay.objects.create(
            user=ana, day=today - timedelta(days=n), base_currency="USD", value=D(100 + n)
        )
    PortfolioValueDay.objects.create(user=ana, day=today, base_currency="EUR", value=D(1))
    PortfolioValueDay.objects.filter(day=today - timedelta(days=2)).update(flagged=True)

    everything = selectors.value_history(ana)
    assert len(everything) == 10 and everything[0].day == today - timedelta(days=9)
    last_three = selectors.value_history(ana, days=3)
    assert last_three == [
        (today - timedelta(days=2), D("102"), True),
        (today - timedelta(days=1), D("101"), False),
        (today, D("100"), False),
    ]


def test_changes_compare_the_value_now_with_the_stored_days(ana, prices):
    set_balances(make_account(ana), {"USDT": "1000"})  # worth 999 now
    today = selectors.today_utc()
    PortfolioValueDay.objects.create(
        user=ana, day=today - timedelta(days=1), base_currency="USD", value=D("900")
    )
    PortfolioValueDay.objects.create(
        user=ana, day=today - timedelta(days=7), base_currency="USD", value=D("0")
    )
    result = selectors.changes(ana)
    assert result["24h"].amount == D("99") and result["24h"].percent == D("11.00")
    assert result["7d"].amount == D("999") and result["7d"].percent is None
    assert result["30d"] is None  # no stored day that far back


def test_the_account_strip_shows_sync_progress_suspension_and_rotation(ana):
    UserSettings.objects.create(user=ana, rotation_reminder_days=30)
    fresh = make_account(ana, "binance", "Fresh")
    old = make_account(ana, "kraken", "Old")
    ExchangeAccount.objects.filter(pk=old.pk).update(
        key_added_at=timezone.now() - timedelta(days=31),
        status=ExchangeAccount.Status.SUSPENDED,
        status_reason="The key can now withdraw.",
    )
    SyncRun.objects.create(
        account=fresh, status="succeeded", started_at=timezone.now() - timedelta(hours=1)
    )
    SyncRun.objects.create(account=fresh, status="running", progress="trades: markets 3 of 12")

    cards = {c.label: c for c in selectors.account_strip(ana)}
    assert cards["Fresh"].running and cards["Fresh"].progress == "trades: markets 3 of 12"
    assert not cards["Fresh"].rotation_due
    assert cards["Fresh"].exchange_name == "Binance"
    assert cards["Old"].sync_status == "never" and not cards["Old"].running
    assert cards["Old"].suspended_reason == "The key can now withdraw."
    assert cards["Old"].rotation_due and cards["Old"].key_age_days == 31


def _portfolio(user, accounts: int, assets: int) -> None:
    for a in range(accounts):
        account = make_account(user, ["binance", "kraken", "coinbase"][a % 3], f"A{a}")
        set_balances(account, {f"COIN{i}": str(i + 1) for i in range(assets)} | {"BTC": "1"})
        set_balances(account, {"USDT": "10"}, account_type="funding")
        SyncRun.objects.create(account=account, status="succeeded")
    for i in range(assets):
        price("binance", f"COIN{i}/USDT", str(i + 1))
    today = selectors.today_utc()
    PortfolioValueDay.objects.bulk_create(
        PortfolioValueDay(user=user, day=today - timedelta(days=n), base_currency="USD", value=n)
        for n in range(40 * accounts)
    )


@pytest.mark.parametrize(
    ("read", "queries"),
    [
        (selectors.holdings, 3),
        (selectors.allocation_by_asset, 3),
        (selectors.allocation_by_exchange, 3),
        (selectors.changes, 4),
        (selectors.value_history, 2),
        (selectors.account_strip, 2),
    ],
)
def test_each_read_costs_the_same_queries_for_one_account_as_for_many(
    read, queries, ana, django_user_model, prices, django_assert_num_queries
):
    ben = django_user_model.objects.create_user("ben")
    _portfolio(ana, accounts=1, assets=1)
    _portfolio(ben, accounts=6, assets=25)
    with django_assert_num_queries(queries):
        small = read(ana)
    with django_assert_num_queries(queries):
        large = read(ben)
    assert small != large


def test_the_dashboard_reads_never_call_an_exchange(ana, prices, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a page read called an exchange")

    monkeypatch.setattr("exchanges.client.ExchangeClient.__init__", refuse)
    set_balances(make_account(ana), {"BTC": "1", "UNKNOWN": "1"})
    held = selectors.holdings(ana)
    selectors.allocation_by_asset(ana, of=held)
    selectors.allocation_by_exchange(ana, of=held)
    selectors.changes(ana, of=held)
    selectors.value_history(ana)
    selectors.account_strip(ana)
    assert held.unpriced_assets == ("UNKNOWN",)
