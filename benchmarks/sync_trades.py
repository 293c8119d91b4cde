#!/usr/bin/env python
"""Benchmark of the sync engine: a full Binance sync of many trades, against bare ccxt.

Run from the repository root:

    .venv/bin/python benchmarks/sync_trades.py [--trades 100000] [--markets 5]

It needs nothing running: the fake Binance (tests/fake_exchange) answers on the loopback from a
child process (or a thread of this one, with --in-process-fake), Django gets a temporary
DATA_DIR and SQLite database (or DATABASE_URL if you set one: use a throwaway database), and
the memory figures come from two child runs of this script. What each figure means:
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import ctypes
import gc
import json
import multiprocessing
import os
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import types
import urllib.request
import uuid
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import common  # noqa: E402 - puts the project on sys.path
from common import database_label, load_average, say  # noqa: E402

from tests.fake_exchange import FakeExchangeServer, Reply, Request  # noqa: E402
from tests.fake_exchange import binance as fake  # noqa: E402

PAGE = 1000  # Binance's myTrades limit, and the Binance profile's page size
DAY_MS = 86_400_000
# (base, quote, a price): the markets trades are spread over, in this order.
MARKETS = [
    ("BTC", "USDT", "30000.00"),
    ("ETH", "USDT", "2000.00"),
    ("ETH", "BTC", "0.05500"),
    ("SOL", "USDT", "60.000"),
    ("BNB", "USDT", "300.00"),
    ("XRP", "USDT", "0.5000"),
    ("ADA", "USDT", "0.3000"),
    ("LTC", "BTC", "0.00250"),
]
# Listed by the exchange but touching no asset of the account: the sync must not ask for them.
UNSELECTED = [("DOGE", "EUR"), ("TRX", "TRY")]
QUANTITIES = ["0.001", "0.0125", "0.5", "1.25", "3"]

# Request paths of the fake Binance, in the order a sync sends them.
PATHS = {
    "/sapi/v1/account/apiRestrictions": "scope check (apiRestrictions)",
    "/api/v3/exchangeInfo": "markets load (exchangeInfo)",
    "/api/v3/account": "balances: spot (account)",
    "/sapi/v1/asset/get-funding-asset": "balances: funding (get-funding-asset)",
    "/sapi/v1/capital/deposit/hisrec": "deposits (deposit/hisrec)",
    "/sapi/v1/capital/withdraw/history": "withdrawals (withdraw/history)",
    "/api/v3/myTrades": "trades (myTrades)",
}


# --- The fake exchange's data ----------------------------------------------------------------


def build_ledger(trades: int, markets: int, now_ms: int) -> fake.Ledger:
    """Return a Binance account with `trades` trades over `markets` markets, two years long."""
    chosen = MARKETS[:markets]
    ledger = fake.Ledger()
    ledger.markets = [(base, quote) for base, quote, _ in chosen] + UNSELECTED
    assets = sorted({asset for base, quote, _ in chosen for asset in (base, quote)})
    ledger.balances = {asset: ("1.5", "0.25") for asset in assets}
    ledger.funding = {"USDT": "250"}
    span = 730 * DAY_MS
    start = now_ms - span - DAY_MS
    prices = [
        [f"{float(price) * (1 + (step - 100) / 10_000):.8f}" for step in range(201)]
        for _, _, price in chosen
    ]
    for i in range(trades):
        market = i % len(chosen)
        base, quote, _ = chosen[market]
        ledger.add_trade(
            base + quote,
            prices[market][i % 201],
            QUANTITIES[i % len(QUANTITIES)],
            start + i * span // max(trades, 1),
            buyer=i % 3 != 0,
        )
    for k in range(5):
        ledger.add_deposit("USDT" if k % 2 else "BTC", f"{k + 1}00", start + k * 100 * DAY_MS)
    for k in range(3):
        ledger.add_withdrawal("USDT", f"{k + 1}0", "1", start + (k * 150 + 50) * DAY_MS)
    return ledger


class TradeBook:
    """Answers myTrades like Binance (ids ≥ fromId, oldest first, at most 1,000) in O(log n).

    Each market's trades are sorted and JSON-encoded once into one buffer, with every row's
    offsets, so an answer is a bisect and one slice: the benchmark measures the client, not the
    fake's filtering and encoding. One buffer rather than a bytes object per row also keeps
    the fake's memory out of the way of the sync's (RSS figures).
    """

    def __init__(self, trades: dict[str, list[dict]]):
        self.books: dict[str, tuple[array, array, array, bytes]] = {}
        for symbol, items in trades.items():
            ordered = sorted(items, key=lambda t: t["id"])
            rows = [json.dumps(t, separators=(",", ":")).encode() for t in ordered]
            ids, starts, ends = array("q"), array("q"), array("q")
            offset = 0
            for trade, row in zip(ordered, rows, strict=True):
                ids.append(trade["id"])
                starts.append(offset)
                ends.append(offset + len(row))
                offset += len(row) + 1  # the comma
            self.books[symbol] = (ids, starts, ends, b",".join(rows))

    def __call__(self, request: Request) -> Reply:
        book = self.books.get(request.query.get("symbol", ""))
        if book is None:
            return Reply([])
        ids, starts, ends, blob = book
        first = bisect.bisect_left(ids, int(request.query.get("fromId", 0)))
        last = min(first + min(int(request.query.get("limit", 500)), PAGE), len(ids))
        if first >= last:
            return Reply([])
        return Reply(raw=b"[" + blob[starts[first] : ends[last - 1]] + b"]")


def start_fake(ledger: fake.Ledger) -> FakeExchangeServer:
    """Return the running fake Binance serving the ledger, myTrades from a TradeBook."""
    server = FakeExchangeServer().start()
    fake.serve_ledger(server, ledger)
    server.route("GET", "/api/v3/myTrades", TradeBook(ledger.trades))
    ledger.trades = {}  # the book holds them now, once, as bytes
    return server


LOG_PATH = "/__benchmark/requests"  # the request log of a fake in its own process


class FakeInItsOwnProcess:
    """The fake Binance in a child process, as an exchange is: on the other end of a socket,
    not a thread competing for the client's GIL (the sync reads ahead in a second thread, and
    an in-process fake slows that thread's answers down). Its request log comes over HTTP.
    """

    def __init__(self, trades: int, markets: int, now_ms: int) -> None:
        context = multiprocessing.get_context("fork")  # before Django is set up
        parent, child = context.Pipe()
        self._process = context.Process(
            target=self._serve, args=(child, trades, markets, now_ms), daemon=True
        )
        self._process.start()
        self.base_url, self.deposits, self.withdrawals = parent.recv()

    @staticmethod
    def _serve(pipe: Any, trades: int, markets: int, now_ms: int) -> None:
        ledger = build_ledger(trades, markets, now_ms)
        counts = len(ledger.deposits), len(ledger.withdrawals)
        server = start_fake(ledger)

        def log(request: Request) -> Reply:
            entries = [
                {"method": r.method, "path": r.path, "query": r.query}
                for r in server.requests
                if r.path != LOG_PATH
            ]
            return Reply(entries)

        server.route("GET", LOG_PATH, log)
        pipe.send((server.base_url, *counts))
        while True:  # until the parent terminates it
            time.sleep(3600)

    @property
    def requests(self) -> list[Request]:
        with urllib.request.urlopen(self.base_url + LOG_PATH) as answer:  # noqa: S310 - loopback
            entries = json.loads(answer.read())
        return [Request(e["method"], e["path"], e["query"], {}, "") for e in entries]

    def stop(self) -> None:
        self._process.terminate()
        self._process.join()


def serve(trades: int, markets: int, in_process: bool) -> tuple[Any, int, int]:
    """Return the fake Binance with a ledger of `trades` trades, and its deposits and
    withdrawals counts: in a child process, or in a thread of this one."""
    now_ms = int(time.time() * 1000)
    if not in_process:
        server = FakeInItsOwnProcess(trades, markets, now_ms)
        return server, server.deposits, server.withdrawals
    ledger = build_ledger(trades, markets, now_ms)
    counts = len(ledger.deposits), len(ledger.withdrawals)
    return start_fake(ledger), *counts


# --- Django ----------------------------------------------------------------------------------


def setup_django(data_dir: str, base_url: str) -> None:
    """Configure Porthole for the benchmark (throttles off, DEBUG off) and migrate its database."""
    common.setup_django(
        data_dir,
        {
            "CCXT_RATE_LIMIT": "false",
            "RATE_BUDGETS_ENABLED": "false",
            "CCXT_URL_OVERRIDES": json.dumps({"binance": base_url}),
            "CCXT_TIMEOUT_MS": "60000",
        },
    )


def connect(label: str) -> Any:
    """Return a freshly connected Binance account (its own user and throwaway key)."""
    from django.contrib.auth import get_user_model

    from exchanges import services
    from exchanges.credentials import Credentials

    tag = uuid.uuid4().hex
    owner = get_user_model().objects.create(username=f"bench-{tag[:12]}")
    credentials = Credentials(api_key=f"bench-key-{tag}", secret="bench-secret")  # noqa: S106
    return services.connect_account(
        owner=owner, exchange_id="binance", label=label, credentials=credentials
    )


def cleanup(accounts: list, *, always: bool = False) -> None:
    """Delete the benchmark's accounts and users (with their trades).

    At the end, only from a DATABASE_URL database: the temporary SQLite database goes with its
    DATA_DIR instead.
    """
    if not always and not os.environ.get("DATABASE_URL"):
        return
    from django.db import DatabaseError

    for account in accounts:
        owner = account.owner
        account.delete()
        try:
            owner.delete()
        except DatabaseError:
            say(f"  (could not delete the benchmark user {owner.username})")


def settle_database() -> None:
    """Finish the database's own work after a deletion, so the next turn does not pay for it:
    SQLite's WAL is checkpointed, PostgreSQL's dead rows vacuumed."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            for table in ("exchanges_trade", "exchanges_transfer", "exchanges_synccursor"):
                cursor.execute(f"VACUUM ANALYZE {table}")  # noqa: S608 - fixed names


