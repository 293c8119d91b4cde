"""Write a user's trades, transfers or current holdings as CSV to stdout."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from portfolio import history_csv
from portfolio.history_selectors import holdings_of, trades_of, transfers_of

EXIT_UNKNOWN_USER = 2

# Each kind's rows come from the same functions as the web exports, so both agree.
KINDS = {
    "trades": lambda user: history_csv.trade_rows(trades_of(user)),
    "transfers": lambda user: history_csv.transfer_rows(transfers_of(user)),
    "holdings": lambda user: history_csv.holding_rows(holdings_of(user)),
}


class Command(BaseCommand):
    help = (
        "Write a user's trades, deposits and withdrawals (transfers) or current balances "
        "(holdings) as CSV to stdout: exact amounts, ISO 8601 UTC times. Exit 2 for an "
        "unknown user."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, help="username of the owner")
        parser.add_argument("--kind", required=True, choices=sorted(KINDS))

    def handle(self, *args, user: str, kind: str, **options) -> None:
        owner = get_user_model().objects.filter(username=user).first()
        if owner is None:
            self.stderr.write(f"No user named {user!r}; nothing was exported.")
            sys.exit(EXIT_UNKNOWN_USER)
        for line in history_csv.csv_lines(KINDS[kind](owner)):
            # csv already ends each line with CRLF; OutputWrapper must not add another.
            self.stdout.write(line, ending="")
