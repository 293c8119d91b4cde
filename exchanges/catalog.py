"""The supported exchanges: the one list the connect page, the admin and the docs read."""

from dataclasses import dataclass
from functools import cache

from exchanges.client import required_credential_fields
from exchanges.keyhelp import KeyHelp
from exchanges.scopes import INSPECTORS, inspector

# Exchanges people ask for that publish no way to read a key's permissions: refused, with why.
UNVERIFIABLE: dict[str, str] = {
    "binanceus": "Binance.US",
    "bitstamp": "Bitstamp",
    "cryptocom": "Crypto.com Exchange",
    "bitvavo": "Bitvavo",
    "onetrading": "One Trading (Bitpanda)",
    "poloniex": "Poloniex",
}


@dataclass(frozen=True)
class ExchangeInfo:
    id: str
    name: str
    verifiable: bool
    help: KeyHelp | None
    credential_fields: tuple[str, ...]


@cache
def supported_exchanges() -> tuple[ExchangeInfo, ...]:
    """Return every exchange whose keys Porthole can verify, by name."""
    infos = []
    for exchange_id in INSPECTORS:
        module = inspector(exchange_id)
        infos.append(
            ExchangeInfo(
                id=exchange_id,
                name=module.NAME,
                verifiable=True,
                help=module.HELP,
                credential_fields=tuple(required_credential_fields(exchange_id)),
            )
        )
    return tuple(sorted(infos, key=lambda info: info.name.lower()))


@cache
def unverifiable_exchanges() -> tuple[ExchangeInfo, ...]:
    """Return the exchanges Porthole knows of but refuses keys for."""
    return tuple(
        ExchangeInfo(id=i, name=name, verifiable=False, help=None, credential_fields=())
        for i, name in sorted(UNVERIFIABLE.items(), key=lambda item: item[1].lower())
    )


def get_exchange(exchange_id: str) -> ExchangeInfo | None:
    """Return the catalog entry for an exchange id, supported or not, or None."""
    for info in supported_exchanges() + unverifiable_exchanges():
        if info.id == exchange_id:
            return info
    return None


def exchange_name(exchange_id: str) -> str:
    """Return an exchange's display name ("Kraken" for "kraken"), or its id if unknown."""
    info = get_exchange(exchange_id)
    return info.name if info else exchange_id


def exchange_choices() -> list[tuple[str, str]]:
    """Return (id, name) pairs of the supported exchanges, for forms and admin filters."""
    return [(info.id, info.name) for info in supported_exchanges()]