# --- Timing ----------------------------------------------------------------------------------


class Clock:
    """Exclusive time per category: time spent in a nested call counts for the inner one only.

    Each thread keeps its own stack (the sync fetches the next page in a second thread while it
    stores the one before), and the totals add up every thread's time: with both threads busy
    they exceed the wall time.
    """

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self._local = threading.local()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.totals.clear()

    def _add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.totals[name] += seconds

    def enter(self, name: str) -> None:
        now = time.perf_counter()
        stack = self._local.__dict__.setdefault("stack", [])
        if stack:
            self._add(stack[-1], now - self._local.mark)
        stack.append(name)
        self._local.mark = now

    def leave(self) -> None:
        now = time.perf_counter()
        self._add(self._local.stack.pop(), now - self._local.mark)
        self._local.mark = now

    def wrap(self, owner: Any, attribute: str, category: str) -> None:
        original = getattr(owner, attribute)

        def timed(*args: Any, **kwargs: Any) -> Any:
            self.enter(category)
            try:
                return original(*args, **kwargs)
            finally:
                self.leave()

        setattr(owner, attribute, timed)


class StreamTimes:
    """Inclusive wall time of each engine.sync_stream call, per stream."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, engine: Any) -> None:
        original: Callable = engine.sync_stream

        def timed(client: Any, account: Any, stream: Any, run: Any) -> int:
            start = time.perf_counter()
            try:
                return original(client, account, stream, run)
            finally:
                self.seconds[stream.name] += time.perf_counter() - start

        engine.sync_stream = timed


def instrument() -> tuple[Clock, StreamTimes]:
    """Time HTTP, ccxt, Porthole's conversion and its database writes (a few calls a page)."""
    import requests

    from exchanges.client import ExchangeClient
    from exchanges.sync import engine, store, streams

    clock = Clock()
    # requests reads the whole body inside Session.request: this is waiting on the fake.
    clock.wrap(requests.Session, "request", "http")
    for attribute in ("__init__", "read", "call"):
        clock.wrap(ExchangeClient, attribute, "ccxt")
    clock.wrap(streams.Stream, "_read", "convert")  # its client.read counts as ccxt
    clock.wrap(store, "store_page", "store")
    clock.wrap(store, "store_balances", "store")

    # The main thread waiting for a page the fetch thread is still reading: the engine's queue
    # of ready pages, and only it (urllib3's connection pools are queues too).
    class ReadyPages(queue.Queue):
        pass

    clock.wrap(ReadyPages, "get", "waiting")
    engine.queue = types.SimpleNamespace(Queue=ReadyPages)
    stream_times = StreamTimes()
    stream_times.wrap(engine)
    return clock, stream_times


