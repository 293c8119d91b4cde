"""Re-encrypt every stored credential with the first key in CREDENTIALS_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exchanges.accounts import api_key_hash
from exchanges.encryption import CredentialsUnreadable, decrypt_credentials, reencrypt
from exchanges.models import ExchangeAccount
from portfolio.config import ConfigError


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored exchange credential with the first key in CREDENTIALS_KEYS. "
        'Set CREDENTIALS_KEYS="NEW,OLD", run this, then drop OLD. It also recomputes the key '
        "hashes, so run it after changing SECRET_KEY too."
    )

    def handle(self, *args, **options) -> None:
        try:
            count = self.rotate_all()
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {count} credential(s) with the first key in CREDENTIALS_KEYS."
            )
        )

    @staticmethod
    def rotate_all() -> int:
        """Return how many accounts were re-encrypted; change none unless all can be."""
        unreadable = []
        count = 0
        with transaction.atomic():
            accounts = ExchangeAccount.objects.select_for_update().order_by("pk")
            for account in accounts.only("pk", "encrypted_credentials", "key_hash"):
                try:
                    token = reencrypt(account.encrypted_credentials)
                    api_key = decrypt_credentials(token).api_key
                except CredentialsUnreadable:
                    unreadable.append(str(account.pk))
                    continue
                account.encrypted_credentials = token
                account.key_hash = api_key_hash(api_key)
                account.save(update_fields=["encrypted_credentials", "key_hash"])
                count += 1
            if unreadable:
                # Raising inside the block rolls every account back: all or nothing.
                raise CommandError(
                    f"No key in CREDENTIALS_KEYS decrypts account(s) {', '.join(unreadable)}; "
                    "nothing was changed. Keep the old key in CREDENTIALS_KEYS, after the new "
                    "one, until this command has run."
                )
        return count
