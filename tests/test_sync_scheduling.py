"""Dispatcher, task retries, `sync_accounts`, "sync now" and the admin actions."""

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exchanges import errors, selectors, services, tasks
from exchanges.credentials import Credentials
from exchanges.models import ExchangeAccount
from exchanges.sync import schedule
from exchanges.sync.models import SyncRun, Trade
from tests.fake_exchange import Reply
from tests.fake_exchange import binance as fake

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(fake_exchange):
    ledger = fake.Ledger()
    ledger.balances = {"BTC": ("1", "0")}
    ledger.add_trade("BTCUSDT", "100", "1", 1_700_000_000_000)
    fake.serve_ledger(fake_exchange, ledger)
    return ledger


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password="a-long-password-1")


@pytest.fixture
def account(ana, ledger):
    return services.connect_account(
        owner=ana, exchange_id="binance", label="Main", credentials=Credentials(**fake.CREDENTIALS)
    )


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "celery.app.task.Task.apply_async",
        lambda self, args=None, kwargs=None, **o: sent.append((self.name, args, o)),
    )
    return sent


def test_the_dispatcher_queues_due_accounts_once_with_jittered_next_times(account, queued):
    assert tasks.dispatch_due_syncs() == 1
    assert queued == [("exchanges.tasks.sync_account", (account.pk,), {"expires": 3600.0})]
    account.refresh_from_db()
    delay = account.next_sync_at - timezone.now()
    assert timedelta(minutes=59) < delay <= timedelta(minutes=66, seconds=1)
    assert tasks.dispatch_due_syncs() == 0  # not due again until then


def test_the_dispatcher_skips_suspended_disabled_and_keyless_accounts(account, queued):
    services.suspend_account(account, "test")
    assert tasks.dispatch_due_syncs() == 0
    ExchangeAccount.objects.filter(pk=account.pk).update(status="active", sync_enabled=False)
    assert tasks.dispatch_due_syncs() == 0


def test_jitter_stays_within_a_tenth_of_the_interval():
    import random

    rng = random.Random(1)
    delays = [schedule.next_due(timedelta(hours=1), rng) for _ in range(200)]
    assert min(delays) >= timedelta(hours=1)
    assert max(delays) <= timedelta(hours=1, minutes=6)
    assert len(set(delays)) > 100


def test_the_sync_task_syncs_and_takes_only_the_account_id(account):
    tasks.sync_account.apply(args=(account.pk,))
    assert Trade.objects.filter(account=account).count() == 1
    assert SyncRun.objects.get().status == SyncRun.Status.SUCCEEDED


def test_a_transient_error_is_retried_and_a_permanent_one_is_not(account, fake_exchange):
    fake_exchange.route("GET", "/api/v3/account", Reply({"msg": "down"}, 503))
    with pytest.raises(Retry):
        tasks.sync_account.apply(args=(account.pk,), throw=True)
    assert SyncRun.objects.get().status == SyncRun.Status.RETRYING
    fake_exchange.route(
        "GET", "/api/v3/account", Reply({"code": -2014, "msg": "API-key format invalid."}, 401)
    )
    tasks.sync_account.apply(args=(account.pk,), throw=True)  # no Retry raised
    assert SyncRun.objects.order_by("-pk").first().status == SyncRun.Status.FAILED


def test_the_sync_command_reports_progress_and_its_exit_code(account, fake_exchange, capsys):
    call_command("sync_accounts")
    out = capsys.readouterr().out
    assert "done (1 new trades" in out
    fake.serve_permissions(fake_exchange, fake.permissions({"enableFutures": True}))
    with pytest.raises(SystemExit) as exited:
        call_command("sync_accounts", "--account", str(account.pk))
    assert exited.value.code == 1
    assert "Futures trading is enabled" in capsys.readouterr().out


def test_sync_now_queues_a_sync_and_the_status_is_visible(client, ana, account, queued):
    client.force_login(ana)
    response = client.post(reverse("exchanges:sync_now", args=[account.pk]), follow=True)
    assert b"Sync queued" in response.content
    assert queued[0][1] == (account.pk,)
    SyncRun.objects.create(account=account, progress="trades: markets 12 of 40")
    status = client.get(reverse("exchanges:sync_status", args=[account.pk])).json()
    assert status["running"] is True
    assert status["progress"] == "trades: markets 12 of 40"
    page = client.get(reverse("exchanges:detail", args=[account.pk])).content.decode()
    assert "trades: markets 12 of 40" in page


@pytest.mark.parametrize("name", ["detail", "sync_status", "replace_key"])
def test_another_users_account_pages_are_404(client, django_user_model, account, name):
    bob = django_user_model.objects.create_user("bob", password="b-long-password-1")
    client.force_login(bob)
    assert client.get(reverse(f"exchanges:{name}", args=[account.pk])).status_code == 404


@pytest.mark.parametrize("name", ["verify", "enable", "disable", "sync_now", "remove_key"])
def test_another_user_can_not_act_on_an_account(client, django_user_model, account, name, queued):
    bob = django_user_model.objects.create_user("bob", password="b-long-password-1")
    client.force_login(bob)
    assert client.post(reverse(f"exchanges:{name}", args=[account.pk])).status_code == 404
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.ACTIVE and account.encrypted_credentials
    assert queued == []


@pytest.mark.parametrize("name", ["list", "connect"])
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(f"exchanges:{name}"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_admin_actions_verify_suspend_reenable_and_sync(
    admin_client, account, fake_exchange, queued
):
    url = reverse("admin:exchanges_exchangeaccount_changelist")

    def act(action):
        return admin_client.post(
            url, {"action": action, "_selected_action": [account.pk]}, follow=True
        )

    assert b"read only" in act("verify_now").content
    act("suspend")
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED
    fake.serve_permissions(fake_exchange, fake.permissions({"enableWithdrawals": True}))
    assert b"still refused" in act("reenable").content
    fake.serve_permissions(fake_exchange, fake.permissions())
    act("reenable")
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.ACTIVE
    act("sync_now")
    assert queued[-1][1] == (account.pk,)


def test_a_stale_claim_of_a_crashed_worker_does_not_block_forever(account):
    ExchangeAccount.objects.filter(pk=account.pk).update(
        sync_claimed_until=timezone.now() - timedelta(seconds=1)
    )
    from exchanges.sync.engine import sync_account

    assert sync_account(account.pk).status == SyncRun.Status.SUCCEEDED


def test_errors_module_marks_which_problems_are_transient():
    assert errors.RateLimited().transient and errors.ExchangeUnreachable().transient
    assert not errors.AuthenticationFailed().transient


def test_the_rotation_reminder_follows_the_owners_own_setting(account, ana):
    from portfolio.models import UserSettings

    account.key_added_at = timezone.now() - timedelta(days=40)
    assert not selectors.rotation_due(account)  # the instance default is 90 days
    UserSettings.objects.create(user=ana, rotation_reminder_days=30)
    assert selectors.rotation_due(account)


def test_a_removed_key_is_never_due_for_rotation_on_any_page(account, ana):
    from portfolio.selectors import account_strip

    ExchangeAccount.objects.filter(pk=account.pk).update(
        key_added_at=timezone.now() - timedelta(days=400)
    )
    assert [card.rotation_due for card in account_strip(ana)] == [True]
    services.remove_key(ExchangeAccount.objects.get(pk=account.pk), keep_data=True)
    account.refresh_from_db()
    assert not selectors.rotation_due(account)
    assert [card.rotation_due for card in account_strip(ana)] == [False]
