"""Reconstructing an account's daily holdings backwards from its balances: pure functions."""

from datetime import UTC, date, datetime
from decimal import Decimal

from portfolio import history
from portfolio.history import (
    RECONSTRUCTED,
    SNAPSHOT,
    DayHolding,
    Snapshot,
    daily_totals,
    deposit_movement,
    reconstruct,
    trade_movement,
    transfer_counts,
    withdrawal_movement,
)

D = Decimal
DAY1, DAY2, DAY3, DAY4 = (date(2024, 5, d) for d in (1, 2, 3, 4))


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def on(rows: list[DayHolding], day: date) -> dict[str, Decimal]:
    return {row.asset: row.amount for row in rows if row.day == day}


def buy(day, base, quote, amount, cost, fee=None, fee_currency="", hour=12):
    return trade_movement(
        side="buy",
        base=base,
        quote=quote,
        amount=D(amount),
        cost=D(cost),
        fee=D(fee) if fee else None,
        fee_currency=fee_currency,
        at=at(day, hour),
    )


def test_a_buy_with_its_fee_in_a_third_asset_is_undone_day_by_day():
    movements = [
        deposit_movement(asset="USDT", amount=D("1000"), at=at(DAY1)),
        deposit_movement(asset="BNB", amount=D("1"), at=at(DAY1)),
        buy(DAY2, "BTC", "USDT", "0.01", "600", fee="0.0015", fee_currency="BNB"),
    ]
    current = {"BTC": D("0.01"), "USDT": D("400"), "BNB": D("0.9985")}
    rows = reconstruct(current, movements, [], today=DAY3)
    assert on(rows, DAY1) == {"USDT": D("1000"), "BNB": D("1")}
    assert on(rows, DAY2) == {"BTC": D("0.01"), "USDT": D("400"), "BNB": D("0.9985")}
    assert on(rows, DAY3) == on(rows, DAY2)
    assert min(row.day for row in rows) == DAY1  # back to the first record, not before
    assert all(row.source == RECONSTRUCTED and not row.flagged for row in rows)


def test_a_sell_takes_the_base_and_adds_the_cost_and_a_same_asset_fee_is_taken():
    sell = trade_movement(
        side="sell",
        base="ETH",
        quote="USDT",
        amount=D("2"),
        cost=D("6000"),
        fee=D("6"),
        fee_currency="USDT",
        at=at(DAY2),
    )
    assert sell.changes == {"ETH": D("-2"), "USDT": D("5994")}
    rows = reconstruct({"ETH": D("1"), "USDT": D("5994")}, [sell], [], today=DAY2)
    assert rows == [
        DayHolding(DAY2, "ETH", D("1"), RECONSTRUCTED),
        DayHolding(DAY2, "USDT", D("5994"), RECONSTRUCTED),
    ]


def test_a_withdrawal_takes_its_amount_and_its_fee_in_the_same_asset():
    movements = [
        deposit_movement(asset="BTC", amount=D("1"), at=at(DAY1)),
        withdrawal_movement(
            asset="BTC", amount=D("0.5"), fee=D("0.0005"), fee_currency="BTC", at=at(DAY2)
        ),
    ]
    rows = reconstruct({"BTC": D("0.4995")}, movements, [], today=DAY3)
    assert on(rows, DAY1) == {"BTC": D("1")}
    assert on(rows, DAY2) == {"BTC": D("0.4995")}


def test_a_withdrawal_fee_without_a_currency_is_charged_in_the_withdrawn_asset():
    movement = withdrawal_movement(
        asset="ETH", amount=D("1"), fee=D("0.01"), fee_currency="", at=at(DAY1)
    )
    assert movement.changes == {"ETH": D("-1.01")}


def test_only_transfers_that_moved_the_balance_count():
    assert transfer_counts("deposit", "ok")
    assert not transfer_counts("deposit", "pending")
    assert transfer_counts("withdrawal", "pending")  # the exchange takes the funds at once
    assert not transfer_counts("withdrawal", "failed")
    assert not transfer_counts("withdrawal", "canceled")


def test_a_transfer_between_own_accounts_leaves_the_persons_total_unchanged():
    # Account A bought BTC on day 1 and moved it to account B on day 3 (no fee).
    a_moves = [
        deposit_movement(asset="BTC", amount=D("1.5"), at=at(DAY1)),
        withdrawal_movement(asset="BTC", amount=D("1"), fee=None, fee_currency="", at=at(DAY3)),
    ]
    b_moves = [deposit_movement(asset="BTC", amount=D("1"), at=at(DAY3, hour=13))]
    a_rows = reconstruct({"BTC": D("0.5")}, a_moves, [], today=DAY4)
    b_rows = reconstruct({"BTC": D("1")}, b_moves, [], today=DAY4)
    totals, flagged = daily_totals(a_rows + b_rows)
    assert {day: totals[day]["BTC"] for day in totals} == {
        DAY1: D("1.5"),
        DAY2: D("1.5"),
        DAY3: D("1.5"),
        DAY4: D("1.5"),
    }
    assert on(a_rows, DAY3) == {"BTC": D("0.5")}
    assert on(b_rows, DAY2) == {}
    assert not flagged


