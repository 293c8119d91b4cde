"""Writes of the sync: each page's rows and its cursor in one transaction, balances, snapshots.

Counting new rows reads the existing ids first (one query per page) and inserts with
ignore_conflicts, so a concurrent or repeated insert never fails and never duplicates.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal, localcontext

from django.db import transaction
from django.utils import timezone

from exchanges.models import ExchangeAccount
from exchanges.sync.models import (
    Balance,
    BalanceSnapshot,
    SyncCursor,
    TrackedMarket,
    Trade,
    Transfer,
)
from exchanges.sync.records import EXACT_DIGITS, BalanceRecord, TradeRecord, TransferRecord


def load_position(account: ExchangeAccount, stream: str, market: str | None) -> dict:
    """Return the stored cursor of a stream (and market), empty when it never ran."""
    cursor = SyncCursor.objects.filter(account=account, stream=stream, market=market or "").first()
    return dict(cursor.position) if cursor else {}


def _save_position(
    account: ExchangeAccount, stream: str, market: str | None, position: dict
) -> None:
    SyncCursor.objects.update_or_create(
        account=account, stream=stream, market=market or "", defaults={"position": position}
    )


def _store_trades(account: ExchangeAccount, records: list[TradeRecord]) -> int:
    keys = {(r.market, r.trade_id) for r in records}
    existing = set(
        Trade.objects.filter(
            account=account,
            market__in={m for m, _ in keys},
            trade_id__in={t for _, t in keys},
        ).values_list("market", "trade_id")
    )
    new, seen = [], set()
    for r in records:
        key = (r.market, r.trade_id)
        if key in existing or key in seen:
            continue
        seen.add(key)
        new.append(
            Trade(
                account=account,
                trade_id=r.trade_id,
                order_id=r.order_id,
                market=r.market,
                base=r.base,
                quote=r.quote,
                side=r.side,
                price=r.price,
                amount=r.amount,
                cost=r.cost,
                fee=r.fee,
                fee_currency=r.fee_currency,
                taker_or_maker=r.taker_or_maker,
                timestamp=r.timestamp,
                raw=r.raw,
            )
        )
    Trade.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


_TRANSFER_FIELDS = ("amount", "fee", "fee_currency", "network", "txid", "status", "raw")


def _store_transfers(account: ExchangeAccount, records: list[TransferRecord]) -> int:
    by_key = {(r.kind, r.transfer_id): r for r in records}
    existing = {
        (t.kind, t.transfer_id): t
        for t in Transfer.objects.filter(
            account=account,
            kind__in={k for k, _ in by_key},
            transfer_id__in={i for _, i in by_key},
        )
    }
    now = timezone.now()
    new, changed = [], []
    for key, r in by_key.items():
        row = existing.get(key)
        if row is None:
            new.append(
                Transfer(
                    account=account,
                    kind=r.kind,
                    transfer_id=r.transfer_id,
                    asset=r.asset,
                    timestamp=r.timestamp,
                    updated_at=now,
                    **{f: getattr(r, f) for f in _TRANSFER_FIELDS},
                )
            )
        elif any(getattr(row, f) != getattr(r, f) for f in _TRANSFER_FIELDS if f != "raw"):
            # A pending deposit or withdrawal that completed (or failed): updated in place.
            for f in _TRANSFER_FIELDS:
                setattr(row, f, getattr(r, f))
            row.updated_at = now
            changed.append(row)
    Transfer.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        Transfer.objects.bulk_update(changed, [*_TRANSFER_FIELDS, "updated_at"])
    return len(new)


def store_page(
    account: ExchangeAccount, stream: str, market: str | None, records: list, position: dict
) -> int:
    """Store a page's records and the cursor after them atomically; return how many were new."""
    trades = [r for r in records if isinstance(r, TradeRecord)]
    transfers = [r for r in records if isinstance(r, TransferRecord)]
    with transaction.atomic():
        added = _store_trades(account, trades) if trades else 0
        added += _store_transfers(account, transfers) if transfers else 0
        _save_position(account, stream, market, position)
    return added


def store_balances(
    account: ExchangeAccount,
    records: list[BalanceRecord],
    account_types: list[str],
    day: date | None = None,
) -> int:
    """Replace the account's balances of the fetched types and store today's snapshot."""
    now = timezone.now()
    day = day or now.date()
    with transaction.atomic():
        Balance.objects.filter(account=account, account_type__in=account_types).delete()
        Balance.objects.bulk_create(
            Balance(
                account=account,
                account_type=r.account_type,
                asset=r.asset,
                free=r.free,
                used=r.used,
                total=r.total,
                updated_at=now,
            )
            for r in records
        )
        totals: dict[str, Decimal] = defaultdict(Decimal)
        with localcontext(prec=EXACT_DIGITS):  # the default 28 digits would round the sums
            for balance in Balance.objects.filter(account=account):
                totals[balance.asset] += balance.total
        BalanceSnapshot.objects.filter(account=account, day=day).delete()
        BalanceSnapshot.objects.bulk_create(
            BalanceSnapshot(account=account, day=day, asset=asset, total=total, taken_at=now)
            for asset, total in totals.items()
        )
    return len(records)


def assets_seen(account: ExchangeAccount) -> set[str]:
    """Return every asset ever seen on the account: balances, snapshots, transfers, trades."""
    assets = set(Balance.objects.filter(account=account).values_list("asset", flat=True))
    assets |= set(
        BalanceSnapshot.objects.filter(account=account).values_list("asset", flat=True).distinct()
    )
    # order_by() drops Meta.ordering, whose columns would join the SELECT and defeat DISTINCT:
    # every trade of the history would be read, on every sync.
    transfers = Transfer.objects.filter(account=account).order_by()
    trades = Trade.objects.filter(account=account).order_by()
    assets |= set(transfers.values_list("asset", flat=True).distinct())
    assets |= set(trades.values_list("base", flat=True).distinct())
    assets |= set(trades.values_list("quote", flat=True).distinct())
    return assets


def tracked_markets(account: ExchangeAccount) -> set[str]:
    """Return the markets the owner asked to sync."""
    return set(TrackedMarket.objects.filter(account=account).values_list("market", flat=True))


_KIND_OF_STREAM = {"deposits": Transfer.Kind.DEPOSIT, "withdrawals": Transfer.Kind.WITHDRAWAL}


def oldest_pending_ms(account: ExchangeAccount, stream: str) -> int | None:
    """Return the timestamp (ms) of the stream's oldest pending transfer, if any."""
    kind = _KIND_OF_STREAM.get(stream)
    if kind is None:
        return None
    oldest = (
        Transfer.objects.filter(account=account, kind=kind, status="pending")
        .order_by("timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )
    return int(oldest.timestamp() * 1000) if oldest else None
