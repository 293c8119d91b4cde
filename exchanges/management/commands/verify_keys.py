"""Ask every exchange again what each stored key may do; suspend keys that gained scope."""

import sys

from django.core.management.base import BaseCommand

from exchanges import services
from exchanges.errors import ExchangeProblem
from exchanges.models import ExchangeAccount


class Command(BaseCommand):
    help = "Re-verify stored keys (all active ones, or --account ID …). Exit 1 if any failed."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--account", type=int, action="append", dest="accounts")

    def handle(self, *args, accounts: list[int] | None, **options) -> None:
        queryset = ExchangeAccount.objects.exclude(encrypted_credentials="")
        queryset = (
            queryset.filter(pk__in=accounts)
            if accounts
            else queryset.filter(status=ExchangeAccount.Status.ACTIVE)
        )
        failed = 0
        for account in queryset.order_by("pk"):
            name = f"#{account.pk} {account.label} ({account.exchange_id})"
            try:
                outcome = services.verify_account(account)
            except ExchangeProblem as problem:
                failed += 1
                self.stdout.write(f"{name}: not checked: {problem.message}")
                continue
            if outcome.suspended:
                failed += 1
                self.stdout.write(self.style.ERROR(f"{name}: SUSPENDED: {outcome.reason}"))
            else:
                self.stdout.write(self.style.SUCCESS(f"{name}: read only"))
        if failed:
            sys.exit(1)
