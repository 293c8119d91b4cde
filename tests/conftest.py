"""Shared test setup (the test-only environment is in tests/environment.py)."""

import os

import pytest


def services_required() -> bool:
    """Return whether CI demands the real services instead of skipping their tests."""
    return os.environ.get("PORTHOLE_REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config, items) -> None:
    if os.environ.get("REDIS_URL"):
        return
    if services_required():
        raise pytest.UsageError("PORTHOLE_REQUIRE_SERVICES=1 but REDIS_URL is not set")
    skip = pytest.mark.skip(reason="needs REDIS_URL (runs in .ci/run against the real Redis)")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def fake_exchange(settings):
    """Return a running loopback fake exchange; every ccxt exchange id is pointed at it."""
    from exchanges.client import is_known_exchange
    from tests.fake_exchange import FakeExchangeServer

    server = FakeExchangeServer().start()
    ids = [
        "binance",
        "coinbase",
        "kraken",
        "okx",
        "bybit",
        "kucoin",
        "bitget",
        "gate",
        "htx",
        "gemini",
        "bitfinex",
        "woo",
        "bingx",
        "mexc",
        "bitstamp",
        "cryptocom",
        "binanceus",
    ]
    settings.CCXT_URL_OVERRIDES = {i: server.base_url for i in ids if is_known_exchange(i)}
    settings.CCXT_TIMEOUT_MS = 2000
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_request_budgets():
    """Give each test its own in-process request budget (pauses must not leak between tests)."""
    from django.conf import settings

    from exchanges import ratelimit

    def clear() -> None:
        ratelimit._counter.cache_clear()
        if settings.REDIS_URL:
            shared = ratelimit.counter()._redis
            for key in shared.scan_iter("porthole:budget:*"):
                shared.delete(key)

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Start each test with an empty cache: rolled-back tests reuse row ids, and cached
    results keyed by ids and counts (history totals, login counters) must not carry over."""
    from django.core.cache import cache

    cache.clear()
    yield
