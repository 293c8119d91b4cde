#!/usr/bin/env python
"""Benchmark of the read pages (dashboard, holdings, trades, transfers, CSV export) for a big user.

Run from the repository root:

    .venv/bin/python benchmarks/dashboard.py [--trades 100000] [--repeat 30]

It needs nothing running: Django gets a temporary DATA_DIR and SQLite database (or
DATABASE_URL if you set one: it must be a throwaway, empty database, which the script empties
again at the end). Requests go through Django's test Client in this process, logged in as each
user, and are timed in-process. What each figure means: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import logging
import math
import os
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from common import database_label, load_average, say, setup_django

BATCH = 5000
EXCHANGES = ("binance", "kraken", "coinbase", "okx")
# The first assets are real codes (BTC is the filtered page's asset); the rest are made up.
REAL_ASSETS = ["BTC", "ETH", "USDT", "USDC", "SOL", "BNB", "XRP", "ADA", "DOGE", "LTC", "DOT"]
UNPRICED_EVERY = 40  # one made-up asset in 40 has no market at all: "no price"
TARGETS = {"page": 0.150, "history": 0.100}


# --- Django ----------------------------------------------------------------------------------


def require_empty_database() -> None:
    """Refuse a DATABASE_URL database that holds anything: the script empties it at the end."""
    if not os.environ.get("DATABASE_URL"):
        return
    from django.contrib.auth import get_user_model

    from portfolio.models import DailyClose, Price

    if get_user_model().objects.exists() or Price.objects.exists() or DailyClose.objects.exists():
        raise SystemExit(
            "DATABASE_URL points at a database with data in it: use a throwaway one, e.g.\n"
            "  createdb -h 127.0.0.1 -U postgres porthole_dashbench\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1/porthole_dashbench "
            ".venv/bin/python benchmarks/dashboard.py\n"
            "  dropdb -h 127.0.0.1 -U postgres porthole_dashbench"
        )


def empty_database() -> None:
    """Empty the throwaway DATABASE_URL database (checked empty at the start)."""
    if os.environ.get("DATABASE_URL"):
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


# --- The data --------------------------------------------------------------------------------


def asset_codes(count: int) -> list[str]:
    made_up = [f"TK{n:03d}" for n in range(count)]
    return (REAL_ASSETS + made_up)[:count]


def is_priced(asset: str) -> bool:
    return not (asset.startswith("TK") and int(asset[2:]) % UNPRICED_EVERY == UNPRICED_EVERY - 1)


def base_price(asset: str, index: int) -> Decimal:
    fixed = {"BTC": "30000", "ETH": "2000", "USDT": "1", "USDC": "1", "SOL": "60", "BNB": "300"}
    if asset in fixed:
        return Decimal(fixed[asset])
    return Decimal(1 + index % 97) / Decimal(7)


def bulk(model: Any, rows: Iterable[Any]) -> int:
    """bulk_create the rows in batches of BATCH; return how many."""
    count = 0
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BATCH)):
        model.objects.bulk_create(batch, batch_size=BATCH)
        count += len(batch)
    return count


def amount(n: int) -> Decimal:
    return Decimal(f"{(n % 997) + 1}.{n % 10_000:04d}")


def raw_record(n: int, market: str) -> dict:
    """A raw exchange record of about a real one's size (never read by the pages)."""
    return {
        "symbol": market.replace("/", ""),
        "id": n,
        "orderId": n * 7,
        "orderListId": -1,
        "price": "123.45670000",
        "qty": "0.01250000",
        "quoteQty": "1.54320875",
        "commission": "0.00001250",
        "commissionAsset": "BNB",
        "time": 1_700_000_000_000 + n,
        "isBuyer": n % 2 == 0,
        "isMaker": n % 3 == 0,
        "isBestMatch": True,
    }


