"""One sync of one account: claim it, re-verify the key, then balances and every history stream.

The task, the `sync_accounts` command and "sync now" all come here. Each page is stored with its
cursor in one transaction, so a crash loses nothing and the next run resumes where this one
stopped (an empty page is not written: its cursor goes in with the next page written). While a
page is stored, the next one is already being fetched (fetch_ahead).
"""

import gc
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from exchanges import errors, services
from exchanges.accounts import load_credentials
from exchanges.client import ExchangeClient
from exchanges.encryption import CredentialsUnreadable
from exchanges.models import ExchangeAccount
from exchanges.sync import store
from exchanges.sync.models import SyncRun
from exchanges.sync.profiles import Profile, profile_for
from exchanges.sync.records import balances_from_ccxt
from exchanges.sync.streams import Page, Stream
from portfolio.maintenance import optimize_after_writes

logger = logging.getLogger(__name__)

# A claim outlives the task's hard time limit, so a crashed worker's claim lapses by itself.
CLAIM_TTL = timedelta(minutes=35)
# A running sync pushes its claim's end to now + CLAIM_TTL at most this often (seconds), not on
# every page: the claim never has less than CLAIM_TTL - RENEW_EVERY left while the sync runs.
RENEW_EVERY = 30.0

Progress = Callable[[str, int, int], None]


class SyncInProgress(Exception):
    """Another worker holds this account's claim."""


@dataclass
class _Run:
    record: SyncRun
    progress: Progress | None
    client: ExchangeClient | None = None
    renewed_at: float = field(default_factory=time.monotonic)  # claim() or the last renewal

    def report(self, text: str, done: int = 0, total: int = 0) -> None:
        if self.client is not None:
            self.record.requests = self.client.request_count
        self.record.progress = text[:200]
        self.record.save(update_fields=["progress", "requests", "counts"])
        if self.progress:
            self.progress(text, done, total)

    def add(self, stream: str, count: int) -> None:
        self.record.counts[stream] = self.record.counts.get(stream, 0) + count


def claim(account_id: int) -> bool:
    """Return whether this worker took the account's sync claim (free or expired)."""
    now = timezone.now()
    taken = (
        ExchangeAccount.objects.filter(pk=account_id)
        .filter(Q(sync_claimed_until__isnull=True) | Q(sync_claimed_until__lt=now))
        .update(sync_claimed_until=now + CLAIM_TTL)
    )
    return taken == 1


def _renew(account: ExchangeAccount, run: _Run) -> None:
    """Extend the claim to now + CLAIM_TTL, if the last extension is RENEW_EVERY seconds old."""
    now = time.monotonic()
    if now - run.renewed_at < RENEW_EVERY:
        return
    ExchangeAccount.objects.filter(pk=account.pk).update(
        sync_claimed_until=timezone.now() + CLAIM_TTL
    )
    run.renewed_at = now


def _release(account_id: int) -> None:
    ExchangeAccount.objects.filter(pk=account_id).update(sync_claimed_until=None)


def _finish(run: _Run, status: str, message: str = "", error: Exception | None = None) -> None:
    record = run.record
    record.status = status
    record.finished_at = timezone.now()
    record.message = message[:2000]
    record.error_class = error.__class__.__name__ if error else ""
    if run.client is not None:
        record.requests = run.client.request_count
    if status != SyncRun.Status.RUNNING:
        record.progress = ""
    record.save()


def sync_balances(client: ExchangeClient, account: ExchangeAccount, profile: Profile) -> int:
    """Fetch every configured balance type and store them with today's snapshot."""
    records, types = [], []
    for balance_type in profile.balance_types:
        params = {"type": balance_type} if balance_type else {}
        balance = client.read("fetch_balance", params)
        types.append(balance_type or "spot")
        records.extend(balances_from_ccxt(balance, balance_type or "spot"))
    return store.store_balances(account, records, types)


