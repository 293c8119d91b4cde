"""Sync accounts in the foreground with a progress line; exit 1 if any failed."""

import sys

from django.core.management.base import BaseCommand

from exchanges.errors import ExchangeProblem
from exchanges.models import ExchangeAccount
from exchanges.sync.engine import SyncInProgress, sync_account
from exchanges.sync.models import SyncRun


class Command(BaseCommand):
    help = "Sync every active account now (or --account ID …), showing progress."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--account", type=int, action="append", dest="accounts")

    def handle(self, *args, accounts: list[int] | None, **options) -> None:
        queryset = ExchangeAccount.objects.exclude(encrypted_credentials="")
        if accounts:
            queryset = queryset.filter(pk__in=accounts)
            missing = set(accounts) - set(queryset.values_list("pk", flat=True))
            for pk in sorted(missing):
                self.stderr.write(f"#{pk}: no such account with a key")
        else:
            queryset = queryset.filter(status=ExchangeAccount.Status.ACTIVE, sync_enabled=True)
        failed = bool(accounts) and bool(missing)
        for account in queryset.order_by("pk"):
            name = f"#{account.pk} {account.label} ({account.exchange_id})"
            try:
                run = sync_account(account.pk, progress=self._progress(name))
            except SyncInProgress:
                self._line(f"{name}: already syncing in a worker", end="\n")
                continue
            except ExchangeProblem as problem:
                failed = True
                self._line(f"{name}: will retry later: {problem.message}", end="\n")
                continue
            counts = ", ".join(
                f"{n} new {k}" for k, n in run.counts.items() if k != "balances" and n
            )
            if run.status == SyncRun.Status.SUCCEEDED:
                self._line(
                    self.style.SUCCESS(
                        f"{name}: done ({counts or 'nothing new'}, {run.requests} requests)"
                    ),
                    end="\n",
                )
            else:
                failed = True
                self._line(
                    self.style.ERROR(f"{name}: {run.get_status_display()}: {run.message}"), end="\n"
                )
        if failed:
            sys.exit(1)

    def _progress(self, name: str):
        def show(text: str, done: int, total: int) -> None:
            bar = ""
            if total:
                filled = int(20 * done / total)
                bar = "[" + "#" * filled + "." * (20 - filled) + "] "
            self._line(f"{name}: {bar}{text}")

        return show

    def _line(self, text: str, end: str = "") -> None:
        # On a terminal, one line rewritten in place; in a log, only each account's outcome.
        if self.stdout.isatty():
            self.stdout.write("\r\033[K" + text, ending=end)
        elif end:
            self.stdout.write(text)
