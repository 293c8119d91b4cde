"""Valuation: an asset's price in the base currency, directly or through one bridge."""

from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal, localcontext

from portfolio.models import BaseCurrency
from portfolio.valuation import (
    BASE_CURRENCIES,
    Leg,
    PriceBook,
    PricePoint,
    price_of,
    total_of,
    value_holdings,
    value_of,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PRICING = ("binance", "kraken", "coinbase")


def point(exchange_id: str, symbol: str, price: str, age: timedelta = timedelta(0)) -> PricePoint:
    base, quote = symbol.split("/")
    return PricePoint(exchange_id, symbol, base, quote, Decimal(price), NOW - age)


def test_the_base_currencies_match_the_settings_choices():
    assert set(BASE_CURRENCIES) == set(BaseCurrency.values)


def test_a_direct_market_prices_an_asset():
    book = PriceBook([point("kraken", "BTC/USD", "60000.5")])
    price = price_of("BTC", "USD", book, pricing_exchanges=PRICING)
    assert price.price == Decimal("60000.5")
    assert price.legs == (Leg("kraken", "BTC/USD"),)
    assert price.as_of == NOW


def test_an_inverted_market_prices_its_quote_asset():
    book = PriceBook([point("binance", "EUR/USDT", "1.25")])
    price = price_of("USDT", "EUR", book, pricing_exchanges=PRICING)
    assert price.price == Decimal("0.8")
    assert price.legs == (Leg("binance", "EUR/USDT", inverted=True),)


def test_a_price_is_bridged_through_usdt_and_a_priced_usdt_usd_market():
    book = PriceBook([point("binance", "SOL/USDT", "150"), point("kraken", "USDT/USD", "0.999")])
    price = price_of("SOL", "USD", book, held_on=["binance"], pricing_exchanges=PRICING)
    assert price.price == Decimal("149.85")
    assert [leg.symbol for leg in price.legs] == ["SOL/USDT", "USDT/USD"]


def test_a_stablecoin_is_priced_by_its_market_not_assumed_to_be_one():
    book = PriceBook([point("kraken", "USDT/USD", "0.9985")])
    price = price_of("USDT", "USD", book, pricing_exchanges=PRICING)
    assert price.price == Decimal("0.9985")
    assert value_of(Decimal("1000"), price) == Decimal("998.5")


def test_usd_is_not_usdt_so_without_a_usdt_usd_market_there_is_no_price():
    book = PriceBook([point("binance", "BTC/USDT", "60000")])
    assert price_of("USDT", "USD", book, pricing_exchanges=PRICING) is None
    assert price_of("BTC", "USD", book, pricing_exchanges=PRICING) is None


def test_usd_is_reached_through_usdc_when_usdt_has_no_usd_market():
    book = PriceBook([point("coinbase", "ETH/USDC", "3000"), point("kraken", "USDC/USD", "1.001")])
    price = price_of("ETH", "USD", book, pricing_exchanges=PRICING)
    assert price.price == Decimal("3003")


def test_the_exchange_the_asset_is_held_on_is_asked_first():
    book = PriceBook([point("kraken", "ETH/BTC", "0.051"), point("okx", "ETH/BTC", "0.050")])
    assert price_of("ETH", "BTC", book, held_on=["okx"], pricing_exchanges=PRICING).price == (
        Decimal("0.050")
    )
    assert price_of("ETH", "BTC", book, pricing_exchanges=PRICING).price == Decimal("0.051")


def test_pricing_exchanges_are_asked_in_their_order():
    book = PriceBook([point("coinbase", "BTC/USD", "60100"), point("kraken", "BTC/USD", "60000")])
    assert price_of("BTC", "USD", book, pricing_exchanges=PRICING).price == Decimal("60000")


def test_a_direct_market_is_preferred_to_a_bridge_even_on_the_held_exchange():
    book = PriceBook(
        [
            point("binance", "ETH/USDT", "3000"),
            point("kraken", "USDT/USD", "1"),
            point("coinbase", "ETH/USD", "3010"),
        ]
    )
    price = price_of("ETH", "USD", book, held_on=["binance"], pricing_exchanges=PRICING)
    assert price.legs == (Leg("coinbase", "ETH/USD"),)


def test_a_stablecoin_is_priced_by_its_own_market_rather_than_through_bitcoin():
    book = PriceBook(
        [
            point("binance", "BTC/USDT", "60000"),
            point("kraken", "BTC/USD", "60100"),
            point("kraken", "USDT/USD", "0.999"),
        ]
    )
    price = price_of("USDT", "USD", book, held_on=["binance"], pricing_exchanges=PRICING)
    assert price.price == Decimal("0.999")


def test_a_bridge_starts_on_the_exchange_the_asset_is_held_on():
    book = PriceBook(
        [
            point("binance", "SOL/USDT", "150"),
            point("kraken", "SOL/EUR", "140"),
            point("kraken", "USDT/USD", "1"),
            point("kraken", "EUR/USD", "1.1"),
        ]
    )
    price = price_of("SOL", "USD", book, held_on=["kraken"], pricing_exchanges=PRICING)
    assert price.legs == (Leg("kraken", "SOL/EUR"), Leg("kraken", "EUR/USD"))
    price = price_of("SOL", "USD", book, pricing_exchanges=PRICING)
    assert price.legs == (Leg("binance", "SOL/USDT"), Leg("kraken", "USDT/USD"))


def test_a_bridges_second_market_is_taken_from_the_first_markets_exchange_first():
    book = PriceBook(
        [
            point("kraken", "SOL/EUR", "140"),
            point("kraken", "EUR/USD", "1.1"),
            point("binance", "EUR/USD", "1.2"),
        ]
    )
    price = price_of("SOL", "USD", book, held_on=["kraken"], pricing_exchanges=PRICING)
    assert price.price == Decimal("154")


def test_an_exchange_outside_the_lists_is_not_used():
    book = PriceBook([point("gate", "BTC/USD", "1")])
    assert price_of("BTC", "USD", book, pricing_exchanges=PRICING) is None


def test_a_bitcoin_base_currency_prices_btc_at_one_and_others_in_btc():
    book = PriceBook([point("binance", "ETH/BTC", "0.05"), point("binance", "BTC/USDT", "50000")])
    assert price_of("BTC", "BTC", book).price == 1
    assert price_of("BTC", "BTC", book).age(NOW) is None
    assert price_of("ETH", "BTC", book, pricing_exchanges=PRICING).price == Decimal("0.05")
    assert price_of("USDT", "BTC", book, pricing_exchanges=PRICING).price == Decimal("0.00002")


def test_a_missing_price_is_none_and_left_out_of_the_total_never_zero():
    book = PriceBook([point("kraken", "BTC/USD", "60000")])
    valued = value_holdings(
        {"BTC": Decimal("0.5"), "OBSCURE": Decimal("1000")}, "USD", book, pricing_exchanges=PRICING
    )
    assert valued.value == Decimal("30000")
    assert valued.unpriced == ("OBSCURE",)
    assert valued.prices["OBSCURE"] is None
    assert value_of(Decimal("1000"), None) is None
    assert total_of([Decimal("1"), None, Decimal("2")]) == Decimal("3")


def test_a_bridged_price_is_as_old_as_its_oldest_leg_and_marked_stale():
    book = PriceBook(
        [
            point("binance", "SOL/USDT", "150", age=timedelta(minutes=5)),
            point("kraken", "USDT/USD", "1", age=timedelta(hours=3)),
        ]
    )
    price = price_of("SOL", "USD", book, pricing_exchanges=PRICING)
    assert price.age(NOW) == timedelta(hours=3)
    assert price.is_stale(NOW, timedelta(hours=2))
    assert not price.is_stale(NOW, timedelta(hours=4))


def test_amounts_and_prices_multiply_exactly_beyond_28_digits():
    book = PriceBook([point("kraken", "BTC/USD", "123456.123456789012345678")])
    amount = Decimal("123456789012.123456789012345678")
    value = value_of(amount, price_of("BTC", "USD", book, pricing_exchanges=PRICING))
    # The exact product has 36 decimals; it is rounded once, to 18 (Decimal's default would
    # already have cut it to 28 significant digits).
    exact = localcontext(prec=100)
    with exact:
        product = amount * Decimal("123456.123456789012345678")
    assert value == product.quantize(Decimal("1e-18"), context=Context(prec=100))
    assert value == Decimal("15241496585859466.692746118957352141")
