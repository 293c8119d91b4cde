"""The admin's instance overview: accounts by status, failing syncs, keys due for rotation and
background health, for staff only, and never anyone's amounts, balances, prices or values."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from exchanges.models import ExchangeAccount
from exchanges.sync.models import BalanceSnapshot, SyncRun
from portfolio.models import HoldingDay, PortfolioValueDay, Price, UserSettings
from tests.dashboard_helpers import make_account, set_balances, trade, transfer

pytestmark = pytest.mark.django_db

OVERVIEW = "/admin/overview/"
# Digits that appear in no count, id or date of these tests, in every way Django may print an
# amount (plain, grouped, with trailing zeros).
CANARY = "123456.789"
CANARY_FRAGMENTS = ("123456", "123,456", "123 456", "456.789", "456,789")


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password="a-long-password-1")


@pytest.fixture
def ben(django_user_model):
    return django_user_model.objects.create_user("ben", password="a-long-password-1")


@pytest.fixture
def instance(ana, ben, settings):
    """Return accounts in every state, each holding, trading and valued at canary amounts."""
    settings.KEY_ROTATION_DAYS = 90
    now = timezone.now()
    today = date.today()
    healthy = make_account(ana, "binance", "Ana spot")
    failing = make_account(ana, "kraken", "Ana savings")
    old_key = make_account(ben, "binance", "Ben long-term")
    suspended = make_account(ben, "coinbase", "Ben card")
    disabled = make_account(ben, "binance", "Ben old")
    ExchangeAccount.objects.filter(pk__in=[healthy.pk, old_key.pk]).update(last_sync_at=now)
    ExchangeAccount.objects.filter(pk=failing.pk).update(
        last_sync_at=now - timedelta(days=3), created_at=now - timedelta(days=30)
    )
    SyncRun.objects.create(
        account=failing,
        status=SyncRun.Status.FAILED,
        error_class="MalformedAnswer",
        message=f"Balance {CANARY} could not be read",
    )
    ExchangeAccount.objects.filter(pk=old_key.pk).update(key_added_at=now - timedelta(days=100))
    ExchangeAccount.objects.filter(pk=suspended.pk).update(
        status=ExchangeAccount.Status.SUSPENDED, status_reason="It can trade."
    )
    ExchangeAccount.objects.filter(pk=disabled.pk).update(status=ExchangeAccount.Status.DISABLED)
    for account in (healthy, failing, old_key, suspended, disabled):
        set_balances(account, {"BTC": CANARY, "ETH": CANARY})
        BalanceSnapshot.objects.create(
            account=account, day=today, asset="BTC", total=Decimal(CANARY)
        )
        HoldingDay.objects.create(
            account=account, day=today, asset="BTC", amount=Decimal(CANARY), source="snapshot"
        )
        trade(account, today, "BTC/USDT", "buy", CANARY, CANARY, fee=CANARY, fee_currency="USDT")
        transfer(account, today, "deposit", "BTC", CANARY, fee=CANARY)
    for user in (ana, ben):
        PortfolioValueDay.objects.create(
            user=user, day=today, base_currency="USD", value=Decimal(CANARY)
        )
    Price.objects.create(
        exchange_id="binance",
        symbol="BTC/USDT",
        base="BTC",
        quote="USDT",
        last=Decimal(CANARY),
        fetched_at=now,
    )
    return {
        "healthy": healthy,
        "failing": failing,
        "old_key": old_key,
        "suspended": suspended,
        "disabled": disabled,
    }


def test_the_overview_never_shows_an_amount_balance_price_or_value(admin_client, instance):
    response = admin_client.get(OVERVIEW)
    assert response.status_code == 200
    page = response.content.decode()
    for fragment in CANARY_FRAGMENTS:
        assert fragment not in page, f"{fragment} leaked into the overview"


def test_the_overview_counts_accounts_per_status_on_each_exchange(admin_client, instance):
    overview = admin_client.get(OVERVIEW).context["overview"]
    rows = {row.exchange_id: row for row in overview.accounts_by_exchange}
    assert (rows["binance"].active, rows["binance"].suspended, rows["binance"].disabled) == (
        2,
        0,
        1,
    )
    assert (rows["coinbase"].suspended, rows["kraken"].active) == (1, 1)
    total = overview.accounts_total
    assert (total.active, total.suspended, total.disabled, total.total) == (3, 1, 1, 5)


def test_the_overview_lists_failing_syncs_with_owner_label_and_error_class(admin_client, instance):
    response = admin_client.get(OVERVIEW)
    failing = response.context["overview"].failing_syncs
    assert [(f.owner_username, f.label, f.stale) for f in failing] == [("ana", "Ana savings", True)]
    page = response.content.decode()
    assert "Ana savings" in page and "MalformedAnswer" in page and "Failed" in page
    # The run's message is the owner's: the admin sees only its status and exception class.
    assert "could not be read" not in page


def test_the_overview_lists_keys_due_by_each_owners_reminder(admin_client, instance, ana):
    UserSettings.objects.create(user=ana, rotation_reminder_days=1)
    ExchangeAccount.objects.filter(pk=instance["healthy"].pk).update(
        key_added_at=timezone.now() - timedelta(days=2)
    )
    due = admin_client.get(OVERVIEW).context["overview"].keys_due
    assert [(key.owner_username, key.label, key.reminder_days) for key in due] == [
        ("ben", "Ben long-term", 90),
        ("ana", "Ana spot", 1),
    ]


def test_the_overview_shows_worker_and_scheduler_health(admin_client, instance):
    page = admin_client.get(OVERVIEW).content.decode()
    assert "Worker" in page and "Scheduler" in page and "no heartbeat yet" in page


def test_a_signed_in_user_who_is_not_staff_cannot_see_the_overview(client, ana, instance):
    client.force_login(ana)
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert "Ana savings" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_log_in_from_the_overview(client):
    response = client.get(OVERVIEW, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))


def test_the_admin_index_links_to_the_overview(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("admin_overview")}"' in page
    # Django's own app list is still there.
    assert reverse("admin:exchanges_exchangeaccount_changelist") in page
