"""The ccxt boundary refuses every call that is not a reviewed read, before anything is sent."""

import pytest

from exchanges import errors
from exchanges.client import ExchangeClient, localize_urls
from exchanges.credentials import Credentials
from tests.fake_exchange import binance as fake

KEY = Credentials(**fake.CREDENTIALS)

WRITE_METHODS = [
    ("create_order", ("BTC/USDT", "limit", "buy", "1", "1")),
    ("create_market_buy_order", ("BTC/USDT", "1")),
    ("edit_order", ("1", "BTC/USDT", "limit", "buy", "1", "1")),
    ("cancel_order", ("1", "BTC/USDT")),
    ("cancel_all_orders", ("BTC/USDT",)),
    ("withdraw", ("BTC", "1", "bc1qaddress")),
    ("transfer", ("BTC", "1", "spot", "future")),
    ("borrow_cross_margin", ("USDT", "1")),
    ("set_leverage", (5, "BTC/USDT:USDT")),
]


def _market(base: str, quote: str, swap: bool = False) -> dict:
    settle = quote if swap else None
    return {
        "id": base + quote,
        "symbol": f"{base}/{quote}" + (f":{settle}" if swap else ""),
        "base": base,
        "quote": quote,
        "settle": settle,
        "baseId": base,
        "quoteId": quote,
        "settleId": settle,
        "type": "swap" if swap else "spot",
        "spot": not swap,
        "margin": not swap,
        "swap": swap,
        "future": False,
        "option": False,
        "contract": swap,
        "linear": True if swap else None,
        "inverse": False if swap else None,
        "active": True,
        "contractSize": 1 if swap else None,
        "precision": {"amount": 0.00001, "price": 0.01},
        "limits": {k: {"min": None, "max": None} for k in ("amount", "price", "cost")},
        "info": {"orderTypes": ["LIMIT", "MARKET"]},
    }


def _currency(code: str) -> dict:
    return {"id": code, "code": code, "precision": 1e-8, "networks": {}, "info": {}, "active": True}


@pytest.mark.parametrize(("method", "args"), WRITE_METHODS)
def test_a_unified_write_method_is_refused_without_a_request(fake_exchange, method, args):
    with ExchangeClient("binance", KEY) as client, pytest.raises(errors.ForbiddenCall):
        client.read(method, *args)
    assert fake_exchange.requests == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "privatePostOrder",
        "sapiPostCapitalWithdrawApply",
        "sapiPostAssetTransfer",
        "sapiPostMarginLoan",
        "fapiPrivatePostLeverage",
        "privateDeleteOrder",
    ],
)
def test_an_implicit_write_endpoint_is_refused_without_a_request(fake_exchange, endpoint):
    with ExchangeClient("binance", KEY) as client, pytest.raises(errors.ForbiddenCall):
        client.call(endpoint, {"symbol": "BTCUSDT"})
    assert fake_exchange.requests == []


def test_a_read_endpoint_not_on_the_allow_list_is_refused_too(fake_exchange):
    with ExchangeClient("binance", KEY) as client, pytest.raises(errors.ForbiddenCall):
        client.call("sapiGetAccountStatus")
    assert fake_exchange.requests == []


@pytest.mark.parametrize(("method", "args"), WRITE_METHODS)
def test_even_ccxt_itself_cannot_send_a_write_through_the_guarded_class(
    fake_exchange, method, args
):
    client = ExchangeClient("binance", KEY)
    exchange = client._exchange
    # Markets already known, so ccxt goes straight for the order/withdraw/transfer endpoint.
    exchange.set_markets(
        [_market("BTC", "USDT"), _market("BTC", "USDT", swap=True)],
        {"BTC": _currency("BTC"), "USDT": _currency("USDT")},
    )
    with pytest.raises(errors.ForbiddenCall):
        getattr(exchange, method)(*args)
    assert fake_exchange.requests == []


def test_a_direct_http_fetch_outside_an_allowed_endpoint_is_refused(fake_exchange):
    client = ExchangeClient("binance", KEY)
    with pytest.raises(errors.ForbiddenCall):
        client._exchange.fetch(fake_exchange.base_url + "/sapi/v1/capital/withdraw/apply", "POST")
    assert fake_exchange.requests == []


def test_the_allow_listed_permission_endpoint_goes_through(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    with ExchangeClient("binance", KEY) as client:
        assert client.call("sapiGetAccountApiRestrictions")["enableReading"] is True


def test_closing_the_client_forgets_the_credentials(fake_exchange):
    client = ExchangeClient("binance", KEY)
    client.close()
    assert client._exchange.apiKey is None
    assert client._exchange.secret is None
    assert KEY.secret not in repr(client)


def test_url_overrides_replace_scheme_and_host_and_keep_paths():
    urls = {"sapi": "https://api.binance.com/sapi/v1", "nested": {"x": "https://api.{hostname}/v5"}}
    assert localize_urls(urls, "http://127.0.0.1:9/") == {
        "sapi": "http://127.0.0.1:9/sapi/v1",
        "nested": {"x": "http://127.0.0.1:9/v5"},
    }


def test_without_an_override_ccxt_keeps_the_real_urls(settings):
    settings.CCXT_URL_OVERRIDES = {}
    client = ExchangeClient("binance", KEY)
    assert client._exchange.urls["api"]["sapi"].startswith("https://api.binance.com")


def test_ccxt_throttling_and_the_shared_budget_are_on_unless_turned_off(monkeypatch):
    import subprocess
    import sys

    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if k not in ("CCXT_RATE_LIMIT", "RATE_BUDGETS_ENABLED")
    }
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='portfolio.settings'; "
        "django.setup(); from django.conf import settings as s; "
        "print(s.CCXT_RATE_LIMIT, s.RATE_BUDGETS_ENABLED)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["True", "True"]
