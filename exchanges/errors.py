"""Porthole's own exchange errors: what the rest of the code sees instead of ccxt's.

Every message here is written for the account owner. None may contain an exchange's raw
answer, a URL or a credential: ccxt's own messages include URLs and bodies, so they stay inside
the client boundary.
"""


class ExchangeProblem(Exception):
    """Base class. `transient` problems are worth retrying later; the others need a person."""

    transient = False
    default_message = "The exchange could not be asked."

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class ForbiddenCall(ExchangeProblem):
    """Porthole refused, before sending anything, a call that is not a reviewed read."""

    default_message = "Porthole only reads; this call was refused before it was sent."


class AuthenticationFailed(ExchangeProblem):
    default_message = (
        "The exchange did not accept this API key: check the key, the secret and the "
        "passphrase, that the key has not expired or been deleted, and, if the key is "
        "restricted to IP addresses, that this server's address is on its list."
    )


class KeyPermissionDenied(AuthenticationFailed):
    default_message = (
        "The exchange refused to tell Porthole what this key may do. Give the key read "
        "permission (and, if restricted to IP addresses, add this server's address)."
    )


class ExchangeUnreachable(ExchangeProblem):
    transient = True
    default_message = "The exchange could not be reached (network error or timeout). Try again."


class ExchangeUnavailable(ExchangeProblem):
    transient = True
    default_message = "The exchange is unavailable right now (maintenance or outage). Try later."


class RateLimited(ExchangeProblem):
    transient = True
    default_message = "The exchange asked Porthole to slow down. It will try again later."

    def __init__(self, message: str | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class MalformedAnswer(ExchangeProblem):
    default_message = "The exchange answered in a form Porthole does not understand."


class ExchangeRejected(ExchangeProblem):
    default_message = "The exchange rejected the request."


class Unverifiable(ExchangeProblem):
    """The key's scope cannot be established, so it is refused (fail closed)."""

    default_message = "Porthole could not confirm that this key is read-only, so it refused it."