def requests_by_kind(requests: list[Request]) -> tuple[Counter, Counter]:
    kinds = Counter(PATHS.get(r.path, f"other: {r.method} {r.path}") for r in requests)
    symbols = Counter(r.query.get("symbol") for r in requests if r.path == "/api/v3/myTrades")
    return kinds, symbols


def print_requests(requests: list[Request], indent: str = "    ") -> None:
    kinds, symbols = requests_by_kind(requests)
    for label in [*PATHS.values(), *sorted(k for k in kinds if k not in PATHS.values())]:
        if kinds.get(label):
            say(f"{indent}{label:<40} {kinds[label]:>5}")
    if symbols:
        per_market = ", ".join(f"{symbol} {count}" for symbol, count in sorted(symbols.items()))
        say(f"{indent}  per market: {per_market}")


def print_times(times: dict[str, float]) -> None:
    say("  where the time went (exclusive; both threads, so it can add up to more than the wall):")
    for label, key in [
        ("HTTP, incl. the fake answering", "http"),
        ("ccxt: clients, signing, JSON, parsing", "ccxt"),
        ("Porthole: ccxt dicts to records", "convert"),
        ("Porthole: database writes", "store"),
        ("Porthole: waiting for the next page", "waiting"),
        ("Porthole: everything else", "porthole"),
    ]:
        say(f"    {label:<40} {times.get(key, 0.0):>8.3f} s")