def test_a_transfer_between_own_accounts_costs_the_person_only_its_fee():
    a_moves = [
        deposit_movement(asset="ETH", amount=D("2"), at=at(DAY1)),
        withdrawal_movement(
            asset="ETH", amount=D("1"), fee=D("0.002"), fee_currency="ETH", at=at(DAY2)
        ),
    ]
    b_moves = [deposit_movement(asset="ETH", amount=D("1"), at=at(DAY2))]
    rows = reconstruct({"ETH": D("0.998")}, a_moves, [], DAY2) + reconstruct(
        {"ETH": D("1")}, b_moves, [], DAY2
    )
    totals, _ = daily_totals(rows)
    assert totals[DAY1]["ETH"] - totals[DAY2]["ETH"] == D("0.002")


def test_a_snapshot_takes_over_and_a_disagreeing_day_is_flagged():
    # The records say 1 BTC on day 2, but the sync saw 0.5 then: some history is missing.
    movements = [
        deposit_movement(asset="BTC", amount=D("0.5"), at=at(DAY1)),
        deposit_movement(asset="USDT", amount=D("60000"), at=at(DAY1)),
        buy(DAY3, "BTC", "USDT", "1", "60000"),
    ]
    snapshot = Snapshot(DAY2, at(DAY2, hour=20), {"BTC": D("0.5"), "USDT": D("60000")})
    rows = reconstruct({"BTC": D("2")}, movements, [snapshot], today=DAY4)
    assert [row for row in rows if row.day == DAY2] == [
        DayHolding(DAY2, "BTC", D("0.5"), SNAPSHOT, flagged=True),
        DayHolding(DAY2, "USDT", D("60000"), SNAPSHOT, flagged=False),
    ]
    # Before the snapshot, the reconstruction carries on from what the sync saw (not 1 BTC).
    assert on(rows, DAY1) == {"BTC": D("0.5"), "USDT": D("60000")}
    assert on(rows, DAY3) == on(rows, DAY4) == {"BTC": D("2")}
    assert not any(row.flagged for row in rows if row.day != DAY2)


def test_a_snapshot_that_agrees_is_used_and_not_flagged():
    movements = [deposit_movement(asset="ETH", amount=D("3"), at=at(DAY1))]
    snapshot = Snapshot(DAY2, at(DAY2), {"ETH": D("3")})
    rows = reconstruct({"ETH": D("3")}, movements, [snapshot], today=DAY3)
    assert [(r.day, r.source, r.flagged) for r in rows] == [
        (DAY1, RECONSTRUCTED, False),
        (DAY2, SNAPSHOT, False),
        (DAY3, RECONSTRUCTED, False),
    ]


def test_a_trade_after_the_days_snapshot_counts_at_the_end_of_that_day():
    snapshot = Snapshot(DAY2, at(DAY2, hour=9), {"BTC": D("1"), "USDT": D("100")})
    movements = [buy(DAY2, "BTC", "USDT", "1", "100", hour=15)]
    rows = reconstruct({"BTC": D("2")}, movements, [snapshot], today=DAY3)
    assert on(rows, DAY2) == {"BTC": D("2")}
    assert not any(row.flagged for row in rows)


def test_an_asset_the_snapshot_lacks_is_flagged_at_zero():
    snapshot = Snapshot(DAY1, at(DAY1), {"BTC": D("1")})
    rows = reconstruct({"BTC": D("1"), "DOGE": D("50")}, [], [snapshot], today=DAY2)
    assert DayHolding(DAY1, "DOGE", D("0"), SNAPSHOT, flagged=True) in rows
    assert on(rows, DAY2) == {"BTC": D("1"), "DOGE": D("50")}


def test_holdings_that_would_go_negative_are_shown_as_zero_and_flagged():
    # 1,000 USDT arrived on day 2 but only 100 are left: the spending is missing.
    movements = [
        deposit_movement(asset="BTC", amount=D("1"), at=at(DAY1)),
        deposit_movement(asset="USDT", amount=D("1000"), at=at(DAY2)),
    ]
    rows = reconstruct({"BTC": D("1"), "USDT": D("100")}, movements, [], today=DAY2)
    assert [row for row in rows if row.day == DAY1] == [
        DayHolding(DAY1, "BTC", D("1"), RECONSTRUCTED),
        DayHolding(DAY1, "USDT", D("0"), RECONSTRUCTED, flagged=True),
    ]


def test_every_day_from_the_first_record_to_today_is_listed():
    movements = [deposit_movement(asset="BTC", amount=D("1"), at=at(date(2024, 4, 1)))]
    rows = reconstruct({"BTC": D("1")}, movements, [], today=DAY1)
    assert [row.day for row in rows] == history.days_between(date(2024, 4, 1), DAY1)


def test_an_account_without_records_holds_its_balances_today_only():
    assert reconstruct({"BTC": D("1")}, [], [], today=DAY1) == [
        DayHolding(DAY1, "BTC", D("1"), RECONSTRUCTED)
    ]


def test_sums_of_long_amounts_are_exact():
    amount = D("123456789012.123456789012345678")
    movements = [
        deposit_movement(asset="ETH", amount=amount, at=at(DAY1)),
        deposit_movement(asset="ETH", amount=amount, at=at(DAY2)),
    ]
    rows = reconstruct({"ETH": D("246913578024.246913578024691356")}, movements, [], today=DAY2)
    assert on(rows, DAY1) == {"ETH": amount}
