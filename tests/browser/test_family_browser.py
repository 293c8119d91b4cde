"""A family joins through the UI in a real headless Chromium against the live server.

The admin invites Bea in the Django admin and reads the link from the admin's message (no
email is configured); Bea accepts it, turns two-factor on with the key shown as text, logs in
again with a code, and shares her portfolio with Carl at the allocation-only level; Carl sees
her assets and percentages on her shared page and in the household, and none of her amounts,
prices or values in any printed form. Screenshots of each step go to artifacts/screenshots/.
"""

import re
import time
from base64 import b32decode
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from playwright.sync_api import expect

from sharing.models import Share
from tests.dashboard_helpers import make_account, price, set_balances
from tests.people_helpers import empty_cache  # noqa: F401 - autouse: a cache of this test's own
from tests.test_sharing import printed_forms

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN_PASSWORD = "the-admins-long-password-1"
BEA_PASSWORD = "beas-own-long-password-7"
CARL_PASSWORD = "carls-long-password-3"
DESKTOP = {"width": 1280, "height": 900}

D = Decimal
# Canaries: Bea's amount, prices and values; Carl may see none of them.
ETH_AMOUNT = D("4242.4242")
ETH_PRICE = D("31337.77")
SOL_PRICE = D("98765.4321")
ETH_VALUE = ETH_AMOUNT * ETH_PRICE
TOTAL_VALUE = ETH_VALUE + SOL_PRICE  # she holds one SOL
CANARIES = [ETH_AMOUNT, ETH_PRICE, SOL_PRICE, ETH_VALUE, TOTAL_VALUE]
ETH_PERCENT = (ETH_VALUE / TOTAL_VALUE * 100).quantize(D("0.01"))
PERCENTS = {"ETH": f"{ETH_PERCENT} %", "SOL": f"{D(100) - ETH_PERCENT} %"}


@pytest.fixture(autouse=True)
def _pricing(settings):
    settings.PRICING_EXCHANGES = ["kraken"]
    settings.PRICE_STALE_AFTER = timedelta(hours=2)
    settings.EMAIL_CONFIGURED = False  # the admin is shown the link instead


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP)
    yield context.new_page()
    context.close()


def url(live_server, name: str, *args) -> str:
    return live_server.url + reverse(name, args=args)


