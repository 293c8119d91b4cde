"""Reads of sharing: who shares with whom, a shared portfolio, and the household.

A shared portfolio is always computed for its owner, through the dashboard's own selectors
(portfolio.selectors, portfolio.history_selectors), and then projected down to what the share
allows. An allocation-only share is projected into AllocationView, a type with no field that
can hold an amount, a value or a price: a template given one has nothing to leak.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.contrib.auth import get_user_model
from django.http import Http404

from exchanges.sync.models import Balance, Trade
from portfolio import history_selectors
from portfolio import selectors as dashboard
from portfolio.valuation import share_of, total_of
from sharing.models import Share

HISTORY_DAYS = 30  # the full view's value table: a month, like the dashboard's change periods
TRADES_SHOWN = 50  # the full view lists the newest trades only (the owner has the whole list)
PERCENT = Decimal("0.01")


# --- Who shares with whom ---------------------------------------------------------------------


def shares_given(owner) -> list[Share]:
    """Return the shares the user made, by viewer."""
    return list(
        Share.objects.filter(owner=owner).select_related("viewer").order_by("viewer__username")
    )


def shares_received(viewer) -> list[Share]:
    """Return the shares made with the user by active owners, by owner."""
    return list(
        Share.objects.filter(viewer=viewer, owner__is_active=True)
        .select_related("owner")
        .order_by("owner__username")
    )


def share_between(viewer, owner) -> Share:
    """Return the share the owner (a user or a username) made with the viewer, else a 404.

    No share, an unknown username, a deactivated owner and the viewer themselves all give the
    same 404, so the page says nothing about who exists or shares with whom.
    """
    shares = Share.objects.select_related("owner").filter(viewer=viewer, owner__is_active=True)
    if isinstance(owner, get_user_model()):
        shares = shares.filter(owner=owner)
    else:
        shares = shares.filter(owner__username=owner)
    share = shares.first()
    if share is None:
        raise Http404("Nothing is shared with you under that name.")
    return share


# --- A shared portfolio -----------------------------------------------------------------------


@dataclass(frozen=True)
class AssetPercent:
    """One asset's part of a portfolio, in percent (2 decimals); nothing else about it."""

    asset: str
    percent: Decimal


@dataclass(frozen=True)
class AllocationView:
    """What an allocation-only share shows: assets and their percentages, and no amounts.

    Deliberately holds no Holdings, row or total: only asset codes, percentages, and the names
    of held assets without a price (which have no percentage).
    """

    owner_name: str
    assets: tuple[AssetPercent, ...]
    unpriced_assets: tuple[str, ...]
    level: str = Share.Level.ALLOCATION


@dataclass(frozen=True)
class FullView:
    """What a full share shows: the owner's holdings, value history, changes and trades."""

    owner_name: str
    holdings: dashboard.Holdings
    by_exchange: dashboard.Allocation
    changes: dict[str, dashboard.Change | None]
    history: list[dashboard.ValuePoint]
    trades: list[Trade]
    trade_count: int
    level: str = Share.Level.FULL


def percent_of(share: Decimal | None) -> Decimal | None:
    """Return a fraction (0.25) as a percentage with 2 decimals (25.00)."""
    if share is None:
        return None
    return (share * 100).quantize(PERCENT, rounding=ROUND_HALF_EVEN)


def allocation_view(owner_name: str, held: dashboard.Holdings) -> AllocationView:
    """Return the allocation-only projection of holdings: percentages of the priced assets."""
    slices = dashboard.allocation_by_asset(None, of=held).slices
    return AllocationView(
        owner_name=owner_name,
        assets=tuple(AssetPercent(s.key, percent_of(s.share)) for s in slices),
        unpriced_assets=held.unpriced_assets,
    )


def shared_portfolio(viewer, owner) -> FullView | AllocationView:
    """Return the owner's portfolio as the viewer may see it; Http404 unless it is shared.

    owner is a user or a username. Everything is read for the owner, in the owner's base
    currency, exactly as their own dashboard reads it.
    """
    share = share_between(viewer, owner)
    owner = share.owner
    held = dashboard.holdings(owner)
    if not share.is_full:
        return allocation_view(owner.get_username(), held)
    trades = history_selectors.trades_of(owner)
    return FullView(
        owner_name=owner.get_username(),
        holdings=held,
        by_exchange=dashboard.allocation_by_exchange(owner, of=held),
        changes=dashboard.changes(owner, of=held),
        history=dashboard.value_history(owner, days=HISTORY_DAYS),
        trades=list(trades[:TRADES_SHOWN]),
        trade_count=trades.count(),
    )


