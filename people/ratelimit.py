"""Failure counters and lockouts in Django's cache, shared by every web process.

Works with the file cache of the embedded start and with Redis in a deployment. A counter is
forgotten LOGIN_LOCKOUT_MINUTES after its last failure; reaching its limit replaces it with a
lock of the same length, during which the caller refuses without checking anything.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class Limit:
    """How many failures a scope ("login-user", "login-ip", …) allows before a lockout."""

    scope: str
    max_failures: int
    window_seconds: int


def _key(kind: str, limit: Limit, identity: str) -> str:
    # Hashed: a username may hold characters some cache backends refuse in keys, and the
    # cache then holds no usernames or addresses in clear.
    digest = hashlib.sha256(identity.strip().lower().encode()).hexdigest()
    return f"people:{kind}:{limit.scope}:{digest}"


def locked_for(limit: Limit, identity: str) -> int:
    """Return the seconds left of the lockout of identity, or 0 when it is not locked out."""
    unlock_at = cache.get(_key("lock", limit, identity))
    if unlock_at is None:
        return 0
    return max(0, math.ceil(unlock_at - time.time()))


def record_failure(limit: Limit, identity: str) -> bool:
    """Count one failure; return True when it started a lockout."""
    key = _key("failures", limit, identity)
    # add + incr is atomic on Redis, so parallel guesses cannot overwrite each other's count.
    cache.add(key, 0, timeout=limit.window_seconds)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=limit.window_seconds)
        failures = 1
    # The file cache's incr resets the timeout to the cache default: put the window back.
    cache.touch(key, timeout=limit.window_seconds)
    if failures < limit.max_failures:
        return False
    cache.set(
        _key("lock", limit, identity),
        time.time() + limit.window_seconds,
        timeout=limit.window_seconds,
    )
    cache.delete(key)
    return True


def clear_failures(limit: Limit, identity: str) -> None:
    """Forget the failures counted for identity (not a running lockout)."""
    cache.delete(_key("failures", limit, identity))


def minutes(seconds: int) -> int:
    """Return seconds rounded up to whole minutes, at least one."""
    return max(1, math.ceil(seconds / 60))


def client_ip(request: HttpRequest) -> str:
    """Return the address of the client, as seen by the TLS proxy when BEHIND_PROXY is set."""
    if settings.BEHIND_PROXY:
        # The proxy appends the address it saw, so the last entry is the one to trust; the
        # earlier ones are whatever the client chose to send.
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
