"""Put credentials on an account and take them off again: the only path to encrypted_credentials.

load_credentials() is for the ccxt boundary alone (the client and the tasks that open it);
views, templates and the admin work with the fingerprint.
"""

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.crypto import salted_hmac

from exchanges.credentials import Credentials
from exchanges.encryption import decrypt_credentials, encrypt_credentials

if TYPE_CHECKING:
    from exchanges.models import ExchangeAccount

# Separates this HMAC from every other use of SECRET_KEY.
_KEY_HASH_SALT = "porthole.exchanges.api-key-hash"


def api_key_hash(api_key: str) -> str:
    """Return an HMAC-SHA256 of the public API key, keyed by SECRET_KEY, to spot duplicates."""
    return salted_hmac(_KEY_HASH_SALT, api_key, algorithm="sha256").hexdigest()


def store_credentials(account: "ExchangeAccount", credentials: Credentials) -> None:
    """Set account's encrypted credentials, fingerprint, key hash and key date (not saved)."""
    account.encrypted_credentials = encrypt_credentials(credentials)
    account.key_fingerprint = credentials.fingerprint
    account.key_hash = api_key_hash(credentials.api_key)
    account.key_added_at = timezone.now()


def load_credentials(account: "ExchangeAccount") -> Credentials:
    """Return account's decrypted credentials; raise CredentialsUnreadable on a wrong key."""
    return decrypt_credentials(account.encrypted_credentials)