def shared_portfolio_data(view: FullView | AllocationView) -> dict:
    """Return a view as JSON-safe data (Decimals as exact strings), no more than it holds."""
    if isinstance(view, AllocationView):
        return {
            "owner": view.owner_name,
            "level": view.level,
            "assets": [{"asset": a.asset, "percent": str(a.percent)} for a in view.assets],
            "unpriced_assets": list(view.unpriced_assets),
        }
    held = view.holdings
    return {
        "owner": view.owner_name,
        "level": view.level,
        "base_currency": held.base_currency,
        "total_value": str(held.total_value),
        "holdings": [
            {
                "asset": row.asset,
                "amount": str(row.amount),
                "price": None if row.price is None else str(row.price),
                "value": None if row.value is None else str(row.value),
                "percent": None if row.share is None else str(percent_of(row.share)),
            }
            for row in held.rows
        ],
        "unpriced_assets": list(held.unpriced_assets),
        "history": [
            {"day": p.day.isoformat(), "value": str(p.value), "flagged": p.flagged}
            for p in view.history
        ],
    }


# --- The household ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonValue:
    """One person's part of the household: their priced total in the viewer's currency."""

    name: str
    is_you: bool
    value: Decimal
    share: Decimal | None  # of the household total, 0..1
    unpriced_assets: tuple[str, ...]


@dataclass(frozen=True)
class PersonAmount:
    """How much of one asset one person holds, and its value (None when unpriced)."""

    name: str
    amount: Decimal
    value: Decimal | None


@dataclass(frozen=True)
class HouseholdAsset:
    """One asset across the people of the household."""

    asset: str
    amount: Decimal
    value: Decimal | None
    share: Decimal | None  # of the household total, 0..1
    people: tuple[PersonAmount, ...]


@dataclass(frozen=True)
class Household:
    """The user's portfolio plus every portfolio shared with them in full, in their currency.

    total_value is exactly the sum of the people's values. Allocation-only shares are in
    allocation_only as percentages, never added to anything.
    """

    base_currency: str
    total_value: Decimal
    people: tuple[PersonValue, ...]
    assets: tuple[HouseholdAsset, ...]
    unpriced_assets: tuple[str, ...]
    allocation_only: tuple[AllocationView, ...]


def household(user) -> Household:
    """Return the household of the user: 4 queries, however many people, accounts and assets.

    One read of the shares, one of the user's settings, one of every person's balances and one
    of the prices; then each person is valued with the dashboard's own holdings_from.
    """
    shares = shares_received(user)
    currency = dashboard.user_settings(user).base_currency
    people = [user, *(share.owner for share in shares)]
    full = {user.pk} | {share.owner_id for share in shares if share.is_full}
    # Each person's own accounts, as their own dashboard counts them (accounts_visible_to is
    # per user; read here for everyone at once, keyed by owner).
    rows: dict[int, list[tuple]] = defaultdict(list)
    balances = (
        Balance.objects.filter(account__owner__in=[p.pk for p in people])
        .order_by(*dashboard.BALANCE_ORDER)
        .values_list("account__owner_id", *dashboard.BALANCE_ROW)
    )
    for owner_id, *row in balances:
        rows[owner_id].append(tuple(row))
    assets = {row[3] for owner_rows in rows.values() for row in owner_rows}
    book = dashboard.price_book(assets, currency)
    held = {p.pk: dashboard.holdings_from(rows[p.pk], currency, book) for p in people}

    counted = [p for p in people if p.pk in full]
    total = total_of(held[p.pk].total_value for p in counted)
    return Household(
        base_currency=currency,
        total_value=total,
        people=tuple(
            PersonValue(
                name=p.get_username(),
                is_you=p.pk == user.pk,
                value=held[p.pk].total_value,
                share=share_of(held[p.pk].total_value, total),
                unpriced_assets=held[p.pk].unpriced_assets,
            )
            for p in counted
        ),
        assets=_assets_across(counted, held, total),
        unpriced_assets=tuple(sorted({a for p in counted for a in held[p.pk].unpriced_assets})),
        allocation_only=tuple(
            allocation_view(p.get_username(), held[p.pk]) for p in people if p.pk not in full
        ),
    )


def _assets_across(people, held, total: Decimal) -> tuple[HouseholdAsset, ...]:
    by_asset: dict[str, list[PersonAmount]] = defaultdict(list)
    for person in people:
        for row in held[person.pk].rows:
            by_asset[row.asset].append(PersonAmount(person.get_username(), row.amount, row.value))
    assets = []
    for asset, parts in by_asset.items():
        priced = [p.value for p in parts if p.value is not None]
        # The priced parts only, as each person's total counts them (an asset can be priced
        # for one person and not another: the exchanges it is held on are asked first).
        value = total_of(priced) if priced else None
        assets.append(
            HouseholdAsset(
                asset=asset,
                amount=total_of(p.amount for p in parts),
                value=value,
                share=share_of(value, total),
                people=tuple(parts),
            )
        )
    # Largest value first, then by name; unpriced last (as the dashboard orders holdings).
    assets.sort(key=lambda a: a.asset)
    assets.sort(key=lambda a: (a.value is not None, a.value or Decimal(0)), reverse=True)
    return tuple(assets)