def seconds(values: Any) -> str:
    return ", ".join(f"{v:.2f}" for v in values) + " s"


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "n/a"


# --- The three measurements --------------------------------------------------------------------


def porthole_sync(
    account: Any, server: FakeExchangeServer, clock: Clock, stream_times: StreamTimes
) -> dict:
    from exchanges.sync import engine
    from exchanges.sync.models import SyncRun

    first = len(server.requests)
    clock.reset()
    stream_times.seconds.clear()
    clock.enter("porthole")
    start = time.perf_counter()
    run = engine.sync_account(account.pk)
    wall = time.perf_counter() - start
    clock.leave()
    if run.status != SyncRun.Status.SUCCEEDED:
        raise SystemExit(f"the sync ended {run.status}: {run.message}")
    return {
        "run": run,
        "wall": wall,
        "trades_wall": stream_times.seconds["trades"],
        "times": dict(clock.totals),
        "requests": server.requests[first:],
    }


def bare_ccxt(server: FakeExchangeServer, symbols: list[str], clock: Clock) -> dict:
    """Page fetch_my_trades by fromId over the markets with a plain ccxt.binance, counting."""
    import ccxt
    from django.conf import settings

    from exchanges.client import localize_urls
    from exchanges.sync.profiles import profile_for

    first = len(server.requests)
    clock.reset()
    clock.enter("ccxt")
    start = time.perf_counter()
    exchange = ccxt.binance(
        {
            "enableRateLimit": settings.CCXT_RATE_LIMIT,  # False, as for Porthole
            "timeout": settings.CCXT_TIMEOUT_MS,
            "apiKey": "bench-bare-key-0123456789",
            "secret": "bench-secret",
        }
    )
    exchange.number = str
    exchange.options = exchange.deep_extend(exchange.options, profile_for("binance").options)
    exchange.urls["api"] = localize_urls(exchange.urls["api"], server.base_url)
    exchange.load_markets()
    count = 0
    for symbol in symbols:
        from_id = 0
        while True:
            trades = exchange.fetch_my_trades(symbol, None, PAGE, {"fromId": from_id})
            count += len(trades)
            if len(trades) < PAGE:
                break
            from_id = max(int(t["id"]) for t in trades) + 1
    exchange.session.close()
    wall = time.perf_counter() - start
    clock.leave()
    return {
        "count": count,
        "wall": wall,
        "times": dict(clock.totals),
        "requests": server.requests[first:],
    }


