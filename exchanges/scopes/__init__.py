"""The read-only guard: ask the exchange what a key may do, per exchange.

Each module here inspects one exchange (or a family sharing an API) and exposes
`inspect(client) -> ScopeReport` and a pure `classify(answer, api_key) -> ScopeReport`.
"""

from importlib import import_module
from types import ModuleType

from exchanges.client import ExchangeClient
from exchanges.credentials import Credentials
from exchanges.errors import Unverifiable
from exchanges.scopes.report import Permission, Scope, ScopeReport

# Exchange id -> module name in this package; the modules are imported on first use.
INSPECTORS: dict[str, str] = {
    "binance": "binance",
    "coinbase": "coinbase",
    "kraken": "kraken",
    "okx": "okx",
    "bybit": "bybit",
    "kucoin": "kucoin",
    "bitget": "bitget",
    "gate": "gate",
    "htx": "htx",
    "gemini": "gemini",
    "bitfinex": "bitfinex",
    "woo": "woo",
    "bingx": "bingx",
    "mexc": "mexc",
}


def has_inspector(exchange_id: str) -> bool:
    """Return whether Porthole can ask this exchange what a key may do."""
    return exchange_id in INSPECTORS


def inspector(exchange_id: str) -> ModuleType:
    """Return the inspector module of a supported exchange (NAME, HELP, inspect, classify)."""
    return import_module(f"exchanges.scopes.{INSPECTORS[exchange_id]}")


def inspect_key(exchange_id: str, credentials: Credentials) -> ScopeReport:
    """Return what the exchange says the key may do; raise an ExchangeProblem if it can't say."""
    if not has_inspector(exchange_id):
        raise Unverifiable(
            "This exchange offers no way to ask what an API key may do, so Porthole cannot "
            "confirm that a key is read-only and does not accept keys for it. "
            "Importing its CSV exports is planned instead."
        )
    module = inspector(exchange_id)
    with ExchangeClient(exchange_id, credentials) as client:
        return module.inspect(client)


__all__ = [
    "INSPECTORS",
    "Permission",
    "Scope",
    "ScopeReport",
    "has_inspector",
    "inspect_key",
    "inspector",
]
