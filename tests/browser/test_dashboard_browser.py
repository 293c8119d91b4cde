"""The pages in a real headless Chromium against the live server: log in, the dashboard's
charts are drawn, the holdings table sorts, the trades filters and CSV export work, nothing
scrolls sideways on a phone, and screenshots of the main pages (light and dark) are saved to
artifacts/screenshots/ for a person to look at."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from portfolio import selectors
from tests.dashboard_demo import demo_portfolio
from tests.dashboard_helpers import trade, transfer

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-password-1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

CANVAS_INK = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let alpha = 0;
  for (let i = 3; i < pixels.length; i += 4) alpha += pixels[i];
  return alpha;
}"""


@pytest.fixture(autouse=True)
def _pricing(settings):
    settings.PRICING_EXCHANGES = ["binance", "kraken", "coinbase"]
    settings.PRICE_STALE_AFTER = timedelta(hours=2)


@pytest.fixture
def ana(django_user_model):
    """Ana with the demo portfolio, a year of history, and some trades and transfers."""
    user = django_user_model.objects.create_user("ana", password=PASSWORD)
    accounts = demo_portfolio(user)
    main, savings = accounts["Main"], accounts["Savings"]
    today = selectors.today_utc()
    for n in range(6):
        trade(
            main, today - timedelta(days=10 * n), "BTC/USDT", "buy", "0.1", "58000", "0.1", "USDT"
        )
    trade(main, today - timedelta(days=3), "ETH/USDT", "sell", "0.5", "3100")
    trade(savings, today - timedelta(days=2), "ETH/USD", "buy", "1", "2950.5")
    transfer(main, today - timedelta(days=90), "deposit", "USDT", "10000")
    transfer(savings, today - timedelta(days=5), "withdrawal", "ETH", "0.25", fee="0.001")
    user.accounts = accounts
    return user


def log_in(page, live_server, username: str = "ana") -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("dashboard"))


def charts_drawn(page) -> None:
    """Wait until Chart.js has drawn all three charts."""
    page.wait_for_function(
        "() => window.Chart && ['value-chart', 'asset-chart', 'exchange-chart']"
        ".every((id) => Chart.getChart(id))"
    )


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    yield context
    context.close()


def test_a_user_logs_in_and_sees_the_dashboard_with_its_charts_drawn(
    context, live_server, ana, screenshots
):
    page = context.new_page()
    log_in(page, live_server)
    charts_drawn(page)
    assert page.locator("[data-total]").inner_text() == "68,083.00"
    for chart in ("value-chart", "asset-chart", "exchange-chart"):
        assert page.evaluate(CANVAS_INK, chart) > 0, f"{chart} is blank"
    assert page.get_by_text("no price", exact=True).is_visible()
    assert page.get_by_text("Not included:").is_visible()
    assert page.locator(".badge.warn", has_text="hours old").first.is_visible()
    assert "trades: 3 of 12" in page.locator(".accounts-strip").inner_text()
    status = page.locator("[data-history-status]")
    assert "68,250.25 USD" in status.inner_text()

    page.get_by_role("button", name="1M", exact=True).click()
    page.wait_for_function("() => Chart.getChart('value-chart').data.labels.length === 30")
    assert page.get_by_role("button", name="1M", exact=True).get_attribute("aria-pressed") == (
        "true"
    )
    assert page.evaluate(CANVAS_INK, "value-chart") > 0
    page.screenshot(path=screenshots / "dashboard-1m-desktop-light.png", full_page=True)


def test_the_account_strip_links_to_the_account_page(context, live_server, ana):
    page = context.new_page()
    log_in(page, live_server)
    page.get_by_role("link", name="Old key").click()
    page.wait_for_url(f"**{reverse('exchanges:detail', args=[ana.accounts['Old key'].pk])}")
    expect(page.get_by_role("heading", name="Old key")).to_be_visible()


