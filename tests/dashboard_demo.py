"""A realistic portfolio for the dashboard's page and browser tests: two exchanges, a year of
history, a running sync, a key due for rotation, a stale price and an asset without a price."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from exchanges.models import ExchangeAccount
from exchanges.sync.models import SyncRun
from portfolio import selectors
from portfolio.models import PortfolioValueDay
from tests.dashboard_helpers import make_account, price, set_balances


def demo_prices() -> None:
    """Store current prices: BTC and ETH in USD on Kraken, SOL stale on Binance (via USDT)."""
    price("kraken", "BTC/USD", "60100")
    price("kraken", "ETH/USD", "3000.5")
    price("kraken", "USDT/USD", "0.9995")
    price("binance", "SOL/USDT", "150.25", age=timedelta(hours=5))


def demo_history(user, days: int = 365, currency: str = "USD") -> None:
    """Store one value a day for `days` days up to today: a steady climb with a weekly wobble,
    ending at 68,250.25 whatever the length."""
    today = selectors.today_utc()
    PortfolioValueDay.objects.bulk_create(
        PortfolioValueDay(
            user=user,
            day=today - timedelta(days=n),
            base_currency=currency,
            value=Decimal(68250 - 50 * n - (n % 7) * 150) + Decimal("0.25"),
            flagged=n == 40,
        )
        for n in range(days)
    )


def demo_portfolio(user, *, days: int = 365) -> dict[str, ExchangeAccount]:
    """Build the whole demo for `user` and return its accounts by label."""
    demo_prices()
    main = make_account(user, "binance", "Main")
    savings = make_account(user, "kraken", "Savings")
    old_key = make_account(user, "okx", "Old key")
    set_balances(main, {"BTC": "0.5", "ETH": "4.25", "SOL": "30", "NOPE": "1000"})
    set_balances(main, {"USDT": "1250.5"}, account_type="funding")
    set_balances(savings, {"BTC": "0.25", "ETH": "1"})
    set_balances(old_key, {"ETH": "0.5"})
    now = timezone.now()
    ExchangeAccount.objects.filter(pk=main.pk).update(last_sync_at=now - timedelta(minutes=20))
    SyncRun.objects.create(account=main, status=SyncRun.Status.SUCCEEDED, finished_at=now)
    SyncRun.objects.create(
        account=savings, status=SyncRun.Status.RUNNING, progress="trades: 3 of 12"
    )
    ExchangeAccount.objects.filter(pk=old_key.pk).update(
        key_added_at=now - timedelta(days=400),
        status=ExchangeAccount.Status.SUSPENDED,
        status_reason="The key can now trade: replace it with a read-only key.",
    )
    demo_history(user, days)
    return {"Main": main, "Savings": savings, "Old key": old_key}
