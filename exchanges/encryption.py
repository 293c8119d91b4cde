"""Encrypt stored exchange credentials with Fernet keys that are never kept in the database.

Keys come from CREDENTIALS_KEYS (or the file named by CREDENTIALS_KEYS_FILE): Fernet keys
separated by commas or newlines. The first encrypts; every one decrypts, so a key can be
changed without downtime:

    CREDENTIALS_KEYS="NEW,OLD"  then  manage.py rotate_credentials_key  then  CREDENTIALS_KEYS="NEW"

With no key configured (the embedded default) one is generated on first use into
DATA_DIR/credentials.key. It then sits beside the database, so a copy of DATA_DIR is enough to
read every secret: back the file up on its own, or move its contents into CREDENTIALS_KEYS(_FILE)
and delete it. CREDENTIALS_KEY_AUTOGENERATE=false forbids the generated key altogether.
"""

import json
import logging
import os
import re
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from exchanges.credentials import Credentials
from portfolio.config import ConfigError

logger = logging.getLogger(__name__)

GENERATED_KEY_FILE = "credentials.key"
NEW_KEY_COMMAND = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
# A racing process may have created the key file and not written it yet: wait this long.
_KEY_FILE_WAIT_SECONDS = 2.0
_SETTINGS_THAT_CHANGE_KEYS = {"CREDENTIALS_KEYS", "CREDENTIALS_KEY_AUTOGENERATE", "DATA_DIR"}


class CredentialsUnreadable(Exception):
    """Stored credentials that none of the configured keys decrypts."""

    def __init__(self) -> None:
        super().__init__(
            "stored credentials cannot be decrypted with the configured CREDENTIALS_KEYS "
            "(was a key removed before rotate_credentials_key ran?)"
        )


def split_keys(raw: str | Sequence[str] | None) -> list[str]:
    """Return the keys in a comma/newline separated string (or a list, as tests set it)."""
    items = re.split(r"[\s,]+", raw or "") if isinstance(raw, str | None) else raw
    return [item.strip() for item in items if item and item.strip()]


def configured_keys() -> list[str]:
    """Return the keys from the CREDENTIALS_KEYS setting, first (encrypting) key first."""
    return split_keys(getattr(settings, "CREDENTIALS_KEYS", ""))


def invalid_key_positions(keys: Sequence[str]) -> list[int]:
    """Return the 1-based positions of entries that are not Fernet keys (never the keys)."""
    invalid = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            invalid.append(position)
    return invalid


def generated_key_path() -> Path:
    """Return where the embedded default key is generated: DATA_DIR/credentials.key."""
    return Path(settings.DATA_DIR) / GENERATED_KEY_FILE


def read_key_file(path: Path) -> list[str]:
    """Return the keys in a key file, one per line."""
    return split_keys(path.read_text())


def _create_key_file(path: Path) -> None:
    """Write a new key to path, readable by its owner only, unless path already exists."""
    try:
        # O_EXCL: of two processes starting together exactly one creates the key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as key_file:
        key_file.write(Fernet.generate_key() + b"\n")
        key_file.flush()
        os.fsync(key_file.fileno())
    logger.warning(
        "Generated the credentials encryption key in %s. It lives beside the database: "
        "anyone with a copy of both can read the exchange secrets, and losing it makes them "
        "unreadable. Back it up separately, or move it into CREDENTIALS_KEYS or "
        "CREDENTIALS_KEYS_FILE and delete the file.",
        path,
    )


def _generated_keys() -> list[str]:
    """Return the keys of the embedded default key file, creating it on first use."""
    path = generated_key_path()
    try:
        if not path.exists():
            _create_key_file(path)
        deadline = time.monotonic() + _KEY_FILE_WAIT_SECONDS
        while not (keys := read_key_file(path)) and time.monotonic() < deadline:
            time.sleep(0.05)
    except OSError as exc:
        raise ConfigError(
            f"the credentials key file {path} cannot be created or read ({exc.strerror}); "
            "set CREDENTIALS_KEYS instead"
        ) from None
    if not keys:
        raise ConfigError(f"the credentials key file {path} is empty; restore it from a backup")
    return keys


@cache
def _multi_fernet() -> MultiFernet:
    """Return the MultiFernet of the configured keys (cached until a key setting changes)."""
    keys, source = configured_keys(), "CREDENTIALS_KEYS"
    if not keys:
        if not settings.CREDENTIALS_KEY_AUTOGENERATE:
            raise ConfigError(
                "CREDENTIALS_KEYS is not set and CREDENTIALS_KEY_AUTOGENERATE is off: "
                f"make a key with {NEW_KEY_COMMAND} and put it in CREDENTIALS_KEYS."
            )
        keys = _generated_keys()
        source = f"{generated_key_path()} (used because CREDENTIALS_KEYS is not set)"
    invalid = invalid_key_positions(keys)
    if invalid:
        raise ConfigError(
            f"{source}: entry {', '.join(map(str, invalid))} is not a valid Fernet key "
            f"(32 url-safe base64-encoded bytes); make one with {NEW_KEY_COMMAND}"
        )
    return MultiFernet([Fernet(key) for key in keys])


@receiver(setting_changed)
def _forget_cached_keys(*, setting: str, **kwargs) -> None:
    """Drop the cached keys when a test overrides a setting they are derived from."""
    if setting in _SETTINGS_THAT_CHANGE_KEYS:
        _multi_fernet.cache_clear()


def encrypt_credentials(credentials: Credentials) -> str:
    """Return a token holding credentials as JSON, encrypted with the first key."""
    payload = json.dumps(credentials.to_dict(), separators=(",", ":")).encode()
    return _multi_fernet().encrypt(payload).decode("ascii")


def decrypt_credentials(token: str) -> Credentials:
    """Return the credentials in a token made by encrypt_credentials, with any configured key."""
    try:
        payload = _multi_fernet().decrypt(token)
    except (InvalidToken, ValueError, TypeError):
        raise CredentialsUnreadable from None
    return Credentials(**json.loads(payload))


def reencrypt(token: str) -> str:
    """Return token re-encrypted with the first key (it may have been made with any key)."""
    try:
        return _multi_fernet().rotate(token).decode("ascii")
    except (InvalidToken, ValueError, TypeError):
        raise CredentialsUnreadable from None
