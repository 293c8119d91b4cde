"""CSV exports of the history, from the web and from `manage.py export_history`."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.urls import reverse

from tests.history_helpers import (
    T0,
    make_account,
    make_balance,
    make_trade,
    make_trades,
    make_transfer,
)

pytestmark = pytest.mark.django_db

TRADES_CSV = reverse("history:trades_export")
TRANSFERS_CSV = reverse("history:transfers_export")
TRADE_HEADER = [
    "timestamp_utc", "account", "exchange", "market", "base", "quote", "side", "price",
    "amount", "cost", "fee", "fee_currency", "taker_or_maker", "trade_id", "order_id",
]  # fmt: skip
TRANSFER_HEADER = [
    "timestamp_utc", "account", "exchange", "type", "asset", "amount", "fee", "fee_currency",
    "network", "status", "txid", "transfer_id",
]  # fmt: skip
HOLDING_HEADER = ["account", "exchange", "asset", "account_type", "free", "used", "total"]


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password="a-long-password-1")


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", password="a-long-password-2")


@pytest.fixture
def main(ana):
    return make_account(ana, "Main")


@pytest.fixture
def as_ana(client, ana):
    client.force_login(ana)
    return client


def download(client, url, params=None) -> list[list[str]]:
    response = client.get(url, params or {})
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body, newline="")))


def run_export(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        call_command("export_history", *args)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return exited.value.code, out, err


# --- Web exports ----------------------------------------------------------------------------


def test_a_trade_row_has_exact_amounts_and_an_iso_utc_timestamp(as_ana, main):
    make_trade(
        main,
        "ETH/BTC",
        "sell",
        amount="123456789012345678901234567890.123456789012345678",
        price="0.000000000000000001",
        cost="123456789012.345678901234567890",
        fee="0.000000010000",
        fee_currency="BNB",
        when=datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        trade_id="42",
        order_id="7",
        taker_or_maker="maker",
    )
    assert download(as_ana, TRADES_CSV) == [
        TRADE_HEADER,
        [
            "2024-01-02T03:04:05.678000Z", "Main", "binance", "ETH/BTC", "ETH", "BTC", "sell",
            "0.000000000000000001", "123456789012345678901234567890.123456789012345678",
            "123456789012.34567890123456789", "0.00000001", "BNB", "maker", "42", "7",
        ],
    ]  # fmt: skip


def test_the_trades_csv_holds_every_filtered_row_beyond_page_1_in_page_order(as_ana, ana, main):
    other = make_account(ana, "Savings", "kraken")
    wanted = make_trades(main, 120, market="BTC/USDT", side="buy", amount="0.5")
    make_trades(main, 7, market="BTC/USDT", side="sell")
    make_trades(main, 3, market="ETH/USDT", side="buy")
    make_trades(other, 4, market="BTC/USDT", side="buy")
    params = {"asset": "BTC", "side": "buy", "account": main.pk, "page": "2"}
    rows = download(as_ana, TRADES_CSV, params)
    assert rows[0] == TRADE_HEADER
    assert [r[13] for r in rows[1:]] == [t.trade_id for t in wanted]
    assert {(r[1], r[3], r[6], r[8]) for r in rows[1:]} == {("Main", "BTC/USDT", "buy", "0.5")}
    expected_times = [t.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ") for t in wanted]
    assert [r[0] for r in rows[1:]] == expected_times


def test_the_trades_csv_respects_the_date_range(as_ana, main):
    make_trade(main, trade_id="in", when=T0)
    make_trade(main, trade_id="out", when=T0 - timedelta(days=5))
    day = T0.date().isoformat()
    rows = download(as_ana, TRADES_CSV, {"from": day, "to": day})
    assert [r[13] for r in rows[1:]] == ["in"]


def test_the_transfers_csv_holds_exactly_the_filtered_transfers(as_ana, main):
    withdrawals = [
        make_transfer(
            main,
            "withdrawal",
            "ETH",
            amount="1.000000000000000001",
            fee="0.0015",
            network="ERC20",
            txid=f"0xabc{i}",
            when=T0 - timedelta(minutes=i),
        )
        for i in range(60)
    ]
    make_transfer(main, "deposit", "ETH")
    make_transfer(main, "withdrawal", "BTC")
    rows = download(as_ana, TRANSFERS_CSV, {"type": "withdrawal", "asset": "eth"})
    assert rows[0] == TRANSFER_HEADER
    assert [r[11] for r in rows[1:]] == [t.transfer_id for t in withdrawals]
    assert rows[1] == [
        "2024-03-10T12:00:00Z", "Main", "binance", "withdrawal", "ETH", "1.000000000000000001",
        "0.0015", "ETH", "ERC20", "ok", "0xabc0", withdrawals[0].transfer_id,
    ]  # fmt: skip


def test_another_users_rows_never_reach_an_export(as_ana, main, bob):
    make_trade(main, trade_id="mine")
    make_transfer(main, transfer_id="my-deposit")
    bobs = make_account(bob, "Bob's")
    make_trade(bobs, trade_id="his")
    make_transfer(bobs, transfer_id="his-deposit")
    assert [r[13] for r in download(as_ana, TRADES_CSV)[1:]] == ["mine"]
    assert [r[11] for r in download(as_ana, TRANSFERS_CSV)[1:]] == ["my-deposit"]


def test_an_empty_export_is_just_the_header(as_ana, main):
    assert download(as_ana, TRADES_CSV) == [TRADE_HEADER]
    assert download(as_ana, TRANSFERS_CSV) == [TRANSFER_HEADER]


def test_a_label_that_looks_like_a_formula_is_exported_as_text(as_ana, ana):
    make_trade(make_account(ana, '=HYPERLINK("http://x")'))
    assert download(as_ana, TRADES_CSV)[1][1] == '\'=HYPERLINK("http://x")'


# --- manage.py export_history ---------------------------------------------------------------


def test_the_command_exports_a_users_trades_and_nobody_elses(ana, main, bob, capsys):
    make_trades(main, 3, amount="0.000000000000000001")
    make_trade(make_account(bob, "Bob's"), trade_id="his")
    code, out, err = run_export(capsys, "--user", "ana", "--kind", "trades")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == TRADE_HEADER
    assert len(rows) == 4
    assert {r[8] for r in rows[1:]} == {"0.000000000000000001"}
    assert "his" not in out
    assert out.endswith("\r\n") and "\r\n\r\n" not in out


def test_the_command_exports_transfers(ana, main, capsys):
    make_transfer(main, "deposit", "BTC", amount="0.25", transfer_id="d1", when=T0)
    make_transfer(
        main,
        "withdrawal",
        "BTC",
        amount="0.1",
        fee="0.0001",
        transfer_id="w1",
        when=T0 - timedelta(hours=1),
    )
    code, out, _ = run_export(capsys, "--user", "ana", "--kind", "transfers")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows == [
        TRANSFER_HEADER,
        ["2024-03-10T12:00:00Z", "Main", "binance", "deposit", "BTC", "0.25", "", "", "", "ok",
         "", "d1"],
        ["2024-03-10T11:00:00Z", "Main", "binance", "withdrawal", "BTC", "0.1", "0.0001", "BTC",
         "", "ok", "", "w1"],
    ]  # fmt: skip


def test_the_command_exports_current_holdings_per_account_and_type(ana, main, bob, capsys):
    savings = make_account(ana, "Savings", "kraken")
    make_balance(main, "BTC", "2.000000000000000000", free="1.5", used="0.5")
    make_balance(main, "USDT", "10", account_type="funding")
    make_balance(savings, "ETH", "123456789012345678901234567890.123456789012345678")
    make_balance(make_account(bob, "Bob's"), "DOGE", "1000")
    code, out, _ = run_export(capsys, "--user", "ana", "--kind", "holdings")
    assert code == 0
    assert list(csv.reader(io.StringIO(out, newline=""))) == [
        HOLDING_HEADER,
        ["Main", "binance", "BTC", "spot", "1.5", "0.5", "2"],
        ["Main", "binance", "USDT", "funding", "", "", "10"],
        ["Savings", "kraken", "ETH", "spot", "", "",
         "123456789012345678901234567890.123456789012345678"],
    ]  # fmt: skip


def test_the_command_exits_2_for_an_unknown_user(capsys):
    code, out, err = run_export(capsys, "--user", "nobody", "--kind", "trades")
    assert code == 2
    assert out == ""
    assert "No user named 'nobody'" in err


def test_the_command_and_the_web_export_write_the_same_rows(as_ana, main, capsys):
    make_trades(main, 5, amount="1.100000000000000000")
    web = download(as_ana, TRADES_CSV)
    _, out, _ = run_export(capsys, "--user", "ana", "--kind", "trades")
    assert list(csv.reader(io.StringIO(out, newline=""))) == web