def _markets_for(client: ExchangeClient, account: ExchangeAccount) -> list[str]:
    """Return the markets to ask for trades: any whose base or quote the account ever held."""
    assets = store.assets_seen(account)
    wanted = {m.symbol for m in client.spot_markets() if m.base in assets or m.quote in assets}
    return sorted(wanted | store.tracked_markets(account))


def sync_stream(client: ExchangeClient, account: ExchangeAccount, stream: Stream, run: _Run) -> int:
    """Page one stream to its end (per market where needed); return how many records were new."""
    markets: list[str | None] = _markets_for(client, account) if stream.per_market else [None]
    added = 0
    for index, market in enumerate(markets, start=1):
        label = (
            f"{stream.name}: markets {index} of {len(markets)}"
            if stream.per_market
            else stream.name
        )
        run.report(label, index, len(markets))
        position = store.load_position(account, stream.name, market)
        pending_ms = store.oldest_pending_ms(account, stream.name)
        if position and pending_ms is not None:
            # Read again from the oldest pending deposit or withdrawal, to see it complete.
            position = stream.rewind(position, pending_ms)
        with closing(fetch_ahead(client, stream, market, position)) as pages:
            for page in pages:
                _renew(account, run)
                if not page.records and page.more:
                    # Nothing to store (Binance's empty 90-day windows of deposits): the
                    # position goes in with the next page that has rows, or the last one. A
                    # crash before then only re-reads these empty pages.
                    continue
                new = store.store_page(account, stream.name, market, page.records, page.position)
                added += new
                run.add(stream.name, new)
    return added


# Pages a stream's fetch thread may hold ready beyond the one being stored. One was measured
# to leave the fetch thread idle: each of the store's calls into SQLite gives the GIL away and
# waits up to 5 ms to get it back, so storing a page can outlast fetching the next one.
READ_AHEAD = 3


def fetch_ahead(
    client: ExchangeClient, stream: Stream, market: str | None, position: dict
) -> Iterator[Page]:
    """Yield a stream's pages from position to its end, fetching the next ones (up to
    READ_AHEAD) while the caller stores the one before.

    The fetches run in a second thread, so the database's own work on a page (PostgreSQL's
    server, SQLite's C code: both without the GIL) and the wait for the exchange, including
    ccxt's rate limiter, overlap with ccxt reading the next pages instead of adding up. Only
    that thread uses the client while it runs, and it never touches the database. A fetch that
    fails raises here after the pages before it are stored, as it would one page at a time.
    Closing the generator (the caller's write failed) stops the fetching and waits for a fetch
    still out, so the client is never closed under it.
    """
    page = stream.fetch_page(client, market, position)
    if not page.more:  # a one-page stream (a re-sync that finds nothing new) needs no thread
        yield page
        return
    ready: queue.Queue[Page | BaseException | None] = queue.Queue(maxsize=READ_AHEAD)
    stop = threading.Event()
    fetcher = threading.Thread(
        target=_fetch_rest,
        args=(client, stream, market, page, ready, stop),
        name="porthole-fetch",
        daemon=True,
    )
    fetcher.start()
    ended = False  # the fetcher handed over its last item: the last page, or its failure
    try:
        yield page
        while not ended:
            item = ready.get()
            ended = _is_last(item)
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if not ended:
            stop.set()
            # Take what it still hands over (unblocking it) until its last item: None, as it
            # saw the stop, or a page or failure that was already under way.
            while not _is_last(ready.get()):
                pass
        fetcher.join()


def _is_last(item: Page | BaseException | None) -> bool:
    """Return whether the fetch thread hands over nothing after this item."""
    return item is None or isinstance(item, BaseException) or not item.more


def _fetch_rest(
    client: ExchangeClient,
    stream: Stream,
    market: str | None,
    page: Page,
    ready: queue.Queue,
    stop: threading.Event,
) -> None:
    """Fetch the pages after `page` into `ready` until the last one, a failure, or a stop."""
    try:
        while page.more:
            if stop.is_set():
                ready.put(None)
                return
            page = stream.fetch_page(client, market, page.position)
            ready.put(page)
    except BaseException as exc:  # raised again in the caller's thread
        ready.put(exc)


