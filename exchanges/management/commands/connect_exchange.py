"""Connect an exchange account from the shell: secrets from the environment or a prompt."""

import getpass
import os
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.views.decorators.debug import sensitive_variables

from exchanges import services
from exchanges.catalog import get_exchange
from exchanges.credentials import Credentials
from exchanges.errors import ExchangeProblem
from exchanges.forms import FIELD_LABELS

# Never argv: command lines are visible to every user of the machine and kept in shell history.
ENV_NAMES = {
    "api_key": "EXCHANGE_API_KEY",
    "secret": "EXCHANGE_API_SECRET",
    "password": "EXCHANGE_API_PASSWORD",
    "uid": "EXCHANGE_API_UID",
}
EXIT_ACCEPTED, EXIT_REFUSED, EXIT_ERROR = 0, 1, 2


class Command(BaseCommand):
    help = (
        "Verify a read-only API key with the exchange and connect it. Secrets are read from "
        "EXCHANGE_API_KEY, EXCHANGE_API_SECRET, EXCHANGE_API_PASSWORD, EXCHANGE_API_UID or "
        "prompted for. Exit 0 accepted (prints the account id), 1 refused, 2 error."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="username of the owner")
        parser.add_argument("--exchange", required=True, help="ccxt exchange id, e.g. binance")
        parser.add_argument("--label", required=True)

    @sensitive_variables("values", "credentials")
    def handle(self, *args, user: str, exchange: str, label: str, **options) -> None:
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            self._fail(EXIT_ERROR, f"No user named {user!r}.")
        info = get_exchange(exchange)
        if info is None:
            self._fail(EXIT_ERROR, f"Unknown exchange {exchange!r}.")
        fields = info.credential_fields or ("api_key", "secret")
        values = {name: self._read_secret(name, info) for name in fields}
        try:
            account = services.connect_account(
                owner=owner, exchange_id=info.id, label=label, credentials=Credentials(**values)
            )
        except services.KeyRefused as refused:
            self.stderr.write("Refused; nothing was stored:")
            for reason in refused.reasons:
                self.stderr.write(f"  - {reason}")
            sys.exit(EXIT_REFUSED)
        except ExchangeProblem as problem:
            self._fail(
                EXIT_ERROR, f"Could not check the key; nothing was stored. {problem.message}"
            )
        self.stdout.write(str(account.pk))
        self.stderr.write(
            f"Connected {info.name} account {label!r} (key {account.key_fingerprint})."
        )

    def _read_secret(self, name: str, info) -> str:
        value = os.environ.get(ENV_NAMES[name], "")
        if value:
            return value.strip()
        if not sys.stdin or not sys.stdin.isatty():
            self._fail(EXIT_ERROR, f"{ENV_NAMES[name]} is not set and there is no terminal to ask.")
        label = FIELD_LABELS[name]
        if name == "password" and info.help and info.help.passphrase:
            label = info.help.passphrase
        return getpass.getpass(f"{info.name} {label}: ").strip()

    def _fail(self, code: int, message: str) -> None:
        self.stderr.write(message)
        sys.exit(code)