def test_the_holdings_table_sorts_from_the_keyboard_and_returns_to_the_server_order(
    context, live_server, ana
):
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server.url + reverse("holdings"))
    assets = page.locator("table.holdings tbody th[scope=row]")
    server_order = assets.all_inner_texts()
    assert server_order == ["BTC", "ETH", "SOL", "USDT", "NOPE"]

    by_asset = page.get_by_role("button", name="Asset")
    by_asset.focus()
    page.keyboard.press("Enter")
    assert assets.all_inner_texts() == ["BTC", "ETH", "NOPE", "SOL", "USDT"]
    assert page.locator("th", has=by_asset).get_attribute("aria-sort") == "ascending"
    page.keyboard.press("Enter")
    assert assets.all_inner_texts() == ["USDT", "SOL", "NOPE", "ETH", "BTC"]
    page.keyboard.press("Enter")
    assert assets.all_inner_texts() == server_order
    assert page.locator("th[aria-sort]").count() == 0

    page.get_by_role("button", name="Amount").click()  # largest first, exact decimals
    assert assets.all_inner_texts() == ["USDT", "NOPE", "SOL", "ETH", "BTC"]
    page.get_by_role("button", name="Price").click()  # the unpriced asset stays last
    assert assets.all_inner_texts() == ["BTC", "ETH", "SOL", "USDT", "NOPE"]
    page.get_by_role("button", name="Price").click()
    assert assets.all_inner_texts() == ["USDT", "SOL", "ETH", "BTC", "NOPE"]


def test_the_trades_filters_narrow_the_list_and_the_csv_export_downloads_it(
    context, live_server, ana
):
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server.url + reverse("history:trades"))
    assert page.get_by_role("heading", name="8 trades").is_visible()

    page.select_option("#f-direction", "sell")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**side=sell**")
    expect(page.get_by_role("heading", name="1 trade matching")).to_be_visible()

    page.fill("#f-asset", "BTC")
    page.select_option("#f-direction", "")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="6 trades matching")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename.startswith("porthole-trades-")
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 6  # the header, then the filtered trades only
    assert all("BTC/USDT" in row for row in rows[1:])


PHONE_PAGES = [
    ("dashboard", lambda user: reverse("dashboard")),
    ("holdings", lambda user: reverse("holdings")),
    ("trades", lambda user: reverse("history:trades")),
    ("transfers", lambda user: reverse("history:transfers")),
    ("exchanges", lambda user: reverse("exchanges:list")),
    ("account", lambda user: reverse("exchanges:detail", args=[user.accounts["Main"].pk])),
    ("settings", lambda user: reverse("settings")),
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, ana, screenshots, scheme):
    context = browser.new_context(viewport=PHONE, color_scheme=scheme, device_scale_factor=2)
    try:
        page = context.new_page()
        log_in(page, live_server)
        for name, url in PHONE_PAGES:
            page.goto(live_server.url + url(ana))
            if name == "dashboard":
                charts_drawn(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{name} is {width}px wide on a phone"
            page.screenshot(path=screenshots / f"{name}-phone-{scheme}.png", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_main_pages_are_photographed_on_a_desktop(
    browser, live_server, ana, screenshots, scheme
):
    context = browser.new_context(viewport=DESKTOP, color_scheme=scheme)
    try:
        page = context.new_page()
        log_in(page, live_server)
        for name, url in PHONE_PAGES:
            page.goto(live_server.url + url(ana))
            if name == "dashboard":
                charts_drawn(page)
            page.screenshot(path=screenshots / f"{name}-desktop-{scheme}.png", full_page=True)
    finally:
        context.close()


def test_a_new_user_is_asked_to_connect_an_exchange(
    context, live_server, django_user_model, screenshots
):
    django_user_model.objects.create_user("newcomer", password=PASSWORD)
    page = context.new_page()
    log_in(page, live_server, "newcomer")
    expect(page.get_by_role("heading", name="No exchange connected yet")).to_be_visible()
    page.get_by_role("link", name="Connect an exchange").click()
    page.wait_for_url(f"**{reverse('exchanges:connect')}")
    page.go_back()
    page.screenshot(path=screenshots / "dashboard-empty-desktop-light.png", full_page=True)


def test_settings_change_the_base_currency_shown_on_the_dashboard(context, live_server, ana):
    page = context.new_page()
    log_in(page, live_server)
    page.get_by_role("link", name="Settings").click()
    page.select_option("#id_base_currency", "EUR")
    page.select_option("#id_time_zone", "Europe/Zurich")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.goto(live_server.url + reverse("dashboard"))
    # No EUR market is stored, so every asset is unpriced in EUR: honest, not zero-valued.
    assert page.locator(".summary .currency").inner_text() == "EUR"
    expect(page.get_by_text("No history in EUR yet")).to_be_visible()
