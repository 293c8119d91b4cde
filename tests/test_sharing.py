"""Sharing a portfolio: shares and revocation, the shared pages, the household, and the limits.

The owner's data is built with canary numbers; an allocation-only viewer must never receive
any of their digits, in any form a page or an endpoint could print them.
"""

import json
from dataclasses import fields
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchanges.models import ExchangeAccount
from portfolio import selectors as dashboard
from portfolio.models import PortfolioValueDay
from portfolio.templatetags.porthole import amount
from sharing import selectors, services
from sharing.models import Share
from tests.dashboard_helpers import make_account, price, set_balances, trade, transfer

pytestmark = pytest.mark.django_db

D = Decimal

# Canaries: the owner's amount, prices, values and history values.
ETH_AMOUNT = D("4242.4242")
ETH_PRICE = D("31337.77")
SOL_PRICE = D("98765.4321")
HISTORY_VALUE = D("86420.1357")
ETH_VALUE = ETH_AMOUNT * ETH_PRICE  # 132948113.822034
TOTAL_VALUE = ETH_VALUE + SOL_PRICE  # one SOL is worth its price
CANARIES = [ETH_AMOUNT, ETH_PRICE, SOL_PRICE, HISTORY_VALUE, ETH_VALUE, TOTAL_VALUE]


def printed_forms(number: Decimal) -> set[str]:
    """Return the ways a page or an export could print a number: plain, grouped, rounded to
    cents, its whole part, and the same with the decimal comma of other locales."""
    whole = int(number)
    english = {
        str(number),
        f"{number:,}",
        f"{number:.2f}",
        f"{number:,.2f}",
        f"{whole:,}",
        amount(number),
    }
    if whole >= 1000:
        english.add(str(whole))
    swapped = {f.replace(",", "_").replace(".", ",").replace("_", ".") for f in english}
    spaced = {f.replace(",", " ") for f in english}
    return english | swapped | spaced


def assert_no_canary(text: str) -> None:
    for canary in CANARIES:
        for form in printed_forms(canary):
            assert form not in text, f"{form!r} (from {canary}) leaked"


@pytest.fixture(autouse=True)
def _pricing(settings):
    settings.PRICING_EXCHANGES = ["kraken"]
    settings.PRICE_STALE_AFTER = timedelta(hours=2)


@pytest.fixture
def olga(django_user_model):
    """The owner, with canary holdings, prices, history and a trade."""
    olga = django_user_model.objects.create_user("olga")
    account = make_account(olga, "kraken", "Olga's savings")
    set_balances(account, {"ETH": str(ETH_AMOUNT), "SOL": "1", "ODDCOIN": "7"})
    price("kraken", "ETH/USD", str(ETH_PRICE))
    price("kraken", "SOL/USD", str(SOL_PRICE))
    day = dashboard.today_utc() - timedelta(days=1)
    PortfolioValueDay.objects.create(user=olga, day=day, base_currency="USD", value=HISTORY_VALUE)
    trade(account, day, "ETH/USD", "buy", str(ETH_AMOUNT), str(ETH_PRICE))
    transfer(account, day, "deposit", "SOL", "1")
    return olga


@pytest.fixture
def vic(django_user_model):
    return django_user_model.objects.create_user("vic")


@pytest.fixture
def as_vic(client, vic):
    client.force_login(vic)
    return client


def share(owner, viewer, level: str) -> Share:
    return Share.objects.create(owner=owner, viewer=viewer, level=level)


def allocation_percents() -> dict[str, str]:
    eth = (ETH_VALUE / TOTAL_VALUE * 100).quantize(D("0.01"))
    return {"ETH": str(eth), "SOL": str(D(100) - eth)}


# --- Sharing and revoking ---------------------------------------------------------------------


def test_a_user_shares_by_username_and_the_viewer_sees_it_at_once(as_vic, vic, olga, client):
    client.force_login(olga)
    response = client.post(reverse("sharing:sharing"), {"username": "vic", "level": "full"})
    assert response.status_code == 302
    assert Share.objects.get(owner=olga, viewer=vic).level == "full"
    client.force_login(vic)
    assert client.get(reverse("sharing:shared", args=["olga"])).status_code == 200
    page = client.get(reverse("sharing:sharing")).content.decode()
    assert reverse("sharing:shared", args=["olga"]) in page


def test_sharing_again_with_the_same_person_changes_the_level(vic, olga):
    services.share_portfolio(olga, "vic", "full")
    shared, created = services.share_portfolio(olga, "vic", "allocation")
    assert not created
    assert list(Share.objects.values_list("level", flat=True)) == ["allocation"]


