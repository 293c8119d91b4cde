"""A request budget per exchange shared by every worker, on top of ccxt's own limiter.

ccxt throttles one client object; Porthole runs many (one per account, in several workers),
so N workers syncing M accounts of one exchange would multiply its rate. Each request first
takes a slot from a window counted in Redis (or in this process on the embedded default), and
a 429/418 answer pauses the whole exchange for every worker for as long as it asked.
"""

import threading
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings

from exchanges.errors import RateLimited


@dataclass(frozen=True)
class Budget:
    requests: int
    per_seconds: int


# Conservative shares of each exchange's published limits (requests, not weights, counted).
BUDGETS: dict[str, Budget] = {
    "binance": Budget(600, 60),  # 6,000 weight/min; myTrades weighs 20 -> ~300/min spent
    "kraken": Budget(12, 30),  # per-key counter of 15-20, decaying 0.33-0.5 per second
    "coinbase": Budget(15, 1),  # 30 private requests per second
    "okx": Budget(5, 2),  # 10 per 2 s on the history endpoints
    "bybit": Budget(10, 1),
    "kucoin": Budget(10, 1),
    "bitget": Budget(5, 1),
    "gate": Budget(10, 1),
    "htx": Budget(10, 1),
    "gemini": Budget(5, 1),
    "bitfinex": Budget(30, 60),
    "woo": Budget(5, 1),
    "bingx": Budget(5, 1),
    "mexc": Budget(10, 1),
}
DEFAULT_BUDGET = Budget(5, 1)
# A pause longer than this is not waited out inside a task: the task retries later instead.
MAX_WAIT_SECONDS = 30.0


class _LocalCounter:
    """One process's windows and pauses (the embedded default: one worker, no Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, int], int] = {}
        self._pauses: dict[str, float] = {}

    def take(self, name: str, window: int, ttl: int) -> int:
        with self._lock:
            self._windows = {k: v for k, v in self._windows.items() if k[1] >= window - 1}
            self._windows[(name, window)] = self._windows.get((name, window), 0) + 1
            return self._windows[(name, window)]

    def pause(self, name: str, seconds: float) -> None:
        with self._lock:
            until = time.time() + seconds
            self._pauses[name] = max(self._pauses.get(name, 0.0), until)

    def resume(self, name: str) -> None:
        with self._lock:
            self._pauses.pop(name, None)

    def paused_for(self, name: str) -> float:
        with self._lock:
            return max(0.0, self._pauses.get(name, 0.0) - time.time())


class _RedisCounter:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)

    def take(self, name: str, window: int, ttl: int) -> int:
        key = f"porthole:budget:{name}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, ttl)
        return int(pipe.execute()[0])

    def pause(self, name: str, seconds: float) -> None:
        key = f"porthole:budget:{name}:pause"
        milliseconds = max(1, int(seconds * 1000))
        current = self._redis.pttl(key)
        if current is None or current < milliseconds:
            self._redis.set(key, "1", px=milliseconds)

    def resume(self, name: str) -> None:
        self._redis.delete(f"porthole:budget:{name}:pause")

    def paused_for(self, name: str) -> float:
        remaining = self._redis.pttl(f"porthole:budget:{name}:pause")
        return max(0.0, (remaining or 0) / 1000) if remaining and remaining > 0 else 0.0


@cache
def _counter(redis_url: str | None) -> _LocalCounter | _RedisCounter:
    return _RedisCounter(redis_url) if redis_url else _LocalCounter()


def counter() -> _LocalCounter | _RedisCounter:
    """Return the shared counter: Redis when configured, else this process's."""
    return _counter(settings.REDIS_URL)


def acquire(exchange_id: str, *, sleep=time.sleep) -> None:
    """Wait for a request slot on this exchange; raise RateLimited if it is paused for long."""
    budget = BUDGETS.get(exchange_id, DEFAULT_BUDGET)
    shared = counter()
    while True:
        paused = shared.paused_for(exchange_id)
        if paused > MAX_WAIT_SECONDS:
            raise RateLimited(retry_after=paused)
        if paused > 0:
            sleep(paused)
            continue
        now = time.time()
        window = int(now // budget.per_seconds)
        if shared.take(exchange_id, window, budget.per_seconds * 2) <= budget.requests:
            return
        sleep(max(0.01, (window + 1) * budget.per_seconds - now))


def pause(exchange_id: str, seconds: float | None) -> None:
    """Pause every request to this exchange, in every worker, for `seconds` (default 60)."""
    counter().pause(exchange_id, seconds if seconds and seconds > 0 else 60.0)


def resume(exchange_id: str) -> None:
    """End a pause of this exchange at once (its Retry-After has passed, or an admin says so)."""
    counter().resume(exchange_id)
