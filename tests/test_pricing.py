"""Prices and daily closes through real ccxt, without a key, against the loopback fake."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from exchanges import errors
from exchanges.endpoints import PRICE_ENDPOINTS, allowed_endpoints
from exchanges.pricing import PriceFeed
from portfolio import market_data, tasks
from portfolio.models import DailyClose, Price, UserSettings
from tests.dashboard_helpers import make_account, set_balances
from tests.fake_exchange import Reply
from tests.fake_exchange import binance as fake_binance
from tests.fake_exchange import market_data as fakes

DAY_MS = 86_400_000
JAN1 = date(2021, 1, 1)


def ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture(autouse=True)
def _pricing(settings):
    settings.PRICING_EXCHANGES = ["binance", "kraken", "coinbase"]
    cache.clear()  # the ranges of closes already asked are remembered there
    yield
    cache.clear()


@pytest.fixture
def binance_data(fake_exchange):
    data = fake_binance.MarketData(
        markets=[
            ("BTC", "USDT"),
            ("ETH", "BTC"),
            ("ETH", "USDT"),
            ("DOGE", "TRY"),
            ("EUR", "USDT"),
        ],
        last={
            "BTCUSDT": "60000.12",
            "ETHBTC": "0.05",
            "ETHUSDT": "3000.5",
            "DOGETRY": "5",
            "EURUSDT": "1.08",
        },
        closes={"BTCUSDT": {ms(JAN1) + i * DAY_MS: f"{30000 + i}.5" for i in range(1500)}},
    )
    fake_binance.serve_market_data(fake_exchange, data)
    return data


@pytest.fixture
def kraken_data(fake_exchange):
    data = fakes.KrakenMarketData(
        last={"XXBTZUSD": "60100", "USDTZUSD": "0.9991"},
        closes={
            "USDTZUSD": {fakes.day_seconds(2024, 1, 1) + i * 86_400: "1.0002" for i in range(30)}
        },
    )
    fakes.serve_kraken_market_data(fake_exchange, data)
    return data


@pytest.fixture
def coinbase_data(fake_exchange):
    data = fakes.CoinbaseMarketData(
        products=[("BTC", "USD"), ("USDC", "USD")],
        last={"BTC-USD": "60050.01", "USDC-USD": "1.0001"},
        closes={
            "BTC-USD": {fakes.day_seconds(2024, 1, 1) + i * 86_400: "42000" for i in range(400)}
        },
    )
    fakes.serve_coinbase_market_data(fake_exchange, data)
    return data


def test_binance_prices_come_from_the_24hr_ticker_as_exact_decimals(fake_exchange, binance_data):
    with PriceFeed("binance") as feed:
        prices = {p.symbol: p for p in feed.prices(["BTC/USDT", "ETH/BTC", "NOT/LISTED"])}
    assert prices["BTC/USDT"].last == Decimal("60000.12")
    assert (prices["ETH/BTC"].base, prices["ETH/BTC"].quote) == ("ETH", "BTC")
    assert set(prices) == {"BTC/USDT", "ETH/BTC"}
    (asked,) = fake_exchange.requests_to(fake_binance.TICKER_PATH)
    assert sorted(json.loads(asked.query["symbols"])) == ["BTCUSDT", "ETHBTC"]
    assert not any("signature" in r.query for r in fake_exchange.requests)  # no key, unsigned


def test_binance_daily_closes_page_through_klines_from_the_first_day(fake_exchange, binance_data):
    with PriceFeed("binance") as feed:
        closes = feed.daily_closes("BTC/USDT", date(2020, 6, 1), date(2024, 1, 31))
    assert closes[0].day == JAN1 and closes[0].close == Decimal("30000.5")
    assert closes[-1].day == date(2024, 1, 31)
    assert len(closes) == (date(2024, 1, 31) - JAN1).days + 1
    pages = fake_exchange.requests_to(fake_binance.KLINES_PATH)
    assert len(pages) == 2  # 1,000 candles a request
    assert {p.query["interval"] for p in pages} == {"1d"}


def test_kraken_and_coinbase_prices_and_closes_use_only_allow_listed_endpoints(
    fake_exchange, kraken_data, coinbase_data
):
    with PriceFeed("kraken") as feed:
        assert {p.symbol: p.last for p in feed.prices(["BTC/USD", "USDT/USD"])} == {
            "BTC/USD": Decimal("60100"),
            "USDT/USD": Decimal("0.9991"),
        }
        usdt = feed.daily_closes("USDT/USD", date(2023, 12, 1), date(2024, 1, 10))
    assert [c.day for c in usdt] == [date(2024, 1, d) for d in range(1, 11)]
    with PriceFeed("coinbase") as feed:
        assert feed.prices(["USDC/USD"])[0].last == Decimal("1.0001")
        btc = feed.daily_closes("BTC/USD", date(2023, 1, 1), date(2024, 2, 1))
    # Before the product opened Coinbase answers empty pages; the feed moves on past them.
    assert btc[0].day == date(2024, 1, 1) and btc[-1].day == date(2024, 2, 1)


def test_an_exchange_without_a_price_allow_list_is_refused_before_any_request(fake_exchange):
    assert "gate" not in PRICE_ENDPOINTS
    with pytest.raises(errors.ForbiddenCall):
        PriceFeed("gate")
    assert fake_exchange.requests == []
    assert PRICE_ENDPOINTS["binance"] <= allowed_endpoints("binance")


@pytest.mark.django_db
def test_the_refresh_stores_the_markets_held_assets_need_on_held_and_pricing_exchanges(
    fake_exchange, binance_data, kraken_data, coinbase_data, django_user_model
):
    ana = django_user_model.objects.create_user("ana")
    set_balances(make_account(ana, "binance"), {"ETH": "2", "USDT": "100"})
    UserSettings.objects.create(user=ana, base_currency="EUR")

    assert tasks.refresh_prices() > 0
    stored = {(p.exchange_id, p.symbol): p.last for p in Price.objects.all()}
    assert stored[("binance", "ETH/USDT")] == Decimal("3000.5")
    assert stored[("binance", "EUR/USDT")] == Decimal("1.08")  # for EUR, read inverted
    assert stored[("kraken", "USDT/USD")] == Decimal("0.9991")
    assert ("binance", "DOGE/TRY") not in stored  # nobody's asset, nobody's currency

    binance_data.last["ETHUSDT"] = "3100"
    tasks.refresh_prices()
    assert Price.objects.get(exchange_id="binance", symbol="ETH/USDT").last == Decimal("3100")
    assert Price.objects.filter(exchange_id="binance", symbol="ETH/USDT").count() == 1


@pytest.mark.django_db
def test_one_exchange_failing_leaves_the_others_prices_refreshed(
    fake_exchange, binance_data, kraken_data, coinbase_data, django_user_model
):
    set_balances(make_account(django_user_model.objects.create_user("ana")), {"BTC": "1"})
    fake_exchange.route("GET", "/0/public/AssetPairs", Reply({"error": []}, status=503))
    report = market_data.refresh_prices()
    assert report.failed == {"kraken": "ExchangeUnavailable"}
    assert report.transient
    assert Price.objects.filter(exchange_id="binance").exists()
    assert Price.objects.filter(exchange_id="coinbase").exists()
    assert not Price.objects.filter(exchange_id="kraken").exists()


@pytest.mark.django_db
def test_daily_closes_are_fetched_once_and_later_only_the_missing_days(fake_exchange, binance_data):
    needed = {("binance", "BTC/USDT"): date(2021, 3, 1)}
    market_data.ensure_daily_closes(needed, date(2021, 3, 10))
    assert DailyClose.objects.count() == 10
    assert DailyClose.objects.get(day=date(2021, 3, 1)).close == Decimal("30059.5")

    before = len(fake_exchange.requests_to(fake_binance.KLINES_PATH))
    market_data.ensure_daily_closes(needed, date(2021, 3, 10))
    assert len(fake_exchange.requests_to(fake_binance.KLINES_PATH)) == before  # nothing asked

    market_data.ensure_daily_closes(needed, date(2021, 3, 12))
    (asked,) = fake_exchange.requests_to(fake_binance.KLINES_PATH)[before:]
    assert int(asked.query["startTime"]) == ms(date(2021, 3, 11))
    assert DailyClose.objects.count() == 12


@pytest.mark.django_db
def test_days_before_a_market_opened_are_not_asked_again(fake_exchange, binance_data):
    needed = {("binance", "BTC/USDT"): date(2020, 12, 1)}  # the fake's candles start on Jan 1
    market_data.ensure_daily_closes(needed, date(2021, 1, 5))
    assert DailyClose.objects.order_by("day").first().day == JAN1
    before = len(fake_exchange.requests)
    market_data.ensure_daily_closes(needed, date(2021, 1, 5))
    assert len(fake_exchange.requests) == before


def test_only_markets_valuation_can_use_are_wanted():
    from exchanges.client import Market

    markets = [
        Market("SOL/USDT", "SOL", "USDT"),
        Market("SOL/BNB", "SOL", "BNB"),  # neither side is a bridge or a currency
        Market("USDT/TRY", "USDT", "TRY"),  # TRY is nobody's asset or currency
        Market("EUR/USDT", "EUR", "USDT"),
        Market("PEPE/USDT", "PEPE", "USDT"),  # not held
    ]
    assert market_data.wanted_symbols(markets, {"SOL", "BNB"}, {"EUR"}) == [
        "EUR/USDT",
        "SOL/USDT",
    ]


def test_missing_day_ranges_leave_out_what_was_covered():
    d = date
    assert market_data.missing_ranges(d(2024, 1, 1), d(2024, 1, 31), None) == [
        (d(2024, 1, 1), d(2024, 1, 31))
    ]
    assert market_data.missing_ranges(
        d(2024, 1, 1), d(2024, 1, 31), (d(2024, 1, 10), d(2024, 1, 20))
    ) == [(d(2024, 1, 1), d(2024, 1, 9)), (d(2024, 1, 21), d(2024, 1, 31))]
    assert (
        market_data.missing_ranges(d(2024, 1, 5), d(2024, 1, 6), (d(2024, 1, 1), d(2024, 1, 9)))
        == []
    )
    assert market_data.missing_ranges(d(2024, 1, 2), d(2024, 1, 1), None) == []


def test_a_pricing_exchange_without_a_price_allow_list_is_reported_by_a_check(settings):
    from portfolio.checks import pricing_exchanges_known

    settings.PRICING_EXCHANGES = ["binance", "gate"]
    assert [w.id for w in pricing_exchanges_known(None)] == ["porthole.W010"]
    assert market_data.price_exchanges(["okx", "kraken"]) == ["kraken", "binance"]


@pytest.mark.parametrize("exchange_id", sorted(PRICE_ENDPOINTS))
def test_every_price_endpoint_is_a_real_public_get_of_ccxt(exchange_id):
    import ccxt

    from exchanges.client import _endpoint_names

    names = {name: key for key, name in _endpoint_names(getattr(ccxt, exchange_id)).items()}
    for endpoint in PRICE_ENDPOINTS[exchange_id]:
        api, method, _path = names[endpoint]
        assert method == "GET" and "public" in api, endpoint  # no key, nothing but reads
