"""API credentials in memory: a value that cannot print, pickle or serialise its secrets.

Plaintext credentials exist only between exchanges.accounts.load_credentials() and the ccxt
boundary. Everything a person or a log may see uses fingerprint() of the public key instead.
"""

from dataclasses import dataclass, field
from typing import Any, NoReturn

# Keys shorter than this would be mostly revealed by four characters at each end.
_FINGERPRINT_MIN_LENGTH = 16
_CCXT_NAMES = {"api_key": "apiKey", "secret": "secret", "password": "password", "uid": "uid"}


def fingerprint(api_key: str) -> str:
    """Return the public key shortened to its first and last four characters ("AbCd…wXyZ")."""
    api_key = api_key or ""
    if len(api_key) < _FINGERPRINT_MIN_LENGTH:
        return "…"
    return f"{api_key[:4]}…{api_key[-4:]}"


@dataclass(frozen=True)
class Credentials:
    """An exchange API key with its secret parts; repr() and str() show only the fingerprint."""

    # repr=False on every field is belt and braces: __repr__ below is the one that is used.
    api_key: str = field(repr=False)
    secret: str = field(repr=False)
    password: str = field(default="", repr=False)
    uid: str = field(default="", repr=False)

    @property
    def fingerprint(self) -> str:
        """Return the fingerprint of the public key, the only part ever shown."""
        return fingerprint(self.api_key)

    def to_ccxt_config(self) -> dict[str, str]:
        """Return the non-empty fields under ccxt's config names (apiKey, secret, …)."""
        return {
            ccxt_name: getattr(self, name)
            for name, ccxt_name in _CCXT_NAMES.items()
            if getattr(self, name)
        }

    def to_dict(self) -> dict[str, str]:
        """Return every field by name, for exchanges.encryption to serialise before encrypting."""
        return {name: getattr(self, name) for name in _CCXT_NAMES}

    def __repr__(self) -> str:
        return f"Credentials(api_key={self.fingerprint!r}, secret=<hidden>)"

    def __str__(self) -> str:
        return self.fingerprint

    # A pickled or copied value could end up in a Celery message, a cache or a session.
    # Tasks take an account id and load the credentials themselves; there is no other way.
    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise TypeError("Credentials cannot be pickled; pass the account id instead")

    def __json__(self) -> NoReturn:  # kombu's JSON encoder would call this
        raise TypeError("Credentials cannot be serialised; pass the account id instead")

    def __copy__(self) -> "Credentials":
        return self  # immutable: a copy is the same value, and copy must not go through pickle

    def __deepcopy__(self, memo: dict) -> "Credentials":
        return self
