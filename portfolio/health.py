"""Return the health of each moving part: database, broker, worker and scheduler.

Nothing here may carry a secret: details are exception class names and ages, never URLs.
"""

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from portfolio.models import Heartbeat

# Worker and beat are late once the heartbeat has missed this many intervals.
HEARTBEAT_GRACE_INTERVALS = 3


def check_database() -> dict:
    """Return whether the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure is the answer, not a crash of the health page
        return {"ok": False, "detail": exc.__class__.__name__}
    return {"ok": True, "detail": connection.vendor}


# Seconds a broker check may wait on one socket: a host that accepts but never answers
# must not hang /healthz or the start command's preflight.
BROKER_CHECK_TIMEOUT = 3


def check_broker() -> dict:
    """Return whether the Celery broker accepts a connection."""
    from portfolio.celery import app

    # Ignored by the filesystem transport; bounds the connect and the PING of the Redis one.
    socket_limits = {
        "socket_timeout": BROKER_CHECK_TIMEOUT,
        "socket_connect_timeout": BROKER_CHECK_TIMEOUT,
    }
    try:
        with app.connection_for_write(transport_options=socket_limits) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_CHECK_TIMEOUT)
            transport = conn.transport_cls
    except Exception as exc:
        return {"ok": False, "detail": exc.__class__.__name__}
    return {"ok": True, "detail": str(transport)}


def check_heartbeat(now: datetime | None = None) -> dict:
    """Return whether beat enqueued, and a worker ran, the heartbeat task recently."""
    now = now or timezone.now()
    beat = Heartbeat.objects.filter(name="celery").first()
    if beat is None:
        return {"ok": False, "detail": "no heartbeat yet", "last_seen": None}
    age = (now - beat.last_seen).total_seconds()
    limit = settings.HEARTBEAT_INTERVAL.total_seconds() * HEARTBEAT_GRACE_INTERVALS
    return {
        "ok": age <= limit,
        "detail": f"last heartbeat {int(age)}s ago",
        "last_seen": beat.last_seen.isoformat(),
    }


def health_report() -> dict:
    """Return every check and an overall status: ok, degraded (background late) or failing."""
    checks = {"database": check_database(), "broker": check_broker()}
    heartbeat = check_heartbeat() if checks["database"]["ok"] else {"ok": False, "detail": "n/a"}
    # One heartbeat proves both: only beat enqueues it and only a worker runs it.
    checks["worker"] = heartbeat
    checks["scheduler"] = heartbeat
    if not (checks["database"]["ok"] and checks["broker"]["ok"]):
        status = "failing"
    elif not heartbeat["ok"]:
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, "checks": checks}