class Builder:
    """Creates users and their data with bulk_create; prices are global, made once."""

    def __init__(self, assets: list[str], days: int, now: datetime) -> None:
        self.assets = assets
        self.days = days
        self.now = now
        self.today = now.date()
        self.counts: dict[str, int] = {}

    def add(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count

    def prices(self) -> None:
        """Current prices (Price) and a year of daily closes (DailyClose) of every market."""
        from portfolio.models import DailyClose, Price

        markets: list[tuple[str, str, str, Decimal]] = []
        for index, asset in enumerate(self.assets):
            if not is_priced(asset) or asset in ("USDT", "USD"):
                continue
            price = base_price(asset, index)
            markets.append(("binance", asset, "USDT", price))
            markets.append(("kraken", asset, "USD", price))
            if index % 2 == 0:
                markets.append(("coinbase", asset, "USD", price))
            if asset != "BTC":
                markets.append(("binance", asset, "BTC", price / 30000))
        markets += [
            ("kraken", "USDT", "USD", Decimal("1.0001")),
            ("coinbase", "USDT", "USD", Decimal("0.9999")),
            ("kraken", "USD", "EUR", Decimal("0.92")),
        ]
        # Markets of assets nobody holds: the price table of three exchanges is large.
        for n in range(2000):
            markets.append((EXCHANGES[n % 3], f"OTHER{n:04d}", ("USDT", "USD", "BTC")[n % 3], 1))
        fetched = self.now - timedelta(minutes=3)
        self.add(
            "Price",
            bulk(
                Price,
                (
                    Price(
                        exchange_id=ex,
                        symbol=f"{base}/{quote}",
                        base=base,
                        quote=quote,
                        last=Decimal(price),
                        fetched_at=fetched,
                    )
                    for ex, base, quote, price in markets
                ),
            ),
        )
        # Daily closes of the markets the holdings are priced by (not the OTHER ones).
        held = [m for m in markets if not m[1].startswith("OTHER") and m[0] != "coinbase"]

        def closes() -> Iterator[DailyClose]:
            for ex, base, quote, price in held:
                for d in range(self.days):
                    yield DailyClose(
                        exchange_id=ex,
                        symbol=f"{base}/{quote}",
                        base=base,
                        quote=quote,
                        day=self.today - timedelta(days=d),
                        close=Decimal(price) * (1 + Decimal(d % 50 - 25) / 1000),
                    )

        self.add("DailyClose", bulk(DailyClose, closes()))

    def user(
        self, name: str, *, accounts: int, held: int, trades: int, transfers: int, history: bool
    ) -> tuple[Any, list[Any]]:
        """Create a user with accounts, balances, trades, transfers and (history) the daily
        rows: snapshots, HoldingDay and PortfolioValueDay."""
        from django.contrib.auth import get_user_model

        from exchanges.models import ExchangeAccount
        from exchanges.sync.models import Balance, BalanceSnapshot, SyncRun, Trade, Transfer
        from portfolio.models import HoldingDay, PortfolioValueDay, UserSettings

        user = get_user_model().objects.create_user(name, password=None)
        UserSettings.objects.create(user=user, base_currency="USD", time_zone="Europe/Paris")
        made = ExchangeAccount.objects.bulk_create(
            ExchangeAccount(
                owner=user,
                exchange_id=EXCHANGES[i % len(EXCHANGES)],
                label=f"{name} account {i + 1}",
                encrypted_credentials="placeholder-not-a-token",
                key_fingerprint="AbCd…wXyZ",
                key_hash=f"{name}-{i}".ljust(64, "0"),
                key_added_at=self.now - timedelta(days=30 + i * 7),
                last_sync_at=self.now - timedelta(minutes=10),
            )
            for i in range(accounts)
        )
        made = list(ExchangeAccount.objects.filter(owner=user).order_by("pk"))
        self.add("ExchangeAccount", len(made))
        n_assets = len(self.assets)
        # Account i holds BTC, USDT and `held` assets from position 10 * i on: with 20
        # accounts and 20 each, every one of 200 assets is held somewhere.
        holdings = {
            account.pk: list(
                dict.fromkeys(
                    ["BTC", "USDT"] + [self.assets[(10 * i + k) % n_assets] for k in range(held)]
                )
            )
            for i, account in enumerate(made)
        }
        self.add(
            "SyncRun",
            len(
                SyncRun.objects.bulk_create(
                    SyncRun(
                        account=account,
                        started_at=self.now - timedelta(hours=h),
                        finished_at=self.now - timedelta(hours=h) + timedelta(seconds=30),
                        status=SyncRun.Status.SUCCEEDED,
                        counts={"trades": 3},
                    )
                    for account in made
                    for h in range(24)
                )
            ),
        )

        def balances() -> Iterator[Balance]:
            for account in made:
                for k, asset in enumerate(holdings[account.pk]):
                    yield Balance(account=account, asset=asset, total=amount(k), free=amount(k))
                    if k % 4 == 0:
                        yield Balance(
                            account=account, account_type="funding", asset=asset, total=amount(k)
                        )

        self.add("Balance", bulk(Balance, balances()))

        span = timedelta(days=self.days)
        start = self.now - span

        def trade_rows() -> Iterator[Trade]:
            for n in range(trades):
                account = made[n % len(made)]
                owned = holdings[account.pk]
                base = owned[(n // len(made)) % len(owned)]
                quote = "BTC" if base != "BTC" and n % 5 == 0 else "USDT"
                if base == "USDT":
                    base, quote = "BTC", "USDT"
                market = f"{base}/{quote}"
                qty = amount(n) / 100
                price = Decimal("123.4567")
                yield Trade(
                    account=account,
                    trade_id=str(n),
                    order_id=str(n * 7),
                    market=market,
                    base=base,
                    quote=quote,
                    side="buy" if n % 3 else "sell",
                    price=price,
                    amount=qty,
                    cost=price * qty,
                    fee=qty / 1000,
                    fee_currency=base,
                    taker_or_maker="taker" if n % 2 else "maker",
                    timestamp=start + span * n / max(trades, 1),
                    raw=raw_record(n, market),
                )

        self.add("Trade", bulk(Trade, trade_rows()))

        def transfer_rows() -> Iterator[Transfer]:
            for n in range(transfers):
                account = made[n % len(made)]
                owned = holdings[account.pk]
                yield Transfer(
                    account=account,
                    kind="deposit" if n % 3 else "withdrawal",
                    transfer_id=f"t{n}",
                    asset=owned[n % len(owned)],
                    amount=amount(n),
                    fee=Decimal("0.001") if n % 3 == 0 else None,
                    fee_currency=owned[n % len(owned)] if n % 3 == 0 else "",
                    network="ETH",
                    txid=f"0x{n:064x}",
                    status="ok" if n % 50 else "pending",
                    timestamp=start + span * n / max(transfers, 1),
                    raw={"id": f"t{n}", "coin": owned[n % len(owned)], "status": 1},
                )

        self.add("Transfer", bulk(Transfer, transfer_rows()))
        if not history:
            return user, made

        days = [self.today - timedelta(days=d) for d in range(self.days)]

        def snapshots() -> Iterator[BalanceSnapshot]:
            for account in made:
                for day in days:
                    taken = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
                    for k, asset in enumerate(holdings[account.pk]):
                        yield BalanceSnapshot(
                            account=account, day=day, asset=asset, total=amount(k), taken_at=taken
                        )

        self.add("BalanceSnapshot", bulk(BalanceSnapshot, snapshots()))

        def holding_days() -> Iterator[HoldingDay]:
            for account in made:
                for day in days:
                    for k, asset in enumerate(holdings[account.pk]):
                        yield HoldingDay(
                            account=account,
                            day=day,
                            asset=asset,
                            amount=amount(k),
                            source=HoldingDay.Source.SNAPSHOT,
                        )

        self.add("HoldingDay", bulk(HoldingDay, holding_days()))
        self.add(
            "PortfolioValueDay",
            bulk(
                PortfolioValueDay,
                (
                    PortfolioValueDay(
                        user=user,
                        day=day,
                        base_currency="USD",
                        value=Decimal(1_000_000 + i * 137) / 100,
                        unpriced_assets=["TK039"],
                    )
                    for i, day in enumerate(days)
                ),
            ),
        )
        return user, made


# --- Measuring -------------------------------------------------------------------------------


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def consume(response: Any) -> tuple[int, int]:
    """Read a response's whole body (streamed or not); return its bytes and lines."""
    size = lines = 0
    if response.streaming:
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
    else:
        size = len(response.content)
        lines = response.content.count(b"\n")
    response.close()
    return size, lines


def measure(client: Any, url: str, repeat: int, warmup: int) -> dict:
    """Time GET url (body read to the end) repeat times after warmup; count its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    status: int | str = 0
    for _ in range(max(warmup, 1)):
        try:
            response = client.get(url)
        except Exception as exc:  # noqa: BLE001 - a page being built may fail: say so, go on
            return {"status": f"an error, {type(exc).__name__}: {str(exc)[:120]}"}
        status = response.status_code
        consume(response)
    if status != 200:
        return {"status": status}
    times = []
    size = lines = 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        size, lines = consume(response)
        times.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        consume(client.get(url))
    return {
        "status": 200,
        "median": statistics.median(times),
        "p95": p95(times),
        "queries": len(queries.captured_queries),
        "sql": [q["sql"] for q in queries.captured_queries],
        "bytes": size,
        "lines": lines,
    }


def query_count(client: Any, url: str) -> int | None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    try:
        consume(client.get(url))  # warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            status = response.status_code
            consume(response)
    except Exception:  # noqa: BLE001 - a page being built may fail for this user only
        return None
    return len(queries.captured_queries) if status == 200 else None


def traced_export(client: Any, url: str) -> dict:
    """Peak Python memory (tracemalloc) of one CSV export, streamed to the end."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    response = client.get(url)
    size, lines = consume(response)
    del response
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"peak": peak - before, "retained": after - before, "bytes": size, "rows": lines - 1}


def logged_in(user: Any) -> Any:
    """Return a test Client with a session of the user.

    The session is made directly, like Client.force_login's but without sending
    user_logged_in: what a sign-in triggers (device notices…) is not what is measured here.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import Client

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def mib(value: float) -> str:
    return f"{value / 2**20:,.2f} MiB"


def db_size() -> str:
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "sqlite":
        name = Path(settings.DATABASES["default"]["NAME"])
        return mib(name.stat().st_size) if name.exists() else "n/a"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return mib(cursor.fetchone()[0])
    return "n/a"


# --- Main ------------------------------------------------------------------------------------


def main() -> None:  # noqa: PLR0915 - a script's story, told in order
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trades", type=int, default=100_000, help="trades of the big user")
    parser.add_argument("--transfers", type=int, default=10_000, help="its transfers")
    parser.add_argument("--accounts", type=int, default=20, help="its accounts")
    parser.add_argument("--assets", type=int, default=200, help="assets it holds (in all)")
    parser.add_argument("--held", type=int, default=20, help="assets each account holds")
    parser.add_argument("--days", type=int, default=365, help="days of daily history")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--export-repeat", type=int, default=3, help="timed full CSV exports")
    parser.add_argument(
        "--medium", type=int, help="trades of the memory comparison's user (default trades / 4)"
    )
    parser.add_argument("--sql", action="store_true", help="print each page's SQL queries")
    args = parser.parse_args()
    medium = args.medium or max(args.trades // 4, 1)

    started = time.perf_counter()
    data_dir = tempfile.mkdtemp(prefix="porthole-dashbench-")
    try:
        setup_django(
            data_dir, {"ALLOWED_HOSTS": "testserver,localhost", "REQUIRE_TWO_FACTOR": "false"}
        )
        logging.getLogger("django.request").setLevel(logging.CRITICAL)  # a missing page's 404
        require_empty_database()
        try:
            run(args, medium)
        finally:
            empty_database()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    say()
    say(f"Done in {time.perf_counter() - started:.0f} s; load average {load_average()}.")


def run(args: argparse.Namespace, medium: int) -> None:  # noqa: PLR0915
    from django.db import connection, transaction
    from django.utils import timezone

    say("Porthole read-pages benchmark")
    say(f"  database: {database_label()}; DEBUG off; {os.cpu_count()} cores")
    say(f"  load average before: {load_average()} (other work on the machine skews timings)")
    builder = Builder(asset_codes(args.assets), args.days, timezone.now())
    start = time.perf_counter()
    with transaction.atomic():
        builder.prices()
        big, big_accounts = builder.user(
            "big",
            accounts=args.accounts,
            held=args.held,
            trades=args.trades,
            transfers=args.transfers,
            history=True,
        )
        small, small_accounts = builder.user(
            "small", accounts=1, held=3, trades=10, transfers=3, history=True
        )
        medium_user, _ = builder.user(
            "medium", accounts=5, held=args.held, trades=medium, transfers=0, history=False
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        # What the worker does after every sync on SQLite (portfolio/maintenance.py).
        from portfolio.maintenance import optimize_after_writes

        optimize_after_writes()
    built = time.perf_counter() - start
    say()
    say(f"1. Data, built with bulk_create in batches of {BATCH:,} in {built:.0f} s")
    say(
        f"  big user: {args.accounts} accounts, {args.assets} assets ({args.held} + BTC, USDT "
        f"per account), {args.trades:,} trades, {args.transfers:,} transfers, {args.days} days"
    )
    say(f"  small user: 1 account, 3 assets, 10 trades, 3 transfers, {args.days} days")
    say(f"  medium user (CSV memory comparison): 5 accounts, {medium:,} trades")
    say("  rows: " + ", ".join(f"{name} {count:,}" for name, count in builder.counts.items()))
    say(f"  database size: {db_size()}")

    clients = {"big": logged_in(big), "small": logged_in(small), "medium": logged_in(medium_user)}
    today = builder.today
    account = big_accounts[0].pk
    window = f"from={today - timedelta(days=90)}&to={today}"
    filtered = f"/trades/?asset=BTC&{window}&account={account}"
    small_filtered = f"/trades/?asset=BTC&{window}&account={small_accounts[0].pk}"
    pages = [
        ("dashboard", "/", "/", "page"),
        ("holdings", "/holdings/", "/holdings/", "page"),
        (
            "value history JSON",
            "/api/value-history.json?range=All",
            "/api/value-history.json?range=All",
            "page",
        ),
        ("allocation JSON", "/api/allocation.json", "/api/allocation.json", "page"),
        ("trades, page 1", "/trades/", "/trades/", "history"),
        ("trades, page 2", "/trades/?page=2", "/trades/?page=2", "history"),
        ("trades, filtered", filtered, small_filtered, "history"),
        ("transfers, page 1", "/transfers/", "/transfers/", "history"),
    ]
    say()
    say(
        f"2. Pages as the big user: {args.repeat} timed requests each after {args.warmup} "
        "warm-ups, in-process (test Client: middleware, session, view, template)"
    )
    say(f"  filtered: {filtered}")
    say(
        f"  {'page':<20} {'median ms':>10} {'p95 ms':>8} {'target':>8} {'queries':>8} "
        f"{'small user':>11} {'KiB':>7}"
    )
    notes = []
    results: dict[str, dict] = {}
    for label, url, small_url, kind in pages:
        result = measure(clients["big"], url, args.repeat, args.warmup)
        results[label] = result
        if result["status"] != 200:
            say(f"  {label:<20} skipped: {url} answered {result['status']}")
            notes.append(f"{url} answered {result['status']}: not measured")
            continue
        small_count = query_count(clients["small"], small_url)
        target = TARGETS[kind]
        verdict = "ok" if result["p95"] < target else "MISSED"
        say(
            f"  {label:<20} {ms(result['median']):>10} {ms(result['p95']):>8} "
            f"{'<' + ms(target)[:-2]:>5} {verdict:<2} {result['queries']:>8} "
            f"{small_count if small_count is not None else 'n/a':>11} "
            f"{result['bytes'] / 1024:>7.0f}"
        )
        if small_count is not None and small_count != result["queries"]:
            notes.append(f"{label}: {result['queries']} queries for big, {small_count} for small")
        if args.sql:
            for sql in result["sql"]:
                say(f"      {sql[:300]}")
    say("  (target: p95; 'small user' is the same page's query count for the small user)")
    for note in notes:
        say(f"  note: {note}")

    say()
    say("3. CSV export of all trades (/trades/export.csv), body streamed to the end")
    export = measure(clients["big"], "/trades/export.csv", args.export_repeat, 1)
    small_export = measure(clients["small"], "/trades/export.csv", 3, 1)
    rows = export["lines"] - 1
    say(
        f"  big user:   {rows:,} rows, {export['bytes'] / 2**20:,.1f} MiB, median "
        f"{export['median']:.2f} s of {args.export_repeat} "
        f"({rows / export['median']:,.0f} rows/s), "
        f"{export['queries']} queries"
    )
    say(
        f"  small user: {small_export['lines'] - 1} rows, {small_export['bytes']:,} bytes, median "
        f"{ms(small_export['median'])} ms, {small_export['queries']} queries"
    )
    if rows != args.trades or small_export["lines"] - 1 != 10:
        say("  !! an export holds another user's trades or misses some of its own")
    else:
        say("  each export holds exactly its user's trades (isolation)")
    traced = {
        "medium": traced_export(clients["medium"], "/trades/export.csv"),
        "big": traced_export(clients["big"], "/trades/export.csv"),
    }
    say("  peak Python memory while streaming (tracemalloc, one traced export each):")
    for name in ("medium", "big"):
        t = traced[name]
        say(
            f"    {name:<7} {t['rows']:>9,} rows  peak {mib(t['peak']):>10}  "
            f"retained after {mib(t['retained']):>10}"
        )
    ratio = traced["big"]["peak"] / max(traced["medium"]["peak"], 1)
    say(
        f"  peak {traced['big']['rows']:,} / {traced['medium']['rows']:,} rows: {ratio:.2f} "
        f"({'flat' if ratio < 1.25 else 'NOT flat'} in the number of trades)"
    )


if __name__ == "__main__":
    main()