def code_from_key(manual_key: str, steps_ahead: int = 0) -> str:
    """Return the code an authenticator app given this typed key shows now (or later)."""
    key = manual_key.replace(" ", "")
    totp = TOTP(b32decode(key + "=" * (-len(key) % 8)), step=30, t0=0, digits=6)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def log_in(page, live_server, username: str, password: str) -> None:
    page.goto(url(live_server, "login"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Log in").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def assert_no_canary(text: str, where: str) -> None:
    for canary in CANARIES:
        for form in printed_forms(canary):
            assert form not in text, f"{form!r} (from {canary}) leaked on {where}"


def give_bea_a_portfolio(bea) -> None:
    """Bea's exchange account as a sync would leave it: balances, and prices to value them."""
    account = make_account(bea, "kraken", "Bea's savings")
    set_balances(account, {"ETH": str(ETH_AMOUNT), "SOL": "1"})
    price("kraken", "ETH/USD", str(ETH_PRICE))
    price("kraken", "SOL/USD", str(SOL_PRICE))


def test_an_invited_person_sets_up_two_factor_and_shares_her_allocation(
    page, live_server, django_user_model, screenshots
):
    django_user_model.objects.create_superuser("admin", password=ADMIN_PASSWORD)
    carl = django_user_model.objects.create_user("carl", password=CARL_PASSWORD)

    # 1. The admin invites Bea in the Django admin and reads the link from its message.
    log_in(page, live_server, "admin", ADMIN_PASSWORD)
    page.wait_for_url(url(live_server, "dashboard"))
    page.get_by_role("link", name="Admin", exact=True).click()
    page.wait_for_url(url(live_server, "admin:index"))
    page.locator("tr.model-invite").get_by_role("link", name="Add").click()
    page.wait_for_url(url(live_server, "admin:people_invite_add"))
    page.fill("#id_username", "bea")
    page.locator("input[name=_save]").click()
    page.wait_for_url(url(live_server, "admin:people_invite_changelist"))
    message = page.locator(".messagelist li", has_text="give bea this link yourself")
    expect(message).to_be_visible()
    page.screenshot(path=screenshots / "family-01-invite.png", full_page=True)
    invite_link = re.search(r"(https?://\S+/invite/\S+/)", message.inner_text()).group(1)
    assert invite_link.startswith(live_server.url)
    log_out(page)

    # 2. Bea opens the link, keeps the suggested username, chooses a password and is in.
    page.goto(invite_link)
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(page.locator("#id_username")).to_have_value("bea")
    page.fill("#id_password1", BEA_PASSWORD)
    page.fill("#id_password2", BEA_PASSWORD)
    page.screenshot(path=screenshots / "family-02-accept-invite.png", full_page=True)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(url(live_server, "dashboard"))
    expect(page.get_by_text("Welcome, bea. Your account is ready.")).to_be_visible()
    log_out(page)
    log_in(page, live_server, "bea", BEA_PASSWORD)
    page.wait_for_url(url(live_server, "dashboard"))
    bea = django_user_model.objects.get(username="bea")

    # 3. Bea turns two-factor on, typing the key into her "app" (computed here).
    page.get_by_role("link", name="Security").click()
    page.wait_for_url(url(live_server, "people:security"))
    page.goto(url(live_server, "people:two_factor_enrol"))
    key = page.locator("code.manual-key").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key), key
    expect(page.locator("svg.qr-code")).to_be_visible()
    page.screenshot(path=screenshots / "family-03-two-factor-enrol.png", full_page=True)
    page.fill("#id_code", code_from_key(key))
    page.get_by_role("button", name="Turn on").click()
    expect(
        page.get_by_role("heading", name="Two-factor is on: save your recovery codes")
    ).to_be_visible()
    codes = page.locator("ol.recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(codes)
    page.screenshot(path=screenshots / "family-04-recovery-codes.png", full_page=True)
    page.get_by_role("link", name="I have saved them").click()
    page.wait_for_url(url(live_server, "people:security"))
    log_out(page)

    # Her password alone no longer lets her in: the code step follows. The code enrolment
    # used cannot be replayed, so she types the app's next one (within the allowed drift).
    log_in(page, live_server, "bea", BEA_PASSWORD)
    page.wait_for_url(url(live_server, "login_two_factor"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.screenshot(path=screenshots / "family-05-login-code.png", full_page=True)
    page.fill("#id_code", code_from_key(key, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(url(live_server, "dashboard"))
    expect(page.locator(".site-header .who")).to_have_text("bea")

    # 4. Her sync has run (built here), and she shares her allocation only with Carl.
    give_bea_a_portfolio(bea)
    page.get_by_role("link", name="Sharing").click()
    page.wait_for_url(url(live_server, "sharing:sharing"))
    page.fill("#id_username", "carl")
    page.get_by_label("Allocation only: assets and percentages, no amounts").check()
    page.get_by_role("button", name="Share", exact=True).click()
    page.wait_for_url(url(live_server, "sharing:sharing"))
    expect(page.get_by_text("carl now sees: Allocation only")).to_be_visible()
    given = page.locator("section[aria-labelledby=given-heading] tbody tr")
    expect(given).to_have_count(1)
    expect(given.locator("th")).to_have_text("carl")
    page.screenshot(path=screenshots / "family-06-sharing.png", full_page=True)
    assert Share.objects.get(owner=bea, viewer=carl).level == Share.Level.ALLOCATION
    log_out(page)

    # 5. Carl sees which assets and what part of the portfolio each is, and no number of hers.
    log_in(page, live_server, "carl", CARL_PASSWORD)
    page.wait_for_url(url(live_server, "dashboard"))
    page.goto(url(live_server, "sharing:shared", "bea"))
    expect(page.get_by_role("heading", name="bea's allocation")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    shown = {row.locator("th").inner_text(): row.locator("td").inner_text() for row in rows.all()}
    assert shown == PERCENTS
    page.screenshot(path=screenshots / "family-07-shared-allocation.png", full_page=True)
    assert_no_canary(page.locator("body").inner_text(), "bea's shared page (text)")
    assert_no_canary(page.content(), "bea's shared page (HTML)")

    page.get_by_role("link", name="Household").click()
    page.wait_for_url(url(live_server, "sharing:household"))
    apart = page.locator("section[aria-labelledby=allocation-heading]")
    expect(apart.get_by_role("link", name="bea")).to_be_visible()
    apart_rows = apart.locator("tbody tr")
    expect(apart_rows).to_have_count(2)
    shown = {r.locator("th").inner_text(): r.locator("td").inner_text() for r in apart_rows.all()}
    assert shown == PERCENTS
    page.screenshot(path=screenshots / "family-08-household.png", full_page=True)
    assert_no_canary(page.locator("body").inner_text(), "the household (text)")
    assert_no_canary(page.content(), "the household (HTML)")
