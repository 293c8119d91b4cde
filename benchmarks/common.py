"""What both benchmark scripts need: a throwaway Porthole setup and a few printing helpers."""

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def say(text: str = "") -> None:
    print(text, flush=True)


def setup_django(data_dir: str, extra_env: dict[str, str] | None = None) -> None:
    """Configure Porthole for a benchmark (DEBUG off, plain HTTP) and migrate its database.

    The Celery broker stays in the temporary DATA_DIR: a sync queues a history rebuild, which
    must not reach a real broker (and a real worker) for a user of the benchmark's database.
    """
    from cryptography.fernet import Fernet

    os.environ["DATA_DIR"] = data_dir
    for name in ("REDIS_URL", "REDIS_URL_FILE"):
        os.environ.pop(name, None)
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ.update(
        {
            "DEBUG": "false",  # DEBUG would keep a log of every query
            "LOG_LEVEL": "WARNING",
            "HTTPS": "false",
            "STATIC_MANIFEST": "false",
            # A throwaway encryption key for the benchmark's throwaway API keys.
            "CREDENTIALS_KEYS": Fernet.generate_key().decode(),
            "DJANGO_SETTINGS_MODULE": "portfolio.settings",
            **(extra_env or {}),
        }
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    assert not settings.DEBUG, "DEBUG must be off: it keeps every query in memory"  # noqa: S101
    # The filesystem broker warns on each queued task that it has no hostname.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    call_command("migrate", verbosity=0)


def database_label() -> str:
    """Return which database the benchmark runs on."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if os.environ.get("DATABASE_URL"):
        return f"{db['ENGINE'].rsplit('.', 1)[-1]} from DATABASE_URL"
    return "SQLite in a temporary DATA_DIR"


def load_average() -> str:
    """Return the machine's load averages: other work on it skews every timing."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
