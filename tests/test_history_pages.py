"""The trades and the deposits & withdrawals pages: filters, pagination, totals, isolation."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portfolio.templatetags.porthole import amount
from tests.history_helpers import T0, make_account, make_trade, make_trades, make_transfer

pytestmark = pytest.mark.django_db

TRADES = reverse("history:trades")
TRANSFERS = reverse("history:transfers")
ALL_URLS = [
    TRADES,
    TRANSFERS,
    reverse("history:trades_export"),
    reverse("history:transfers_export"),
]


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


def shown_trade_ids(response) -> list[str]:
    return [t.trade_id for t in response.context["page_obj"]]


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ALL_URLS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", ALL_URLS)
def test_another_users_account_id_is_a_404_for_pages_and_exports(as_ana, main, bob, url):
    bobs = make_account(bob, "Bob's")
    make_trade(bobs)
    assert as_ana.get(url, {"account": bobs.pk}).status_code == 404
    assert as_ana.get(url, {"account": "not-a-number"}).status_code == 404
    assert as_ana.get(url, {"account": main.pk}).status_code == 200


def test_another_users_trades_and_transfers_never_appear(as_ana, main, bob):
    make_trade(main, trade_id="mine")
    bobs = make_account(bob, "Bob's")
    make_trade(bobs, trade_id="his", amount="5")
    make_transfer(bobs, transfer_id="his-deposit")
    response = as_ana.get(TRADES)
    assert shown_trade_ids(response) == ["mine"]
    assert response.context["totals"].count == 1
    assert response.context["totals"].by_asset["BTC"].bought == Decimal("1")
    assert b"his" not in response.content
    transfers = as_ana.get(TRANSFERS)
    assert list(transfers.context["page_obj"]) == []
    assert transfers.context["totals"].count == 0


def test_a_new_user_is_told_to_connect_an_exchange(as_ana):
    for url in (TRADES, TRANSFERS):
        response = as_ana.get(url)
        assert response.status_code == 200
        assert b"No exchange connected yet" in response.content
        assert reverse("exchanges:connect").encode() in response.content


def test_the_navigation_links_to_both_history_pages(as_ana, main):
    page = as_ana.get(TRADES).content.decode()
    assert f'href="{TRADES}" aria-current="page"' in page
    assert f'href="{TRANSFERS}"' in page
    assert "Deposits &amp; withdrawals" in page


# --- Trade filters --------------------------------------------------------------------------


def test_trades_filter_by_account(as_ana, ana, main):
    other = make_account(ana, "Savings", "kraken")
    make_trade(main, trade_id="a")
    make_trade(other, trade_id="b")
    assert shown_trade_ids(as_ana.get(TRADES, {"account": other.pk})) == ["b"]
    assert sorted(shown_trade_ids(as_ana.get(TRADES))) == ["a", "b"]


def test_trades_filter_by_asset_matches_base_or_quote(as_ana, main):
    make_trade(main, "BTC/USDT", trade_id="btc-usdt", when=T0)
    make_trade(main, "ETH/BTC", trade_id="eth-btc", when=T0 - timedelta(hours=1))
    make_trade(main, "ETH/USDT", trade_id="eth-usdt", when=T0 - timedelta(hours=2))
    assert shown_trade_ids(as_ana.get(TRADES, {"asset": "btc"})) == ["btc-usdt", "eth-btc"]
    assert shown_trade_ids(as_ana.get(TRADES, {"asset": "USDT"})) == ["btc-usdt", "eth-usdt"]


def test_the_asset_filter_ignores_case_for_codes_that_are_not_upper_case(as_ana, main):
    make_trade(main, "stETH/ETH", trade_id="steth")
    make_trade(main, "BTC/USDT", trade_id="btc")
    assert shown_trade_ids(as_ana.get(TRADES, {"asset": "STETH"})) == ["steth"]
    make_transfer(main, asset="stETH", transfer_id="d-steth")
    assert shown_transfer_ids(as_ana.get(TRANSFERS, {"asset": "steth"})) == ["d-steth"]


def test_trades_filter_by_side(as_ana, main):
    make_trade(main, side="buy", trade_id="b")
    make_trade(main, side="sell", trade_id="s")
    assert shown_trade_ids(as_ana.get(TRADES, {"side": "sell"})) == ["s"]
    assert shown_trade_ids(as_ana.get(TRADES, {"side": "buy"})) == ["b"]


def test_trades_filter_by_date_range_in_the_sites_time_zone(as_ana, main, settings):
    settings.TIME_ZONE = "Europe/Paris"
    # 23:30 UTC on 1 January is already 00:30 on 2 January in Paris.
    make_trade(main, trade_id="late", when=datetime(2024, 1, 1, 23, 30, tzinfo=UTC))
    make_trade(main, trade_id="early", when=datetime(2024, 1, 1, 22, 30, tzinfo=UTC))
    make_trade(main, trade_id="next", when=datetime(2024, 1, 2, 23, 30, tzinfo=UTC))
    day2 = {"from": "2024-01-02", "to": "2024-01-02"}
    assert shown_trade_ids(as_ana.get(TRADES, day2)) == ["late"]
    assert shown_trade_ids(as_ana.get(TRADES, {"to": "2024-01-01"})) == ["early"]
    assert shown_trade_ids(as_ana.get(TRADES, {"from": "2024-01-02"})) == ["next", "late"]


def test_dates_and_times_are_read_in_the_users_own_time_zone(as_ana, ana, main, settings):
    from portfolio.models import UserSettings

    settings.TIME_ZONE = "UTC"
    UserSettings.objects.create(user=ana, time_zone="America/New_York")
    # 03:30 UTC on 2 January is still 22:30 on 1 January in New York.
    make_trade(main, trade_id="night", when=datetime(2024, 1, 2, 3, 30, tzinfo=UTC))
    response = as_ana.get(TRADES, {"from": "2024-01-01", "to": "2024-01-01"})
    assert shown_trade_ids(response) == ["night"]
    assert "2024-01-01 22:30:00" in response.content.decode()
    assert shown_trade_ids(as_ana.get(TRADES, {"from": "2024-01-02"})) == []


def test_dates_are_read_in_utc_when_that_is_the_sites_zone(as_ana, main, settings):
    settings.TIME_ZONE = "UTC"
    make_trade(main, trade_id="late", when=datetime(2024, 1, 1, 23, 30, tzinfo=UTC))
    assert shown_trade_ids(as_ana.get(TRADES, {"from": "2024-01-02"})) == []
    assert shown_trade_ids(as_ana.get(TRADES, {"to": "2024-01-01"})) == ["late"]


def test_an_invalid_date_or_side_is_ignored_with_a_warning(as_ana, main):
    make_trade(main, trade_id="a")
    response = as_ana.get(TRADES, {"from": "yesterday", "side": "hold"})
    assert shown_trade_ids(response) == ["a"]
    content = response.content.decode()
    assert "is not a date" in content
    assert "Unknown side" in content


# --- Transfer filters -----------------------------------------------------------------------


def shown_transfer_ids(response) -> list[str]:
    return [t.transfer_id for t in response.context["page_obj"]]


def test_transfers_filter_by_account_asset_type_and_dates(as_ana, ana, main):
    other = make_account(ana, "Savings", "kraken")
    make_transfer(main, "deposit", "BTC", transfer_id="d-btc", when=T0)
    make_transfer(main, "withdrawal", "BTC", transfer_id="w-btc", when=T0 - timedelta(days=1))
    make_transfer(main, "deposit", "ETH", transfer_id="d-eth", when=T0 - timedelta(days=2))
    make_transfer(other, "deposit", "BTC", transfer_id="d-other", when=T0 - timedelta(days=3))
    assert shown_transfer_ids(as_ana.get(TRANSFERS, {"account": other.pk})) == ["d-other"]
    assert shown_transfer_ids(as_ana.get(TRANSFERS, {"asset": "eth"})) == ["d-eth"]
    assert shown_transfer_ids(as_ana.get(TRANSFERS, {"type": "withdrawal"})) == ["w-btc"]
    day = (T0 - timedelta(days=2)).date().isoformat()
    assert shown_transfer_ids(as_ana.get(TRANSFERS, {"from": day, "to": day})) == ["d-eth"]
    assert shown_transfer_ids(
        as_ana.get(TRANSFERS, {"type": "deposit", "asset": "BTC", "account": main.pk})
    ) == ["d-btc"]


# --- Pagination -----------------------------------------------------------------------------


def test_pages_hold_50_trades_newest_first_and_keep_the_filters(as_ana, main):
    btc = make_trades(main, 60, market="BTC/USDT")
    make_trades(main, 5, market="ETH/USDT")
    first = as_ana.get(TRADES, {"asset": "BTC", "side": "buy"})
    assert shown_trade_ids(first) == [t.trade_id for t in btc[:50]]
    next_links = re.findall(r'href="(\?[^"]*)" rel="next"', first.content.decode())
    assert next_links == ["?asset=BTC&amp;side=buy&amp;page=2"]
    second = as_ana.get(TRADES, {"asset": "BTC", "side": "buy", "page": "2"})
    assert shown_trade_ids(second) == [t.trade_id for t in btc[50:]]
    prev_links = re.findall(r'href="(\?[^"]*)" rel="prev"', second.content.decode())
    assert prev_links == ["?asset=BTC&amp;side=buy&amp;page=1"]


def test_transfer_pages_keep_the_filters_too(as_ana, main):
    for i in range(55):
        make_transfer(main, "withdrawal", when=T0 - timedelta(minutes=i))
    make_transfer(main, "deposit")
    first = as_ana.get(TRANSFERS, {"type": "withdrawal"})
    assert len(first.context["page_obj"]) == 50
    assert "?type=withdrawal&amp;page=2" in first.content.decode()
    second = as_ana.get(TRANSFERS, {"type": "withdrawal", "page": 2})
    assert len(second.context["page_obj"]) == 5


def test_page_1_costs_the_same_queries_whatever_the_number_of_trades(
    as_ana, main, django_assert_max_num_queries
):
    make_trades(main, 3)
    with CaptureQueriesContext(connection) as few:
        as_ana.get(TRADES, {"asset": "BTC"})
    make_trades(main, 150, market="BTC/EUR")
    with CaptureQueriesContext(connection) as many:
        as_ana.get(TRADES, {"asset": "BTC"})
    assert len(many) == len(few)
    with django_assert_max_num_queries(len(few)):
        response = as_ana.get(TRADES, {"asset": "BTC"})
    assert len(response.context["page_obj"]) == 50


def test_transfer_page_1_costs_the_same_queries_whatever_the_number_of_transfers(
    as_ana, main, django_assert_max_num_queries
):
    make_transfer(main)
    with CaptureQueriesContext(connection) as few:
        as_ana.get(TRANSFERS)
    for i in range(120):
        make_transfer(main, when=T0 - timedelta(minutes=i))
    with django_assert_max_num_queries(len(few)):
        as_ana.get(TRANSFERS)


# --- Totals ---------------------------------------------------------------------------------

TINY = "0.000000000000000001"  # 1e-18, the smallest amount stored
HUGE = "123456789012345678901234567890.123456789012345678"  # 48 digits, beyond float or 28


def test_trade_totals_are_exact_to_18_decimals_per_asset_and_quote(as_ana, main):
    make_trade(main, "ETH/USDT", "buy", amount=TINY, price="1", cost=TINY)
    make_trade(main, "ETH/USDT", "buy", amount=TINY, price="1", cost=TINY)
    make_trade(
        main,
        "ETH/USDT",
        "sell",
        amount="0.1",
        price="3000.000000000000000001",
        cost="300.000000000000000001",
    )
    make_trade(main, "ETH/BTC", "buy", amount=HUGE, price="1", cost=HUGE)
    make_trade(main, "ETH/BTC", "buy", amount=TINY, price="1", cost=TINY)
    make_trade(main, "BTC/USDT", "sell", amount="0.2", price="10", cost="2")
    totals = as_ana.get(TRADES).context["totals"]
    assert totals.count == 6
    eth = totals.by_asset["ETH"]
    assert eth.trades == 5
    assert eth.bought == Decimal("123456789012345678901234567890.123456789012345681")
    assert eth.sold == Decimal("0.1")
    assert eth.by_quote["USDT"].spent == Decimal("0.000000000000000002")
    assert eth.by_quote["USDT"].received == Decimal("300.000000000000000001")
    assert eth.by_quote["BTC"].spent == Decimal("123456789012345678901234567890.123456789012345679")
    assert eth.by_quote["BTC"].received == 0
    assert totals.by_asset["BTC"].sold == Decimal("0.2")
    assert totals.by_asset["BTC"].by_quote["USDT"].received == Decimal("2")


def test_trade_totals_cover_the_whole_filter_not_only_the_page(as_ana, main):
    make_trades(main, 70, amount="0.000000000000000003", price="1", cost="1.5")
    make_trade(main, "BTC/USDT", "sell", amount="9", trade_id="filtered-out")
    totals = as_ana.get(TRADES, {"side": "buy"}).context["totals"]
    assert totals.count == 70
    assert totals.by_asset["BTC"].bought == Decimal("0.00000000000000021")
    assert totals.by_asset["BTC"].sold == 0
    assert totals.by_asset["BTC"].by_quote["USDT"].spent == Decimal("105")


def test_the_totals_are_shown_exactly_and_grouped(as_ana, main):
    make_trade(main, "ETH/BTC", "buy", amount=HUGE, price="1", cost=HUGE)
    make_trade(main, "ETH/BTC", "buy", amount=TINY, price="1", cost=TINY)
    content = as_ana.get(TRADES).content.decode()
    assert "123,456,789,012,345,678,901,234,567,890.123456789012345679" in content


def test_transfer_totals_sum_completed_deposits_withdrawals_and_fees_exactly(as_ana, main):
    make_transfer(main, "deposit", "ETH", amount=TINY)
    make_transfer(main, "deposit", "ETH", amount="2.000000000000000001")
    make_transfer(main, "withdrawal", "ETH", amount="1", fee="0.000000000000000005")
    make_transfer(main, "withdrawal", "ETH", amount="1", fee="0.000000000000000005")
    make_transfer(main, "withdrawal", "USDT", amount="10", fee="0.5", fee_currency="BNB")
    make_transfer(main, "withdrawal", "ETH", amount="50", status="failed")
    make_transfer(main, "deposit", "ETH", amount="70", status="pending")
    response = as_ana.get(TRANSFERS)
    totals = response.context["totals"]
    assert totals.count == 7
    assert totals.not_completed == 2
    eth = totals.by_asset["ETH"]
    assert eth.deposited == Decimal("2.000000000000000002")
    assert eth.withdrawn == Decimal("2")
    assert eth.fees == Decimal("0.00000000000000001")
    assert totals.by_asset["USDT"].fees == 0
    assert totals.by_asset["BNB"].fees == Decimal("0.5")
    assert b"2 pending, failed or canceled transfers are listed but not summed" in (
        response.content
    )


# --- The amount filter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("0.000000010000"), "0.00000001"),
        (Decimal("1234567.500000000000000000"), "1,234,567.5"),
        (Decimal("100.000000000000000000"), "100"),
        (Decimal("0E-18"), "0"),
        (Decimal("-0.000"), "0"),
        (Decimal("-1234.50"), "-1,234.5"),
        (Decimal(HUGE), "123,456,789,012,345,678,901,234,567,890.123456789012345678"),
        (Decimal("1E+3"), "1,000"),
        (7, "7"),
        (None, ""),
    ],
)
def test_the_amount_filter_drops_trailing_zeros_and_groups_thousands(value, shown):
    assert amount(value) == shown


def test_the_amount_filter_refuses_a_float():
    with pytest.raises(TypeError):
        amount(0.1)


def test_the_amount_filter_is_available_in_templates():
    rendered = Template("{% load porthole %}{{ v|amount }}").render(
        Context({"v": Decimal("1000.10")})
    )
    assert rendered == "1,000.1"


def test_totals_are_remembered_until_a_sync_adds_or_changes_rows(django_user_model):
    from decimal import Decimal

    from portfolio import history_selectors as hs
    from tests.history_helpers import make_account, make_trade, make_transfer

    user = django_user_model.objects.create_user("tot", password="a-long-password-1")
    account = make_account(user)
    make_trade(account, amount="1")
    trades = hs.trades_of(user)
    assert hs.trade_totals(trades).by_asset["BTC"].bought == Decimal("1")
    calls = []
    original = hs._sum_trades
    hs._sum_trades = lambda qs: calls.append(1) or original(qs)
    try:
        hs.trade_totals(hs.trades_of(user))
        assert calls == []  # served from the cache
        make_trade(account, amount="2")
        assert hs.trade_totals(hs.trades_of(user)).by_asset["BTC"].bought == Decimal("3")
        assert calls == [1]
    finally:
        hs._sum_trades = original
    pending = make_transfer(account, amount="5", status="pending")
    assert hs.transfer_totals(hs.transfers_of(user)).not_completed == 1
    from django.utils import timezone

    pending.status = "ok"
    pending.updated_at = timezone.now()  # as the sync's store does when it completes
    pending.save()
    assert hs.transfer_totals(hs.transfers_of(user)).by_asset["BTC"].deposited == Decimal("5")


def test_the_totals_on_the_page_change_as_soon_as_a_trade_arrives(client, django_user_model):
    from tests.history_helpers import make_account, make_trade

    user = django_user_model.objects.create_user("pg", password="a-long-password-1")
    client.force_login(user)
    account = make_account(user)
    make_trade(account, market="ZEC/USDT", amount="1.5")
    assert "1.5" in client.get("/trades/").content.decode()
    make_trade(account, market="ZEC/USDT", amount="2.25")
    page = client.get("/trades/").content.decode()
    assert "3.75" in page