def test_revoking_a_share_takes_effect_on_the_next_request(client, vic, olga):
    given = share(olga, vic, "full")
    client.force_login(vic)
    assert client.get(reverse("sharing:shared", args=["olga"])).status_code == 200
    client.force_login(olga)
    response = client.post(reverse("sharing:revoke", args=[given.pk]))
    assert response.status_code == 302
    assert not Share.objects.exists()
    client.force_login(vic)
    assert client.get(reverse("sharing:shared", args=["olga"])).status_code == 404
    assert client.get(reverse("sharing:shared_data", args=["olga"])).status_code == 404


def test_only_the_owner_can_revoke_a_share(as_vic, vic, olga):
    given = share(olga, vic, "full")
    assert as_vic.post(reverse("sharing:revoke", args=[given.pk])).status_code == 404
    assert Share.objects.filter(pk=given.pk).exists()


def test_sharing_with_an_unknown_user_says_so(client, olga):
    client.force_login(olga)
    response = client.post(reverse("sharing:sharing"), {"username": "nobody", "level": "full"})
    assert response.status_code == 400
    assert "There is no user &#x27;nobody&#x27; on this Porthole." in response.content.decode()
    assert not Share.objects.exists()


def test_sharing_with_yourself_says_so(client, olga):
    client.force_login(olga)
    response = client.post(reverse("sharing:sharing"), {"username": "olga", "level": "full"})
    assert response.status_code == 400
    assert "That is you" in response.content.decode()
    assert not Share.objects.exists()


def test_sharing_with_a_deactivated_user_is_refused_like_an_unknown_one(olga, vic):
    vic.is_active = False
    vic.save()
    with pytest.raises(services.ShareRefused, match="no user 'vic'"):
        services.share_portfolio(olga, "vic", "full")


def test_the_sharing_page_lists_shares_given_and_received(as_vic, vic, olga, django_user_model):
    kim = django_user_model.objects.create_user("kim")
    share(vic, kim, "allocation")
    share(olga, vic, "full")
    page = as_vic.get(reverse("sharing:sharing")).content.decode()
    assert "kim" in page and "Allocation only" in page
    assert reverse("sharing:revoke", args=[Share.objects.get(owner=vic).pk]) in page
    assert reverse("sharing:shared", args=["olga"]) in page


# --- Access -----------------------------------------------------------------------------------

NEW_URLS = [
    ("get", reverse("sharing:sharing")),
    ("post", reverse("sharing:sharing")),
    ("post", reverse("sharing:revoke", args=[1])),
    ("get", reverse("sharing:shared", args=["olga"])),
    ("get", reverse("sharing:shared_data", args=["olga"])),
    ("get", reverse("sharing:household")),
]


@pytest.mark.parametrize(("method", "url"), NEW_URLS)
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, olga, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["sharing:shared", "sharing:shared_data"])
def test_without_a_share_the_shared_pages_are_404(as_vic, olga, name):
    assert as_vic.get(reverse(name, args=["olga"])).status_code == 404
    assert as_vic.get(reverse(name, args=["nobody"])).status_code == 404
    assert as_vic.get(reverse(name, args=["vic"])).status_code == 404


def test_a_share_in_the_other_direction_grants_nothing(as_vic, vic, olga):
    share(vic, olga, "full")
    assert as_vic.get(reverse("sharing:shared", args=["olga"])).status_code == 404


def test_the_selector_raises_404_without_a_share(vic, olga):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.shared_portfolio(vic, olga)


# --- Allocation only: never an amount or a value ----------------------------------------------


def test_the_allocation_view_type_cannot_carry_an_amount():
    assert {f.name for f in fields(selectors.AllocationView)} == {
        "owner_name",
        "assets",
        "unpriced_assets",
        "level",
    }
    assert {f.name for f in fields(selectors.AssetPercent)} == {"asset", "percent"}


def test_an_allocation_viewer_sees_percentages_and_no_amount_on_the_shared_page(as_vic, vic, olga):
    share(olga, vic, "allocation")
    response = as_vic.get(reverse("sharing:shared", args=["olga"]))
    assert response.status_code == 200
    page = response.content.decode()
    for asset, percent in allocation_percents().items():
        assert asset in page and percent in page
    assert "ODDCOIN" in page  # held without a price: named, no percentage
    assert_no_canary(page)
    assert "Olga&#x27;s savings" not in page  # no account either


