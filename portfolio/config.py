"""Return configuration values from the environment, with Docker-secret style `*_FILE` support.

Kept apart from settings.py so the same helpers serve settings, the start command and checks.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

# Seconds PostgreSQL may take to accept a connection (override with ?connect_timeout=N).
DATABASE_CONNECT_TIMEOUT = 10

# Run on each new connection of the embedded SQLite database.
SQLITE_PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"


class ConfigError(ImproperlyConfigured):
    """A configuration mistake a person can fix; printed as one line, never a traceback."""


def env_value(name: str, default: str | None = None) -> str | None:
    """Return NAME from the environment, or the contents of the file named by NAME_FILE."""
    value = os.environ.get(name)
    if value:
        return value
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file_name} cannot be read: {exc.strerror}") from exc
    return default


def read_database_url(env: environ.Env, data_dir: Path) -> dict:
    """Return the DATABASES['default'] entry: DATABASE_URL if set, else SQLite in data_dir."""
    url = env_value("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(data_dir / "porthole.sqlite3"),
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                # WAL: the web process reads while the worker writes; NORMAL: a commit waits
                # for no fsync (one per checkpoint instead), still atomic and never corrupt.
                "init_command": SQLITE_PRAGMAS,
            },
        }
    try:
        scheme = urlsplit(url).scheme
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise ConfigError(f"DATABASE_URL cannot be parsed: {exc}") from exc
    if scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ConfigError(
            f"DATABASE_URL has the scheme {scheme or '(none)'!r}; "
            "use postgres://USER:PASSWORD@HOST:PORT/NAME (or leave it unset for SQLite)."
        )
    try:
        config = env.db_url_config(url)
    except Exception as exc:  # django-environ raises several types for a malformed URL
        raise ConfigError(f"DATABASE_URL cannot be parsed: {exc.__class__.__name__}") from exc
    if scheme != "sqlite" and not config.get("NAME"):
        raise ConfigError("DATABASE_URL names no database: add /NAME at its end.")
    if scheme != "sqlite":
        # A host that never answers fails in seconds instead of hanging start and /healthz.
        config.setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    config.setdefault("CONN_MAX_AGE", 60)
    config["CONN_HEALTH_CHECKS"] = True
    return config


def read_redis_url() -> str | None:
    """Return REDIS_URL (broker and cache), checked for a redis scheme; None for embedded."""
    url = env_value("REDIS_URL")
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        scheme = ""
    if scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError("REDIS_URL must look like redis://HOST:6379/0 (or be unset).")
    return url
