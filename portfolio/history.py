"""Daily holdings of one account, worked backwards from its balances: pure functions.

Going back in time from the current balances, each day's movements are undone: a buy added
its amount of the base asset and took its cost in the quote asset, a sell the reverse; a fee
took its amount of the fee currency (a third asset such as BNB included); a deposit added its
amount and a withdrawal took its amount, plus its fee when charged in the same asset.

Real data wins: a day with a balance snapshot (the last sync of that day) takes the snapshot,
and the reconstruction carries on backwards from it. When the reconstruction disagrees with
the snapshot, that day's holding is flagged: some history before it is missing or wrong.

A transfer between two of the user's own accounts is a withdrawal on one and a deposit on the
other; each account undoes its own side, so the person's total only moves by the fee.

Days are UTC days, like the exchanges' daily candles and the sync's snapshots.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Context, Decimal

# Sums of 48-digit amounts must not round (Decimal's default keeps 28 digits).
_MATH = Context(prec=100)
ZERO = Decimal(0)
DAY = timedelta(days=1)

SNAPSHOT = "snapshot"
RECONSTRUCTED = "reconstructed"

# Which transfers moved the balance: a deposit once credited; a withdrawal as soon as it was
# requested (the exchange takes the funds then), unless it failed or was canceled.
_COUNTED = {"deposit": frozenset({"ok"}), "withdrawal": frozenset({"ok", "pending"})}


@dataclass(frozen=True)
class Movement:
    """What one trade, deposit or withdrawal did to an account's balances, and when."""

    at: datetime
    changes: Mapping[str, Decimal] = field(hash=False)


@dataclass(frozen=True)
class Snapshot:
    """An account's totals per asset as a sync saw them, the last time on `day`."""

    day: date
    taken_at: datetime
    totals: Mapping[str, Decimal] = field(hash=False)


@dataclass(frozen=True)
class DayHolding:
    """What an account held of one asset at the end of one day."""

    day: date
    asset: str
    amount: Decimal
    source: str  # SNAPSHOT or RECONSTRUCTED
    flagged: bool = False


def utc_day(moment: datetime) -> date:
    """Return the UTC day a moment falls on."""
    return moment.astimezone(UTC).date()


def _changes(*pairs: tuple[str, Decimal | None]) -> dict[str, Decimal]:
    changes: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for asset, amount in pairs:
        if asset and amount:
            changes[asset] = _MATH.add(changes[asset], amount)
    return {asset: amount for asset, amount in changes.items() if amount}


def trade_movement(
    *,
    side: str,
    base: str,
    quote: str,
    amount: Decimal,
    cost: Decimal,
    fee: Decimal | None,
    fee_currency: str,
    at: datetime,
) -> Movement:
    """Return a trade's movement: a buy adds base and takes cost in quote, a sell the reverse."""
    bought = side == "buy"
    return Movement(
        at,
        _changes(
            (base, amount if bought else _MATH.minus(amount)),
            (quote, _MATH.minus(cost) if bought else cost),
            (fee_currency, _MATH.minus(fee) if fee else None),
        ),
    )


def deposit_movement(*, asset: str, amount: Decimal, at: datetime) -> Movement:
    """Return a deposit's movement: the amount arrives."""
    return Movement(at, _changes((asset, amount)))


def withdrawal_movement(
    *, asset: str, amount: Decimal, fee: Decimal | None, fee_currency: str, at: datetime
) -> Movement:
    """Return a withdrawal's movement: the amount leaves, and the fee in whatever it is paid."""
    # An exchange that names no fee currency charges the withdrawn asset.
    return Movement(
        at,
        _changes(
            (asset, _MATH.minus(amount)),
            (fee_currency or asset, _MATH.minus(fee) if fee else None),
        ),
    )


def transfer_counts(kind: str, status: str) -> bool:
    """Return whether a deposit or withdrawal in this status changed the balance."""
    return status in _COUNTED.get(kind, frozenset())


def _apply(holdings: dict[str, Decimal], movements: Iterable[Movement], sign: int) -> None:
    # Every operation goes through _MATH: even negating a Decimal rounds to the context.
    combine = _MATH.add if sign > 0 else _MATH.subtract
    for movement in movements:
        for asset, amount in movement.changes.items():
            holdings[asset] = combine(holdings.get(asset, ZERO), amount)


def _rows(
    day: date, amounts: Mapping[str, Decimal], source: str, flagged: set[str]
) -> list[DayHolding]:
    rows = []
    for asset in sorted(set(amounts) | flagged):
        amount = amounts.get(asset, ZERO)
        if amount < 0:
            # Holdings cannot be negative: some earlier income is missing from the history.
            rows.append(DayHolding(day, asset, ZERO, source, True))
        elif amount or asset in flagged:
            rows.append(DayHolding(day, asset, amount, source, asset in flagged))
    return rows


def reconstruct(
    current: Mapping[str, Decimal],
    movements: Iterable[Movement],
    snapshots: Iterable[Snapshot],
    today: date,
) -> list[DayHolding]:
    """Return the account's holdings at the end of every day from its first record to today.

    `current` is the account's total per asset now (its balances, all account types summed).
    The first record is the oldest movement or snapshot; a day's rows list every asset held
    that day (zero amounts are left out, unless flagged). Movements dated after `today` are
    treated as today's.
    """
    by_day: dict[date, list[Movement]] = defaultdict(list)
    for movement in movements:
        by_day[min(utc_day(movement.at), today)].append(movement)
    snapshot_of = {s.day: s for s in snapshots if s.day <= today}
    first = min([*by_day, *snapshot_of, today])

    holdings = {asset: amount for asset, amount in current.items() if amount}
    rows: list[DayHolding] = []
    day = today
    while day >= first:
        moved = by_day.get(day, [])
        snapshot = snapshot_of.get(day)
        if snapshot is None:
            rows.extend(_rows(day, holdings, RECONSTRUCTED, set()))
            _apply(holdings, moved, -1)
        else:
            later = [m for m in moved if m.at > snapshot.taken_at]
            earlier = [m for m in moved if m.at <= snapshot.taken_at]
            # What the reconstruction says the sync should have seen, against what it saw.
            expected = dict(holdings)
            _apply(expected, later, -1)
            seen = {asset: amount for asset, amount in snapshot.totals.items() if amount}
            differing = {
                asset
                for asset in set(expected) | set(seen)
                if expected.get(asset, ZERO) != seen.get(asset, ZERO)
            }
            end_of_day = dict(seen)
            _apply(end_of_day, later, +1)
            rows.extend(_rows(day, end_of_day, SNAPSHOT, differing))
            holdings = dict(seen)
            _apply(holdings, earlier, -1)
        holdings = {asset: amount for asset, amount in holdings.items() if amount}
        day -= DAY
    rows.sort(key=lambda row: (row.day, row.asset))
    return rows


def daily_totals(
    holdings: Iterable[DayHolding],
) -> tuple[dict[date, dict[str, Decimal]], set[date]]:
    """Return each day's amount per asset summed over accounts, and the days with a flag."""
    totals: dict[date, dict[str, Decimal]] = defaultdict(dict)
    flagged: set[date] = set()
    for row in holdings:
        day = totals[row.day]
        day[row.asset] = _MATH.add(day.get(row.asset, ZERO), row.amount)
        if row.flagged:
            flagged.add(row.day)
    return dict(totals), flagged


def days_between(first: date, last: date) -> list[date]:
    """Return every day from first to last, both included."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
