"""System checks for the credentials encryption keys: a bad key must stop the start, loudly."""

import stat

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from exchanges.encryption import (
    NEW_KEY_COMMAND,
    configured_keys,
    generated_key_path,
    invalid_key_positions,
    read_key_file,
)


@register(Tags.security)
def credentials_keys(app_configs, **kwargs) -> list:
    """Return errors for keys that cannot work: invalid, unreadable, or none at all."""
    keys = configured_keys()
    if keys:
        return [
            Error(
                f"CREDENTIALS_KEYS: entry {position} of {len(keys)} is not a valid Fernet key.",
                hint=f"Each key is 32 url-safe base64-encoded bytes; make one with "
                f"{NEW_KEY_COMMAND}",
                id="exchanges.E001",
            )
            for position in invalid_key_positions(keys)
        ]
    if not settings.CREDENTIALS_KEY_AUTOGENERATE:
        return [
            Error(
                "CREDENTIALS_KEYS is not set and CREDENTIALS_KEY_AUTOGENERATE is off, so "
                "exchange credentials can be neither stored nor read.",
                hint=f"Make a key with {NEW_KEY_COMMAND} and put it in CREDENTIALS_KEYS "
                "(or in a file named by CREDENTIALS_KEYS_FILE), the same for every container.",
                id="exchanges.E002",
            )
        ]
    return _generated_key_file_problems()


def _generated_key_file_problems() -> list:
    """Return problems of an existing generated key file (a missing one is made on first use)."""
    path = generated_key_path()
    if not path.exists():
        return []
    try:
        keys = read_key_file(path)
        mode = path.stat().st_mode
    except OSError as exc:
        return [
            Error(
                f"CREDENTIALS_KEYS is not set and the generated key file {path} cannot be "
                f"read ({exc.strerror}).",
                hint="Give the Porthole user read access to it, or set CREDENTIALS_KEYS.",
                id="exchanges.E003",
            )
        ]
    problems = []
    if not keys or invalid_key_positions(keys):
        problems.append(
            Error(
                f"CREDENTIALS_KEYS is not set and the generated key file {path} holds no "
                "valid Fernet key.",
                hint="Restore the file from your backup (stored credentials need the same "
                "key), or set CREDENTIALS_KEYS.",
                id="exchanges.E003",
            )
        )
    if stat.S_IMODE(mode) & 0o077:
        problems.append(
            Warning(
                f"The credentials key file {path} can be read by other users.",
                hint=f"chmod 600 {path}",
                id="exchanges.W001",
            )
        )
    return problems