def test_an_allocation_viewer_gets_percentages_and_no_amount_from_the_json(as_vic, vic, olga):
    share(olga, vic, "allocation")
    response = as_vic.get(reverse("sharing:shared_data", args=["olga"]))
    assert response.status_code == 200
    assert_no_canary(response.content.decode())
    data = json.loads(response.content)
    assert data["level"] == "allocation"
    assert {a["asset"]: a["percent"] for a in data["assets"]} == allocation_percents()
    assert set(data) == {"owner", "level", "assets", "unpriced_assets"}


def test_an_allocation_viewer_sees_no_amount_on_the_household_page(as_vic, vic, olga):
    share(olga, vic, "allocation")
    set_balances(make_account(vic), {"BTC": "0.5"})
    price("kraken", "BTC/USD", "60000")
    page = as_vic.get(reverse("sharing:household")).content.decode()
    for percent in allocation_percents().values():
        assert percent in page
    assert_no_canary(page)


def test_the_canary_check_would_catch_a_leak(as_vic, vic, olga):
    # The same pages, shared in full, do print the canaries: the check above is not blind.
    share(olga, vic, "full")
    page = as_vic.get(reverse("sharing:shared", args=["olga"])).content.decode()
    with pytest.raises(AssertionError):
        assert_no_canary(page)


# --- Full share -------------------------------------------------------------------------------


def test_a_full_viewer_sees_amounts_values_history_and_trades(as_vic, vic, olga):
    share(olga, vic, "full")
    page = as_vic.get(reverse("sharing:shared", args=["olga"])).content.decode()
    for number in (ETH_AMOUNT, ETH_PRICE, SOL_PRICE, ETH_VALUE, TOTAL_VALUE, HISTORY_VALUE):
        assert amount(number) in page
    assert "ETH/USD" in page
    # Looking, not acting: no link to the owner's account pages.
    account = ExchangeAccount.objects.get(owner=olga)
    assert reverse("exchanges:detail", args=[account.pk]) not in page


def test_a_full_viewer_gets_exact_values_from_the_json(as_vic, vic, olga):
    share(olga, vic, "full")
    data = as_vic.get(reverse("sharing:shared_data", args=["olga"])).json()
    assert D(data["total_value"]) == TOTAL_VALUE
    eth = next(row for row in data["holdings"] if row["asset"] == "ETH")
    assert (D(eth["amount"]), D(eth["value"])) == (ETH_AMOUNT, ETH_VALUE)
    assert [D(p["value"]) for p in data["history"]] == [HISTORY_VALUE]


def test_the_shared_portfolio_is_the_owners_not_the_viewers(vic, olga):
    set_balances(make_account(vic), {"BTC": "1"})
    share(olga, vic, "full")
    view = selectors.shared_portfolio(vic, "olga")
    assert isinstance(view, selectors.FullView)
    owners = dashboard.holdings(olga)
    assert view.holdings.total_value == owners.total_value == TOTAL_VALUE
    assert [r.asset for r in view.holdings.rows] == [r.asset for r in owners.rows]
    assert view.holdings.row("BTC") is None


# --- Household --------------------------------------------------------------------------------


@pytest.fixture
def fay(django_user_model):
    fay = django_user_model.objects.create_user("fay")
    set_balances(make_account(fay, "kraken", "Fay"), {"USDT": "1000", "BTC": "0.25"})
    return fay


@pytest.fixture
def household_prices():
    price("kraken", "BTC/USD", "60000")
    price("kraken", "USDT/USD", "0.999")


def test_the_household_total_is_own_plus_full_shares_exactly(vic, olga, fay, household_prices):
    set_balances(make_account(vic), {"BTC": "0.5"})
    share(fay, vic, "full")
    share(olga, vic, "allocation")
    home = selectors.household(vic)
    own = dashboard.holdings(vic).total_value
    fays = dashboard.holdings(fay).total_value
    assert home.total_value == own + fays == D("30000") + D("15999")
    assert [(p.name, p.is_you, p.value) for p in home.people] == [
        ("vic", True, own),
        ("fay", False, fays),
    ]
    btc = next(a for a in home.assets if a.asset == "BTC")
    assert (btc.amount, btc.value) == (D("0.75"), D("45000"))
    assert [(p.name, p.amount) for p in btc.people] == [("vic", D("0.5")), ("fay", D("0.25"))]
    # Olga's allocation-only portfolio is apart, as percentages only, and not in the total.
    (olgas,) = home.allocation_only
    assert olgas.owner_name == "olga"
    assert {a.asset: str(a.percent) for a in olgas.assets} == allocation_percents()
    assert "ETH" not in {a.asset for a in home.assets}


