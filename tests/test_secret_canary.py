"""A canary secret goes through a whole connect/verify/replace/remove cycle and shows up nowhere:
not in any page, admin page, log line, queued task or error report."""

import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from exchanges import tasks
from exchanges.models import ExchangeAccount
from tests.fake_exchange import binance as fake

pytestmark = pytest.mark.django_db

CANARY_SECRET = "CANARY-SECRET-0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"
CANARY_KEY = "CANARYAPIKEY-7e6d5c4b3a29181716151413"
CANARY_SECRET_2 = "CANARY-SECRET-TWO-11223344556677889900aabbccdd"
CANARIES = (CANARY_SECRET, CANARY_KEY, CANARY_SECRET_2)


def assert_clean(text: str, where: str) -> None:
    for canary in CANARIES:
        assert canary not in text, f"{canary[:14]}… leaked into {where}"


@pytest.fixture
def queued(monkeypatch):
    """Record every task message that would be sent to the broker."""
    sent = []

    def fake_apply_async(self, args=None, kwargs=None, **options):
        sent.append((self.name, args, kwargs, options))

    monkeypatch.setattr("celery.app.task.Task.apply_async", fake_apply_async)
    return sent


def test_a_canary_secret_never_leaves_the_encrypted_column(
    client, admin_client, django_user_model, fake_exchange, caplog, queued, capsys
):
    caplog.set_level(logging.DEBUG)
    # Every logger at DEBUG, ccxt's and urllib3's included (they would log request headers).
    for name in ("ccxt", "urllib3", "exchanges", "celery", "django"):
        caplog.set_level(logging.DEBUG, logger=name)
    ana = django_user_model.objects.create_user("ana", password="a-long-password-1")
    client.force_login(ana)
    ledger = fake.Ledger()
    ledger.balances = {"BTC": ("1", "0")}
    ledger.add_trade("BTCUSDT", "100", "1", 1_700_000_000_000)
    fake.serve_ledger(fake_exchange, ledger)
    pages = []

    connect_url = reverse("exchanges:connect") + "?exchange=binance"
    pages.append(client.get(connect_url))
    pages.append(
        client.post(
            connect_url,
            {
                "exchange": "binance",
                "label": "Main",
                "api_key": CANARY_KEY,
                "secret": CANARY_SECRET,
            },
            follow=True,
        )
    )
    account = ExchangeAccount.objects.get()
    detail = reverse("exchanges:detail", args=[account.pk])
    pages.append(client.post(reverse("exchanges:verify", args=[account.pk]), follow=True))
    pages.append(client.get(reverse("exchanges:list")))

    # The daily re-verification goes through the queue: only ids travel.
    tasks.verify_all_accounts()
    tasks.verify_account(account.pk)
    call_command("verify_keys")

    # A sync through the task and the command; "sync now" queues one (its args are checked).
    tasks.sync_account(account.pk)
    call_command("sync_accounts")
    pages.append(client.post(reverse("exchanges:sync_now", args=[account.pk]), follow=True))
    pages.append(client.get(reverse("exchanges:sync_status", args=[account.pk])))
    assert account.trades.count() == 1
    for path in ("/trades/", "/trades/export.csv", "/transfers/", "/transfers/export.csv", "/"):
        pages.append(client.get(path))

    # The key gains withdrawals: suspended on the next check.
    fake.serve_permissions(fake_exchange, fake.permissions({"enableWithdrawals": True}))
    pages.append(client.post(reverse("exchanges:verify", args=[account.pk]), follow=True))
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED

    # Replaced by a new read-only key, then removed keeping history.
    fake.serve_permissions(fake_exchange, fake.permissions())
    replace = reverse("exchanges:replace_key", args=[account.pk])
    pages.append(client.get(replace))
    pages.append(
        client.post(replace, {"api_key": CANARY_KEY + "2", "secret": CANARY_SECRET_2}, follow=True)
    )
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.ACTIVE
    pages.append(client.get(detail))

    # Every admin page about the account and its audit trail.
    pages.append(admin_client.get(reverse("admin:exchanges_exchangeaccount_changelist")))
    pages.append(
        admin_client.get(reverse("admin:exchanges_exchangeaccount_change", args=[account.pk]))
    )
    pages.append(
        admin_client.get(reverse("admin:exchanges_exchangeaccount_history", args=[account.pk]))
    )
    pages.append(admin_client.get(reverse("admin:exchanges_auditevent_changelist")))
    pages.append(admin_client.get(reverse("admin:exchanges_syncrun_changelist")))

    pages.append(
        client.post(
            reverse("exchanges:remove_key", args=[account.pk]), {"keep_data": "1"}, follow=True
        )
    )

    for response in pages:
        assert response.status_code == 200, response.request["PATH_INFO"]
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert_clean(body.decode(), response.request["PATH_INFO"])
    assert_clean("\n".join(r.getMessage() for r in caplog.records), "the logs")
    assert queued, "the re-verification was not queued"
    assert all(args == (account.pk,) or args == [account.pk] for _, args, _, _ in queued)
    assert_clean(repr(queued), "a queued task")
    out, err = capsys.readouterr()
    assert_clean(out + err, "command output")
    assert_clean(repr(account) + str(account), "the account's repr")
    account.refresh_from_db()
    assert account.encrypted_credentials == ""


def test_an_error_report_during_connect_hides_the_posted_secret(
    client, django_user_model, settings, monkeypatch
):
    settings.DEBUG = True  # the technical 500 page is the most talkative error report
    ana = django_user_model.objects.create_user("ana", password="a-long-password-1")
    client.force_login(ana)
    client.raise_request_exception = False

    def explode(exchange_id, credentials):
        raise RuntimeError("unexpected")

    monkeypatch.setattr("exchanges.services.inspect_key", explode)
    response = client.post(
        reverse("exchanges:connect") + "?exchange=binance",
        {"exchange": "binance", "label": "Main", "api_key": CANARY_KEY, "secret": CANARY_SECRET},
    )
    assert response.status_code == 500
    html = response.content.decode()
    assert "RuntimeError" in html
    assert_clean(html, "the error report")