def sync_account(account_id: int, *, progress: Progress | None = None) -> SyncRun:
    """Return the finished SyncRun of one sync of the account.

    Raises SyncInProgress when another worker syncs it, and a transient ExchangeProblem (the
    run marked "will retry") for the caller to retry later. Permanent problems end the run
    failed; an authentication failure or widened scope also suspends the account.
    """
    if not claim(account_id):
        raise SyncInProgress(account_id)
    try:
        account = ExchangeAccount.objects.get(pk=account_id)
        run = _Run(SyncRun.objects.create(account=account, progress="verifying the key"), progress)
        with heap_frozen():
            return _sync_claimed(account, run)
    finally:
        _release(account_id)


_frozen_lock = threading.Lock()
_frozen_depth = 0
_froze_it = False  # whether the outermost heap_frozen block called gc.freeze()


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Keep the objects that exist now out of the garbage collector's full collections until
    the block ends (gc.freeze, then gc.unfreeze when the last such block in the process ends).

    A sync allocates millions of short-lived objects (ccxt's dicts, records, rows), and every
    so many of them Python runs a full collection, which walks every tracked object in the
    process: Django's and ccxt's, some 230,000 in a worker, none of them garbage. Measured on
    a 100,000-trade Binance sync: 2 to 3 full collections of 65 ms each, a tenth of the sync's
    time; frozen, they walk only what the sync made. Garbage that already existed is collected
    after the block, not lost. A heap someone else froze (a server that freezes before it
    forks) is left as it is.
    """
    global _frozen_depth, _froze_it
    with _frozen_lock:
        _frozen_depth += 1
        if _frozen_depth == 1:
            _froze_it = gc.get_freeze_count() == 0
            if _froze_it:
                gc.freeze()
    try:
        yield
    finally:
        with _frozen_lock:
            _frozen_depth -= 1
            if _frozen_depth == 0 and _froze_it:
                gc.unfreeze()


def _sync_claimed(account: ExchangeAccount, run: _Run) -> SyncRun:
    if account.status != ExchangeAccount.Status.ACTIVE or not account.encrypted_credentials:
        _finish(run, SyncRun.Status.SKIPPED, "The account is not active.")
        return run.record
    run.report("verifying the key")
    try:
        verification = services.verify_account(account)
    except errors.ExchangeProblem as problem:
        _finish(run, SyncRun.Status.RETRYING, problem.message, problem)
        raise
    if verification.suspended:
        _finish(run, SyncRun.Status.SUSPENDED, verification.reason)
        return run.record
    profile = profile_for(account.exchange_id)
    try:
        credentials = load_credentials(account)
    except CredentialsUnreadable as exc:
        _finish(run, SyncRun.Status.FAILED, "The stored key cannot be decrypted.", exc)
        return run.record
    try:
        with ExchangeClient(account.exchange_id, credentials) as client, store.unawaited_commits():
            run.client = client
            if profile.options:
                client.set_options(profile.options)
            run.report("balances")
            run.add("balances", sync_balances(client, account, profile))
            for stream in profile.streams:
                sync_stream(client, account, stream, run)
    except errors.ExchangeProblem as problem:
        if problem.transient:
            _finish(run, SyncRun.Status.RETRYING, problem.message, problem)
            raise
        if isinstance(problem, errors.AuthenticationFailed):
            services.suspend_account(account, f"Sync stopped: {problem.message}")
        _finish(run, SyncRun.Status.FAILED, problem.message, problem)
        return run.record
    ExchangeAccount.objects.filter(pk=account.pk).update(last_sync_at=timezone.now())
    _finish(run, SyncRun.Status.SUCCEEDED)
    optimize_after_writes()  # SQLite's planner statistics, for the history pages
    from portfolio.tasks import schedule_history_rebuild  # here: portfolio builds on exchanges

    schedule_history_rebuild(account.owner_id)
    logger.info(
        "account %s synced: %s in %s requests", account.pk, run.record.counts, run.record.requests
    )
    return run.record
