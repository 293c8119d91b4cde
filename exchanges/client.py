"""The ccxt boundary: the only module that talks to ccxt.

Everything outside exchanges/ works with our own types and errors. The client
- refuses, before anything is signed or sent, every request whose endpoint is not on the
  reviewed allow-list (exchanges/endpoints.py), whatever unified method led to it;
- exposes only allow-listed read methods;
- translates ccxt's exceptions into exchanges.errors, dropping their text (it holds URLs and
  raw bodies);
- holds the plaintext credentials only while it is open, and scrubs them on close.
"""

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import ccxt
from ccxt.base.types import Entry
from django.conf import settings

from exchanges import errors, ratelimit
from exchanges.credentials import Credentials
from exchanges.endpoints import READ_METHODS, allowed_endpoints

logger = logging.getLogger(__name__)


class _RequestDetailsFilter(logging.Filter):
    """Drop the request logs of ccxt and urllib3 below WARNING, whatever the configuration.

    ccxt logs every request's headers (API keys, OKX's passphrase) and urllib3 every URL
    (HTX signs its public key into the query string) at DEBUG. Settings keep those loggers
    at WARNING, but a secret must not depend on a log level someone may turn up.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


for _name in ("ccxt.base.exchange", "urllib3.connectionpool"):
    logging.getLogger(_name).addFilter(_RequestDetailsFilter())

_CREDENTIAL_ATTRIBUTES = ("apiKey", "secret", "password", "uid", "privateKey", "walletAddress")
_CCXT_TO_FIELD = {"apiKey": "api_key", "secret": "secret", "password": "password", "uid": "uid"}


def is_known_exchange(exchange_id: str) -> bool:
    """Return whether ccxt has a synchronous client with this id."""
    return exchange_id in ccxt.exchanges


def required_credential_fields(exchange_id: str) -> list[str]:
    """Return the credential fields ccxt requires for this exchange, in our names."""
    # describe() holds the per-exchange values; the class attribute is ccxt's default.
    required = getattr(ccxt, exchange_id)().requiredCredentials
    return [field for key, field in _CCXT_TO_FIELD.items() if required.get(key)]


@cache
def _endpoint_names(exchange_class: type) -> dict[tuple, str]:
    """Return (api, METHOD, path) -> camelCase implicit method name for an exchange class."""
    names: dict[tuple, str] = {}
    for klass in reversed(exchange_class.__mro__):
        for attribute, value in vars(klass).items():
            if isinstance(value, Entry) and "_" not in attribute:
                names[_endpoint_key(value.api, value.method, value.path)] = attribute
    return names


def _endpoint_key(api: Any, method: str, path: str) -> tuple:
    api_parts = tuple(api) if isinstance(api, list | tuple) else (api,)
    return api_parts, str(method).upper(), path


class _ReadOnlyGuard:
    """Mixed in front of a ccxt exchange class: only allow-listed endpoints reach the network."""

    porthole_allowed: frozenset[str] = frozenset()
    porthole_requests = 0  # requests sent, for sync runs and benchmarks
    porthole_last_status: int | None = None  # HTTP status of the last answer
    _porthole_in_request = False

    def fetch2(self, path, api=None, method="GET", params=None, config=None):  # noqa: D102
        api = ["public"] if api is None else api
        name = _endpoint_names(type(self)).get(_endpoint_key(api, method, path))
        if name is None or name not in self.porthole_allowed:
            logger.warning("refused a non-allow-listed call %s on %s", name or path, self.id)
            raise errors.ForbiddenCall()
        if settings.RATE_BUDGETS_ENABLED:
            ratelimit.acquire(self.id)
        self.porthole_requests += 1
        self.porthole_last_status = None
        self._porthole_in_request = True
        try:
            return super().fetch2(path, api, method, params or {}, config or {})
        finally:
            self._porthole_in_request = False

    def fetch(self, url, method="GET", headers=None, body=None):  # noqa: D102
        # Every HTTP request must have come through fetch2's check above.
        if not self._porthole_in_request:
            raise errors.ForbiddenCall()
        return super().fetch(url, method, headers, body)

    def on_rest_response(self, code, *args):  # noqa: D102
        self.porthole_last_status = code
        return super().on_rest_response(code, *args)


@cache
def _guarded_class(exchange_id: str) -> type:
    base = getattr(ccxt, exchange_id)
    return type(f"ReadOnly{base.__name__}", (_ReadOnlyGuard, base), {})


def localize_urls(node: Any, base_url: str) -> Any:
    """Return node (ccxt's urls['api']) with the scheme and host of every URL replaced."""
    if isinstance(node, dict):
        return {key: localize_urls(value, base_url) for key, value in node.items()}
    if isinstance(node, str):
        return re.sub(r"^https?://[^/]+", base_url.rstrip("/"), node)
    return node


@dataclass(frozen=True)
class Market:
    symbol: str
    base: str
    quote: str


class ExchangeClient:
    """An open connection to one exchange with one key; use it as a context manager."""

    def __init__(self, exchange_id: str, credentials: Credentials | None = None):
        if not is_known_exchange(exchange_id):
            raise errors.ExchangeProblem(f"Porthole does not know the exchange {exchange_id!r}.")
        self.exchange_id = exchange_id
        self.public_key = credentials.api_key if credentials else ""
        config: dict[str, Any] = {
            "enableRateLimit": settings.CCXT_RATE_LIMIT,
            "timeout": settings.CCXT_TIMEOUT_MS,
            **(credentials.to_ccxt_config() if credentials else {}),
        }
        exchange = _guarded_class(exchange_id)(config)
        # Amounts stay the exchange's own strings, to become Decimal without passing float.
        exchange.number = str
        exchange.porthole_allowed = allowed_endpoints(exchange_id)
        override = settings.CCXT_URL_OVERRIDES.get(exchange_id)
        if override:
            exchange.urls["api"] = localize_urls(exchange.urls["api"], override)
        self._exchange = exchange

    def __repr__(self) -> str:
        return f"<ExchangeClient {self.exchange_id}>"

    def __enter__(self) -> "ExchangeClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Forget the credentials and close the HTTP session."""
        for attribute in _CREDENTIAL_ATTRIBUTES:
            if hasattr(self._exchange, attribute):
                setattr(self._exchange, attribute, None)
        session = getattr(self._exchange, "session", None)
        if session is not None:
            session.close()

    def call(self, endpoint: str, params: dict | None = None) -> Any:
        """Return the decoded answer of one allow-listed implicit endpoint."""
        if endpoint not in self._exchange.porthole_allowed:
            raise errors.ForbiddenCall()
        with translate_errors(self):
            return getattr(self._exchange, endpoint)(params or {})

    def read(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Return the result of one allow-listed unified read method (fetch_balance, …)."""
        if method not in READ_METHODS:
            raise errors.ForbiddenCall()
        with translate_errors(self):
            return getattr(self._exchange, method)(*args, **kwargs)

    def secret_matches(self, test: Callable[[str], bool]) -> bool:
        """Return test(secret) for the open key (to tell key formats apart) without exposing it."""
        return bool(test(self._exchange.secret or ""))

    @property
    def request_count(self) -> int:
        """Return how many requests this client has sent."""
        return self._exchange.porthole_requests

    def set_options(self, options: dict) -> None:
        """Merge ccxt options (e.g. which market types to load) for this exchange."""
        self._exchange.options = self._exchange.deep_extend(self._exchange.options, options)

    def spot_markets(self) -> list["Market"]:
        """Return the exchange's spot markets (loading them once)."""
        markets = self.read("load_markets")
        return [
            Market(m["symbol"], m["base"], m["quote"])
            for m in markets.values()
            if m.get("spot") and m.get("base") and m.get("quote")
        ]

    @property
    def last_status(self) -> int | None:
        """Return the HTTP status of the last answer (None if none came)."""
        return self._exchange.porthole_last_status

    @property
    def last_response_headers(self) -> dict:
        return dict(self._exchange.last_response_headers or {})

    def has(self, capability: str) -> bool:
        """Return whether ccxt implements a unified capability (e.g. fetchMyTrades)."""
        return bool(self._exchange.has.get(capability))


def _retry_after(client: ExchangeClient) -> float | None:
    for name, value in client.last_response_headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def _rate_limited(client: ExchangeClient) -> errors.RateLimited:
    retry_after = _retry_after(client)
    # Every worker stops asking this exchange, not just this task (a 418 is a ban).
    ratelimit.pause(client.exchange_id, retry_after)
    return errors.RateLimited(retry_after=retry_after)


@contextmanager
def translate_errors(client: ExchangeClient) -> Iterator[None]:
    """Turn ccxt's exceptions into ours. ccxt's text is dropped: it holds URLs and bodies."""
    try:
        yield
    except errors.ExchangeProblem:
        raise
    except (ccxt.RateLimitExceeded, ccxt.DDoSProtection) as exc:
        logger.info("%s: rate limited (%s)", client.exchange_id, exc.__class__.__name__)
        raise _rate_limited(client) from None
    except ccxt.RequestTimeout:
        raise errors.ExchangeUnreachable(
            "The exchange did not answer in time. Try again in a few minutes."
        ) from None
    except (ccxt.OnMaintenance, ccxt.ExchangeNotAvailable):
        if client.last_status == 429:
            # ccxt's okx maps a 429 without OKX's own error code to ExchangeNotAvailable.
            logger.info("%s: rate limited (HTTP 429)", client.exchange_id)
            raise _rate_limited(client) from None
        raise errors.ExchangeUnavailable() from None
    except ccxt.NetworkError:
        raise errors.ExchangeUnreachable() from None
    except ccxt.PermissionDenied:
        raise errors.KeyPermissionDenied() from None
    except ccxt.AuthenticationError:
        raise errors.AuthenticationFailed() from None
    except (ccxt.BadResponse, ccxt.NullResponse):
        raise errors.MalformedAnswer() from None
    except ccxt.BaseError as exc:
        logger.info("%s: exchange error %s", client.exchange_id, exc.__class__.__name__)
        raise errors.ExchangeRejected() from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # ccxt parsing an answer it did not expect.
        logger.info("%s: unparseable answer (%s)", client.exchange_id, exc.__class__.__name__)
        raise errors.MalformedAnswer() from None