def current_rss() -> int | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def trim_malloc() -> None:
    """Give memory freed while setting up back to the OS, so the sync's growth shows in RSS."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak RSS (what ru_maxrss reports) to the current RSS; Linux ≥ 4.0."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def max_rss() -> int:
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib if sys.platform == "darwin" else kib * 1024


def memory_probe(trades: int, markets: int, in_process: bool) -> dict:
    """In a child process: one full sync of `trades` under tracemalloc; return its figures."""
    server, _, _ = serve(trades, markets, in_process)
    data_dir = tempfile.mkdtemp(prefix="porthole-bench-")
    try:
        setup_django(data_dir, server.base_url)
        from exchanges.sync import engine
        from exchanges.sync.models import SyncRun, Trade

        account = connect(f"memory {trades}")
        gc.collect()
        trim_malloc()
        peak_reset = reset_peak_rss()
        rss_before = current_rss()
        maxrss_before = max_rss()
        tracemalloc.start()
        start = time.perf_counter()
        run = engine.sync_account(account.pk)
        wall = time.perf_counter() - start
        traced_now, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        maxrss_after = max_rss()
        stored = Trade.objects.filter(account=account).count()
        ok = run.status == SyncRun.Status.SUCCEEDED
        # The second sync, nothing new: its peak must not grow with the history either.
        gc.collect()
        tracemalloc.start()
        again = engine.sync_account(account.pk)
        resync_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        ok = ok and again.status == SyncRun.Status.SUCCEEDED
        cleanup([account])
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "trades": trades,
        "stored": stored,
        "ok": ok,
        "wall": wall,
        "traced_peak": traced_peak,
        "traced_retained": traced_now,
        "resync_peak": resync_peak,
        "rss_before": rss_before,
        "maxrss_before": maxrss_before,
        "maxrss_after": maxrss_after,
        "peak_reset": peak_reset,
    }


def run_probe(trades: int, markets: int, in_process: bool) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--memory-probe",
        str(trades),
        "--markets",
        str(markets),
        *(["--in-process-fake"] if in_process else []),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"the memory probe of {trades} trades failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:,.1f} MiB"


# --- Main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trades", type=int, default=100_000, help="trades in the ledger")
    parser.add_argument("--markets", type=int, default=5, choices=range(1, len(MARKETS) + 1))
    parser.add_argument(
        "--small", type=int, help="smaller size of the memory comparison (default: trades / 4)"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory comparison")
    parser.add_argument(
        "--in-process-fake",
        action="store_true",
        help="serve the fake from a thread of this process (it then competes for the GIL)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="turns of Porthole then bare ccxt (medians compared)"
    )
    parser.add_argument("--memory-probe", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.memory_probe is not None:
        print(json.dumps(memory_probe(args.memory_probe, args.markets, args.in_process_fake)))
        return

    n, m = args.trades, args.markets
    started = time.perf_counter()
    say(f"Building a fake Binance ledger: {n:,} trades over {m} markets…")
    server, deposits, withdrawals = serve(n, m, args.in_process_fake)
    symbols = [f"{base}/{quote}" for base, quote, _ in MARKETS[:m]]
    data_dir = tempfile.mkdtemp(prefix="porthole-bench-")
    accounts: list = []
    try:
        setup_django(data_dir, server.base_url)
        clock, stream_times = instrument()
        say()
        say(f"Porthole sync benchmark: {n:,} trades over {m} markets ({', '.join(symbols)})")
        say(f"  plus {deposits} deposits, {withdrawals} withdrawals, 2 unselected markets")
        where = "a thread of this process" if args.in_process_fake else "its own process"
        say(f"  fake Binance: {server.base_url}, {where}")
        say(f"  database: {database_label()}; DEBUG off")
        say("  ccxt throttling OFF for both sides: CCXT_RATE_LIMIT=false and")
        say("  RATE_BUDGETS_ENABLED=false for Porthole, enableRateLimit=False for bare ccxt")
        say("  (with it on, ccxt waits ~1 s per myTrades request on both sides, which would")
        say("  dominate both figures). number=str on both.")
        if args.in_process_fake:
            say(f"  The fake shares this process and its GIL, on {os.cpu_count()} cores: its CPU")
            say("  time competes with the client's, and 'HTTP' time includes its answering.")
        else:
            say(f"  The fake answers from its own process, on the same {os.cpu_count()} cores;")
            say("  'HTTP' time includes its answering.")
        say(f"  load average before: {load_average()} (other work on the machine skews timings)")

        # 1 and 2, taken in turns: Porthole's full sync of a freshly connected account, then
        # bare ccxt over the same markets and data. The medians are compared.
        fulls, bares = [], []
        for turn in range(args.repeat):
            if accounts:  # the previous turn's trades go, so that every turn starts alike
                cleanup(accounts, always=True)
                accounts.clear()
                settle_database()
            account = connect(f"benchmark {turn + 1}")
            accounts.append(account)
            fulls.append(porthole_sync(account, server, clock, stream_times))
            bares.append(bare_ccxt(server, symbols, clock))
        full = sorted(fulls, key=lambda f: f["wall"])[len(fulls) // 2]
        bare = sorted(bares, key=lambda b: b["wall"])[len(bares) // 2]
        run, wall, times = full["run"], full["wall"], full["times"]
        stored = run.counts.get("trades", 0)
        trades_wall = full["trades_wall"]
        say()
        say(f"1. Porthole full sync (exchanges.sync.engine.sync_account), median of {len(fulls)}")
        say(f"  wall times, in turn    {seconds(f['wall'] for f in fulls)}")
        say(f"  trades stored          {stored:>12,}   (of {n:,})")
        say(
            f"  deposits / withdrawals {run.counts.get('deposits', 0):>6} / "
            f"{run.counts.get('withdrawals', 0)}"
        )
        say(f"  wall time              {wall:>12.2f} s")
        say(f"  trades/second          {rate(stored, wall):>12}   (whole sync)")
        say(
            f"  trades/second          {rate(stored, trades_wall):>12}   "
            f"(trades stream alone: {trades_wall:.2f} s)"
        )
        say(
            f"  requests (SyncRun)     {run.requests:>12}   "
            f"(+{len(full['requests']) - run.requests} scope check on its own client)"
        )
        print_requests(full["requests"])
        print_times(times)
        if any(f["run"].counts.get("trades", 0) != n for f in fulls):
            say(f"  !! a turn stored other than {n:,} trades")

        say()
        say(
            "2. Bare ccxt (ccxt.binance, fetch_my_trades paged by fromId, counting only), "
            f"median of {len(bares)}"
        )
        say(f"  wall times, in turn    {seconds(b['wall'] for b in bares)}")
        say(f"  trades counted         {bare['count']:>12,}")
        say(f"  wall time              {bare['wall']:>12.2f} s   (incl. client and markets load)")
        say(f"  trades/second          {rate(bare['count'], bare['wall']):>12}")
        say(f"  requests               {len(bare['requests']):>12}")
        say(f"    HTTP, incl. the fake answering           {bare['times'].get('http', 0):>8.2f} s")
        say(f"    ccxt                                     {bare['times'].get('ccxt', 0):>8.2f} s")
        bare_rate = bare["count"] / bare["wall"]
        whole = (stored / wall) / bare_rate
        alone = (stored / trades_wall) / bare_rate if trades_wall else 0.0
        verdict = "meets" if whole >= 0.6 else "MISSES"
        say(f"  Porthole / bare ccxt   {whole:>12.2f}   whole sync ({verdict} the 0.6 target)")
        say(f"  Porthole / bare ccxt   {alone:>12.2f}   trades stream alone")
        turns = ", ".join(
            f"{(f['run'].counts.get('trades', 0) / f['wall']) / (b['count'] / b['wall']):.2f}"
            for f, b in zip(fulls, bares, strict=True)
        )
        say(f"  ratio of each turn     {turns}")

        # 3. A second sync that finds nothing new.
        again = porthole_sync(account, server, clock, stream_times)
        rerun = again["run"]
        http = again["times"].get("http", 0.0)
        own = again["wall"] - http
        new = sum(v for k, v in rerun.counts.items() if k != "balances")
        say()
        say("3. Second sync, nothing new")
        say(f"  new records            {new:>12}")
        say(
            f"  requests               {len(again['requests']):>12}   "
            f"(SyncRun.requests {rerun.requests} + 1 scope check on its own client)"
        )
        print_requests(again["requests"])
        expected = 1 + 2 + 1 + 1 + 1 + m
        say(
            f"    expected: 1 scope + 2 balance types + 1 markets + 1 + 1 + {m} markets "
            f"= {expected}"
        )
        say(f"  wall time              {again['wall']:>12.3f} s")
        say(f"  waiting on HTTP        {http:>12.3f} s")
        say(
            f"  Porthole's own time    {own:>12.3f} s   (wall - HTTP; target < 1 s: "
            f"{'met' if own < 1 else 'MISSED'})"
        )
        print_times(again["times"])
    finally:
        cleanup(accounts)
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    # 4. Memory: the same full sync at two sizes, each in a fresh process.
    if not args.no_memory:
        small = args.small or max(n // 4, 1)
        say()
        say("4. Peak memory of a full sync, each size in a fresh process (tracemalloc counts")
        if args.in_process_fake:
            say("   allocations during the sync only, in every thread, so the fake's answers")
            say("   too; the fake server and its ledger are in RSS)")
        else:
            say("   allocations during the sync only, in every thread of the sync's process;")
            say("   the fake server and its ledger live in a process of their own)")
        if small < PAGE * m:
            say(f"  (under {PAGE:,} trades a market, {small:,} trades fill no whole page: its peak")
            say("  is smaller for that reason, and the two sizes are not comparable)")
        probes = [run_probe(size, m, args.in_process_fake) for size in (small, n)]
        say(
            f"  {'trades':>9} {'traced peak':>12} {'retained':>10} {'RSS before':>11} "
            f"{'max RSS':>11} {'RSS growth':>11} {'re-sync peak':>13}"
        )
        for p in probes:
            growth = p["maxrss_after"] - (p["rss_before"] or p["maxrss_before"])
            say(
                f"  {p['trades']:>9,} {mib(p['traced_peak']):>12} "
                f"{mib(p['traced_retained']):>10} {mib(p['rss_before']):>11} "
                f"{mib(p['maxrss_after']):>11} {mib(max(growth, 0)):>11} "
                f"{mib(p['resync_peak']):>13}"
            )
            if not p["ok"] or p["stored"] != p["trades"]:
                say(f"  !! the {p['trades']:,} run stored {p['stored']:,} trades (ok={p['ok']})")
        if not all(p["peak_reset"] for p in probes):
            say("  (the peak RSS could not be reset: max RSS includes building the ledger)")
        ratio = probes[1]["traced_peak"] / max(probes[0]["traced_peak"], 1)
        flat = "flat" if ratio < 1.25 else "NOT flat"
        say(
            f"  traced peak {probes[1]['trades']:,} / {probes[0]['trades']:,}: {ratio:.2f}  "
            f"({flat} in the number of trades)"
        )
        ratio = probes[1]["resync_peak"] / max(probes[0]["resync_peak"], 1)
        flat = "flat" if ratio < 1.25 else "NOT flat"
        say(
            f"  re-sync peak {probes[1]['trades']:,} / {probes[0]['trades']:,}: {ratio:.2f}  "
            f"({flat} in the number of trades)"
        )
    say()
    say(f"Done in {time.perf_counter() - started:.0f} s; load average {load_average()}.")


if __name__ == "__main__":
    main()
