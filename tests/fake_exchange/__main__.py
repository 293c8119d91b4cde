"""Run the loopback fake Binance on its own, to try Porthole by hand without a real exchange.

    python -m tests.fake_exchange --port 8123

Then start Porthole with CCXT_URL_OVERRIDES='{"binance": "http://127.0.0.1:8123"}' and
PRICING_EXCHANGES=binance, and connect a Binance key: any key containing "withdraw" is reported
with withdrawals enabled, "futures" with futures trading, and any other key as read-only. The
account has a year of history, prices with a year of daily candles, and one asset (PORT) that
no market prices.
"""

import argparse
import random
import time
from decimal import Decimal

from tests.fake_exchange import binance
from tests.fake_exchange.server import FakeExchangeServer, Reply, Request

DAY_MS = 86_400_000
# The demo account's markets; the market data adds USDT/USD, to price the dollar.
DEMO_MARKETS = [("BTC", "USDT"), ("ETH", "USDT"), ("ETH", "BTC"), ("DOGE", "USDT"), ("BNB", "USDT")]


def demo_ledger(days: int = 365, seed: int = 7) -> binance.Ledger:
    """Return a Binance account with a year of deposits, trades and a withdrawal."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    ledger = binance.Ledger(markets=list(DEMO_MARKETS))
    start = int(time.time() * 1000) - days * DAY_MS
    ledger.add_deposit("USDT", "25000", start)
    btc = eth = Decimal(0)
    usdt = Decimal(25000)
    for day in range(1, days, 3):
        when = start + day * DAY_MS + rng.randrange(DAY_MS // 2)
        price = Decimal(30000 + 20000 * day // days + rng.randrange(-800, 800))
        qty = Decimal(rng.randrange(1, 30)) / 1000
        if usdt > price * qty:
            ledger.add_trade(
                "BTCUSDT", str(price), str(qty), when, commission="0.00001", commission_asset="BTC"
            )
            btc += qty - Decimal("0.00001")
            usdt -= price * qty
        if day % 9 == 1 and usdt > 200:
            eth_price = Decimal(1800 + rng.randrange(-100, 400))
            ledger.add_trade("ETHUSDT", str(eth_price), "0.1", when + 1000)
            eth += Decimal("0.1") - Decimal("0.001")
            usdt -= eth_price / 10
    ledger.add_withdrawal("BTC", "0.01", "0.0002", start + 200 * DAY_MS)
    btc -= Decimal("0.0102")
    ledger.balances = {
        "BTC": (str(btc), "0"),
        "ETH": (str(eth), "0"),
        "USDT": (str(usdt.quantize(Decimal("0.01"))), "0"),
        "DOGE": ("1500", "0"),
        "PORT": ("42", "0"),  # no market anywhere: shown as "no price"
    }
    return ledger


def demo_market_data(days: int = 400, seed: int = 11) -> binance.MarketData:
    """Return last prices and daily closes for the demo markets (PORT has no market)."""
    rng = random.Random(seed)  # noqa: S311 - demo data
    start = {
        "BTCUSDT": "30000",
        "ETHUSDT": "1800",
        "ETHBTC": "0.06",
        "DOGEUSDT": "0.07",
        "BNBUSDT": "240",
        "USDTUSD": "1.0002",
    }
    growth = {
        "BTCUSDT": 2.1,
        "ETHUSDT": 1.6,
        "ETHBTC": 0.8,
        "DOGEUSDT": 1.9,
        "BNBUSDT": 1.3,
        "USDTUSD": 1.0,
    }
    today = int(time.time() * 1000) // DAY_MS * DAY_MS
    data = binance.MarketData(markets=[*DEMO_MARKETS, ("USDT", "USD")])
    for symbol, first in start.items():
        closes = {}
        for day in range(days, -1, -1):
            trend = 1 + (growth[symbol] - 1) * (days - day) / days
            wobble = 1 + (rng.random() - 0.5) / (500 if symbol == "USDTUSD" else 15)
            price = Decimal(first) * Decimal(str(round(trend * wobble, 6)))
            closes[today - day * DAY_MS] = str(price.quantize(Decimal("0.00000001")))
        data.closes[symbol] = closes
        data.last[symbol] = closes[today]
    return data


def _permissions_by_key(request: Request) -> Reply:
    key = request.headers.get("x-mbx-apikey", "").lower()
    flags = {}
    if "withdraw" in key:
        flags["enableWithdrawals"] = True
    if "futures" in key:
        flags["enableFutures"] = True
    return Reply(binance.permissions(flags))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8123)
    args = parser.parse_args()
    server = FakeExchangeServer(port=args.port)
    ledger = demo_ledger()
    binance.serve_ledger(server, ledger)
    market_data = demo_market_data()
    ledger.markets = market_data.markets
    binance.serve_market_data(server, market_data)
    server.route("GET", binance.PERMISSIONS_PATH, _permissions_by_key)
    server.start()
    print(f"fake Binance listening on {server.base_url}")
    print(f'CCXT_URL_OVERRIDES=\'{{"binance": "{server.base_url}"}}\'', flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
