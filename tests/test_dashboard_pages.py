"""The dashboard, holdings and settings pages and the charts' JSON: access, isolation, honesty
about unknown prices, and a query count that does not grow with the data."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchanges.sync.models import SyncRun
from portfolio.models import PortfolioValueDay, UserSettings
from tests.dashboard_demo import demo_history, demo_portfolio, demo_prices
from tests.dashboard_helpers import make_account, price, set_balances

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
HOLDINGS = reverse("holdings")
SETTINGS = reverse("settings")
HISTORY_JSON = reverse("api_value_history")
ALLOCATION_JSON = reverse("api_allocation")
ALL_URLS = [DASHBOARD, HOLDINGS, SETTINGS, HISTORY_JSON, ALLOCATION_JSON]


@pytest.fixture(autouse=True)
def _pricing(settings):
    settings.PRICING_EXCHANGES = ["binance", "kraken", "coinbase"]
    settings.PRICE_STALE_AFTER = timedelta(hours=2)


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password="a-long-password-1")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="a-long-password-2")


@pytest.fixture
def as_ana(client, ana):
    client.force_login(ana)
    return client


@pytest.fixture
def bobs_portfolio(bob):
    """Bob holds a coin of his own, worth a lot, and has a history of his own."""
    price("kraken", "BOBCOIN/USD", "1000000")
    set_balances(make_account(bob, "kraken", "Bob's"), {"BOBCOIN": "7", "BTC": "100"})
    demo_history(bob, days=30)
    PortfolioValueDay.objects.filter(user=bob).update(value=Decimal("99999999"))


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ALL_URLS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [DASHBOARD, HOLDINGS, SETTINGS])
def test_every_page_is_linked_from_the_navigation(as_ana, url):
    body = as_ana.get(DASHBOARD).content.decode()
    assert f'href="{url}"' in body


# --- Isolation ------------------------------------------------------------------------------


def test_the_history_json_holds_only_the_users_own_days(as_ana, ana, bobs_portfolio):
    demo_history(ana, days=30)
    data = as_ana.get(HISTORY_JSON, {"range": "All"}).json()
    mine = PortfolioValueDay.objects.filter(user=ana).order_by("day")
    assert [p["day"] for p in data["points"]] == [d.day.isoformat() for d in mine]
    assert "99999999" not in json.dumps(data)


def test_the_allocation_json_holds_only_the_users_own_assets_and_exchanges(
    as_ana, ana, bobs_portfolio
):
    demo_prices()
    set_balances(make_account(ana, "binance", "Main"), {"ETH": "2"})
    data = as_ana.get(ALLOCATION_JSON).json()
    assert [s["key"] for s in data["by_asset"]] == ["ETH"]
    assert [s["key"] for s in data["by_exchange"]] == ["binance"]
    assert data["total_value"] == "6001"


def test_another_users_account_never_contributes_to_any_page(as_ana, ana, bobs_portfolio):
    demo_portfolio(ana)
    for url in [DASHBOARD, HOLDINGS]:
        body = as_ana.get(url).content.decode()
        assert "BOBCOIN" not in body
        assert "Bob&#x27;s" not in body and "Bob's" not in body
    assert "BOBCOIN" not in as_ana.get(ALLOCATION_JSON).content.decode()


def test_the_history_of_a_user_without_one_is_empty_even_when_others_have_one(
    as_ana, bobs_portfolio
):
    assert as_ana.get(HISTORY_JSON).json()["points"] == []


# --- The JSON --------------------------------------------------------------------------------


def test_chart_values_are_exact_decimal_strings(as_ana, ana):
    demo_portfolio(ana, days=10)
    history = as_ana.get(HISTORY_JSON, {"range": "1M"}).json()
    assert all(isinstance(p["value"], str) for p in history["points"])
    assert history["points"][-1]["value"] == "68250.25"
    allocation = as_ana.get(ALLOCATION_JSON).json()
    assert all(isinstance(s["value"], str) for s in allocation["by_asset"])
    assert allocation["unpriced_assets"] == ["NOPE"]


@pytest.mark.parametrize(("name", "days"), [("1M", 30), ("3M", 90), ("1Y", 365), ("All", 400)])
def test_each_range_returns_the_days_it_names(as_ana, ana, name, days):
    demo_history(ana, days=400)
    points = as_ana.get(HISTORY_JSON, {"range": name}).json()["points"]
    assert len(points) == days


def test_an_unknown_range_is_refused(as_ana):
    assert as_ana.get(HISTORY_JSON, {"range": "5Y"}).status_code == 400


# --- What the pages say -----------------------------------------------------------------------


def test_a_new_user_is_told_to_connect_an_exchange(as_ana):
    body = as_ana.get(DASHBOARD).content.decode()
    assert "No exchange connected yet" in body
    assert f'href="{reverse("exchanges:connect")}"' in body
    assert "No exchange connected yet" in as_ana.get(HOLDINGS).content.decode()


def test_the_dashboard_shows_the_total_changes_and_the_account_strip(as_ana, ana):
    accounts = demo_portfolio(ana)
    body = as_ana.get(DASHBOARD).content.decode()
    assert "68,083.00" in body  # priced assets only, rounded to cents
    assert "+20.75" not in body and "+0.00" not in body
    for period in ("24h", "7d", "30d"):
        assert f'<span class="label">{period}</span>' in body
    for account in accounts.values():
        assert f'href="{reverse("exchanges:detail", args=[account.pk])}"' in body
    assert "trades: 3 of 12" in body  # the running sync's progress
    assert "The key can now trade" in body  # the suspended key's reason
    assert "key 400 days old" in body  # due for rotation


def test_an_asset_without_a_price_says_so_and_is_left_out_of_the_total(as_ana, ana):
    demo_portfolio(ana)
    body = as_ana.get(DASHBOARD).content.decode()
    assert "no price" in body
    assert "Not included" in body and "NOPE" in body


def test_a_stale_price_shows_its_age(as_ana, ana):
    demo_portfolio(ana)
    body = as_ana.get(DASHBOARD).content.decode()
    assert "5\xa0hours old" in body or "5 hours old" in body


def test_the_holdings_page_breaks_each_asset_down_by_account(as_ana, ana):
    accounts = demo_portfolio(ana)
    body = as_ana.get(HOLDINGS).content.decode()
    for account in accounts.values():
        assert f'href="{reverse("exchanges:detail", args=[account.pk])}"' in body
    assert "via kraken BTC/USD" in body
    assert "binance SOL/USDT × kraken USDT/USD" in body


def test_changes_without_enough_history_say_so(as_ana, ana):
    demo_prices()
    set_balances(make_account(ana), {"BTC": "1"})
    body = as_ana.get(DASHBOARD).content.decode()
    assert body.count("no history yet") == 3


def test_the_dashboard_never_asks_an_exchange(as_ana, ana, monkeypatch):
    demo_portfolio(ana)

    def refuse(*args, **kwargs):
        raise AssertionError("the dashboard asked an exchange")

    monkeypatch.setattr("exchanges.client.ExchangeClient.__init__", refuse)
    monkeypatch.setattr("portfolio.market_data.refresh_prices", refuse)
    for url in [DASHBOARD, HOLDINGS, HISTORY_JSON, ALLOCATION_JSON]:
        assert as_ana.get(url).status_code == 200


# --- Settings ---------------------------------------------------------------------------------


def test_settings_are_saved_through_the_service(as_ana, ana, monkeypatch):
    queued = []
    monkeypatch.setattr("portfolio.tasks.schedule_history_rebuild", queued.append)
    response = as_ana.post(
        SETTINGS,
        {"base_currency": "EUR", "time_zone": "Europe/Zurich", "rotation_reminder_days": "30"},
    )
    assert response.status_code == 302
    saved = UserSettings.objects.get(user=ana)
    assert (saved.base_currency, saved.time_zone, saved.rotation_reminder_days) == (
        "EUR",
        "Europe/Zurich",
        30,
    )
    assert queued == [ana.pk]  # a new currency rebuilds the history in it


def test_settings_offer_ether_and_tether_as_base_currencies(as_ana):
    body = as_ana.get(SETTINGS).content.decode()
    assert '<option value="ETH"' in body and '<option value="USDT"' in body


@pytest.mark.parametrize(
    "bad",
    [
        {"base_currency": "DOGE"},
        {"time_zone": "Mars/Olympus"},
        {"rotation_reminder_days": "0"},
    ],
)
def test_invalid_settings_are_refused_and_nothing_is_saved(as_ana, ana, bad):
    form = {"base_currency": "USD", "time_zone": "UTC", "rotation_reminder_days": "90"} | bad
    response = as_ana.post(SETTINGS, form)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not UserSettings.objects.filter(user=ana).exists()


def test_the_settings_form_shows_what_the_user_chose(as_ana, ana):
    UserSettings.objects.create(user=ana, base_currency="BTC", time_zone="Asia/Tokyo")
    form = as_ana.get(SETTINGS).context["form"]
    assert form["base_currency"].value() == "BTC"
    assert form["time_zone"].value() == "Asia/Tokyo"


# --- Query count --------------------------------------------------------------------------------


def _grow(user, accounts: int, assets: int, days: int) -> None:
    demo_prices()
    for n in range(accounts):
        account = make_account(user, ["binance", "kraken", "okx"][n % 3], f"Account {n}")
        set_balances(account, {f"A{i}": str(i + 1) for i in range(assets)} | {"BTC": "0.1"})
        set_balances(account, {"ETH": "1"}, account_type="funding")
        SyncRun.objects.create(account=account, status=SyncRun.Status.SUCCEEDED)
        SyncRun.objects.create(account=account, status=SyncRun.Status.RUNNING, progress="x")
    for i in range(assets):
        price("binance", f"A{i}/USDT", str(i + 2))
    demo_history(user, days)


@pytest.mark.parametrize("url", [DASHBOARD, HOLDINGS, HISTORY_JSON + "?range=All", ALLOCATION_JSON])
def test_the_query_count_does_not_grow_with_the_data(
    client, django_user_model, django_assert_num_queries, url
):
    small = django_user_model.objects.create_user("small")
    _grow(small, accounts=1, assets=1, days=3)
    client.force_login(small)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    large = django_user_model.objects.create_user("large")
    _grow(large, accounts=6, assets=25, days=400)
    client.force_login(large)
    with django_assert_num_queries(len(queries)):
        assert client.get(url).status_code == 200