def test_the_household_page_shows_values_per_person(as_vic, vic, fay, household_prices):
    set_balances(make_account(vic), {"BTC": "0.5"})
    share(fay, vic, "full")
    page = as_vic.get(reverse("sharing:household")).content.decode()
    assert amount(D("45999")) in page  # the total
    assert amount(D("15999")) in page  # fay's part
    assert reverse("sharing:shared", args=["fay"]) in page


def test_the_household_values_everyone_in_the_viewers_base_currency(vic, fay, household_prices):
    from portfolio.models import UserSettings

    UserSettings.objects.create(user=fay, base_currency="EUR")
    share(fay, vic, "full")
    home = selectors.household(vic)
    assert home.base_currency == "USD"
    assert home.total_value == D("15999")


def test_the_household_reads_a_fixed_number_of_queries(
    vic, fay, olga, household_prices, django_user_model
):
    set_balances(make_account(vic), {"BTC": "0.5"})
    share(fay, vic, "full")
    with CaptureQueriesContext(connection) as small:
        selectors.household(vic)
    for n in range(3):
        person = django_user_model.objects.create_user(f"p{n}")
        for label in ("a", "b"):
            set_balances(make_account(person, "kraken", label), {"BTC": "1", f"X{n}": "2"})
        share(person, vic, "full" if n % 2 else "allocation")
    share(olga, vic, "full")
    with CaptureQueriesContext(connection) as large:
        home = selectors.household(vic)
    assert len(home.people) == 4
    assert len(large) == len(small) == 4


# --- A share grants no action -----------------------------------------------------------------


def _exchange_requests(pk: int) -> list[tuple[str, str]]:
    return [
        ("get", reverse("exchanges:detail", args=[pk])),
        ("get", reverse("exchanges:sync_status", args=[pk])),
        ("get", reverse("exchanges:replace_key", args=[pk])),
        ("post", reverse("exchanges:replace_key", args=[pk])),
        ("post", reverse("exchanges:verify", args=[pk])),
        ("post", reverse("exchanges:enable", args=[pk])),
        ("post", reverse("exchanges:disable", args=[pk])),
        ("post", reverse("exchanges:remove_key", args=[pk])),
        ("post", reverse("exchanges:sync_now", args=[pk])),
    ]


def test_every_exchanges_url_of_the_owners_account_is_404_for_a_full_viewer(as_vic, vic, olga):
    share(olga, vic, "full")
    account = ExchangeAccount.objects.get(owner=olga)
    for method, url in _exchange_requests(account.pk):
        response = getattr(as_vic, method)(url, {"keep_data": "on"} if method == "post" else {})
        assert response.status_code == 404, f"{method.upper()} {url}"
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.ACTIVE and account.encrypted_credentials
    listed = as_vic.get(reverse("exchanges:list")).content.decode()
    assert "savings" not in listed
    assert reverse("exchanges:detail", args=[account.pk]) not in listed


@pytest.mark.parametrize(
    "name",
    ["history:trades", "history:transfers", "history:trades_export", "history:transfers_export"],
)
def test_every_history_url_with_the_owners_account_is_404_for_a_full_viewer(
    as_vic, vic, olga, name
):
    share(olga, vic, "full")
    account = ExchangeAccount.objects.get(owner=olga)
    assert as_vic.get(reverse(name), {"account": account.pk}).status_code == 404


def test_a_full_viewers_own_history_pages_and_exports_hold_nothing_of_the_owner(as_vic, vic, olga):
    share(olga, vic, "full")
    for name in ("history:trades_export", "history:transfers_export"):
        body = b"".join(as_vic.get(reverse(name)).streaming_content).decode()
        assert_no_canary(body)
    assert_no_canary(as_vic.get(reverse("history:trades")).content.decode())


# --- Admin ------------------------------------------------------------------------------------


def test_the_admin_lists_shares_with_their_level_and_filters(client, vic, olga, django_user_model):
    share(olga, vic, "allocation")
    admin = django_user_model.objects.create_superuser("root", password="a-long-password-1")
    client.force_login(admin)
    page = client.get(reverse("admin:sharing_share_changelist"), {"level": "allocation"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "olga" in text and "vic" in text and "Allocation only" in text
