"""Notices: each kind told once, as the user chose, by email only when mail is configured;
the header badge, the notices and preferences pages, and the periodic checks."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from exchanges import services as exchange_services
from exchanges.models import ExchangeAccount
from exchanges.sync.models import SyncRun
from notices import selectors, services, tasks
from notices.models import Kind, KnownDevice, Notice
from notices.selectors import Channels
from portfolio.models import UserSettings
from tests.dashboard_helpers import make_account, set_balances
from tests.people_helpers import PASSWORD, empty_cache, post_login  # noqa: F401

pytestmark = pytest.mark.django_db

CANARY = "123456.789"


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", email="ana@example.com", password=PASSWORD)


@pytest.fixture
def ben(django_user_model):
    return django_user_model.objects.create_user("ben", email="ben@example.com", password=PASSWORD)


@pytest.fixture
def account(ana):
    account = make_account(ana, label="Main")
    set_balances(account, {"BTC": CANARY})
    return account


@pytest.fixture
def email_on(settings):
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def email_off(settings):
    settings.EMAIL_CONFIGURED = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def suspend(account, reason: str = "The key is no longer read-only: it can trade.") -> None:
    exchange_services.suspend_account(account, reason)


def mark_suspended(account) -> None:
    ExchangeAccount.objects.filter(pk=account.pk).update(
        status=ExchangeAccount.Status.SUSPENDED, status_reason="Suspended by an administrator."
    )


def fail_sync(account, *, last_success_ago: timedelta | None) -> None:
    now = timezone.now()
    ExchangeAccount.objects.filter(pk=account.pk).update(
        last_sync_at=now - last_success_ago if last_success_ago else None,
        created_at=now - timedelta(days=10),
    )
    SyncRun.objects.create(
        account=account,
        started_at=now - timedelta(minutes=5),
        finished_at=now,
        status=SyncRun.Status.FAILED,
        error_class="MalformedAnswer",
        message="The exchange's answer could not be read.",
    )


# --- Suspensions ------------------------------------------------------------------------------


def test_a_suspension_tells_the_owner_once_a_day_after_commit(
    account, email_off, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspend(account)
    with django_capture_on_commit_callbacks(execute=True):
        suspend(account, "Suspended by an administrator.")
    notice = Notice.objects.get()
    assert (notice.user, notice.kind, notice.in_app) == (account.owner, Kind.SUSPENDED, True)
    assert "“Main”" in notice.message and "no longer read-only" in notice.message
    assert notice.link == reverse("exchanges:detail", args=[account.pk])
    assert "123456" not in notice.message and "not-a-real-token" not in notice.message


def test_a_suspension_rolled_back_tells_nobody(account, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        suspend(account)
        raise RuntimeError("rolled back")
    assert not Notice.objects.exists()


def test_a_key_refused_on_a_recheck_tells_the_owner(account, django_capture_on_commit_callbacks):
    # The stored token is not a real one, so the re-check finds it unreadable and suspends.
    with django_capture_on_commit_callbacks(execute=True):
        outcome = exchange_services.verify_account(account)
    assert outcome.suspended
    assert Notice.objects.get(kind=Kind.SUSPENDED).user == account.owner


def test_a_failing_notice_does_not_undo_the_suspension(
    account, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(account_id: int) -> None:
        raise RuntimeError("notices are down")

    monkeypatch.setattr("notices.services.notify_account_suspended", broken)
    with django_capture_on_commit_callbacks(execute=True):
        suspend(account)
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.SUSPENDED


def test_a_suspension_is_emailed_when_email_is_configured(
    account, email_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspend(account)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ana@example.com"]
    assert sent.subject == "Porthole: A key was refused or suspended"
    assert "“Main”" in sent.body and "123456" not in sent.body
    assert Notice.objects.get().emailed_at is not None


def test_nothing_is_emailed_when_email_is_not_configured(
    account, email_off, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suspend(account)
    assert mail.outbox == []
    notice = Notice.objects.get()
    assert notice.in_app and notice.emailed_at is None


def test_an_email_failure_keeps_the_notice_in_the_app(account, email_on, monkeypatch):
    def refuse(*args, **kwargs) -> None:
        raise ConnectionRefusedError

    monkeypatch.setattr("notices.services.send_mail", refuse)
    mark_suspended(account)
    notice = services.notify_account_suspended(account.pk)
    assert notice is not None and notice.in_app and notice.emailed_at is None


def test_an_account_no_longer_suspended_when_told_is_not_told(account):
    assert services.notify_account_suspended(account.pk) is None


# --- Preferences ------------------------------------------------------------------------------


def test_a_kind_turned_off_everywhere_makes_no_notice(ana, account, email_on):
    services.set_preferences(ana, {Kind.SUSPENDED: Channels(in_app=False, email=False)})
    mark_suspended(account)
    assert services.notify_account_suspended(account.pk) is None
    assert not Notice.objects.exists() and mail.outbox == []


def test_an_email_only_kind_is_emailed_once_but_neither_listed_nor_counted(ana, account, email_on):
    services.set_preferences(ana, {Kind.SUSPENDED: Channels(in_app=False, email=True)})
    mark_suspended(account)
    notice = services.notify_account_suspended(account.pk)
    assert notice is not None and not notice.in_app
    assert len(mail.outbox) == 1
    assert selectors.unread_count(ana) == 0 and not selectors.notices_for(ana).exists()
    assert services.notify_account_suspended(account.pk) is None
    assert len(mail.outbox) == 1


def test_email_only_without_a_mail_server_makes_no_notice(ana, account, email_off):
    services.set_preferences(ana, {Kind.SUSPENDED: Channels(in_app=False, email=True)})
    mark_suspended(account)
    assert services.notify_account_suspended(account.pk) is None


def test_nothing_is_emailed_to_a_user_without_an_address(ana, account, email_on):
    ana.email = ""
    ana.save()
    mark_suspended(account)
    assert services.notify_account_suspended(account.pk) is not None
    assert mail.outbox == []


def test_the_defaults_are_on_for_problems_and_off_for_new_devices(ana):
    prefs = selectors.preferences_for(ana)
    assert prefs[Kind.SUSPENDED] == Channels(in_app=True, email=True)
    assert prefs[Kind.SYNC_FAILING] == Channels(in_app=True, email=True)
    assert prefs[Kind.ROTATION_DUE] == Channels(in_app=True, email=False)
    assert prefs[Kind.NEW_DEVICE] == Channels(in_app=False, email=False)


def test_the_preferences_page_shows_and_saves_each_users_own_choices(client, ana, ben):
    client.force_login(ana)
    page = client.get(reverse("notices:preferences"))
    assert page.status_code == 200
    assert b'name="suspended_in_app" id="id_suspended_in_app" checked' in page.content
    assert b'name="new_device_in_app" id="id_new_device_in_app">' in page.content
    response = client.post(
        reverse("notices:preferences"), {"new_device_in_app": "on", "suspended_email": "on"}
    )
    assert response.status_code == 302
    prefs = selectors.preferences_for(ana)
    assert prefs[Kind.NEW_DEVICE] == Channels(in_app=True, email=False)
    assert prefs[Kind.SUSPENDED] == Channels(in_app=False, email=True)
    assert prefs[Kind.SYNC_FAILING] == Channels(in_app=False, email=False)
    assert selectors.preferences_for(ben)[Kind.NEW_DEVICE].in_app is False


def test_the_preferences_page_says_when_no_mail_server_is_configured(client, ana, email_off):
    client.force_login(ana)
    assert b"no mail server configured" in client.get(reverse("notices:preferences")).content


# --- Failing syncs ----------------------------------------------------------------------------


def test_a_sync_failing_for_over_a_day_is_told_once(account, email_on):
    fail_sync(account, last_success_ago=timedelta(days=2))
    assert services.notify_failing_syncs() == 1
    assert services.notify_failing_syncs() == 0
    notice = Notice.objects.get()
    assert notice.kind == Kind.SYNC_FAILING and "“Main”" in notice.message
    assert "failed" in notice.message and "123456" not in notice.message
    assert len(mail.outbox) == 1


def test_a_sync_that_failed_within_the_day_is_not_told_yet(account):
    fail_sync(account, last_success_ago=timedelta(hours=3))
    assert services.notify_failing_syncs() == 0
    # The admin's overview lists it all the same.
    assert [found.account_id for found in selectors.failing_syncs()] == [account.pk]


def test_a_new_failing_stretch_after_a_good_sync_is_told_again(account):
    fail_sync(account, last_success_ago=timedelta(days=2))
    services.notify_failing_syncs()
    fail_sync(account, last_success_ago=timedelta(days=1, hours=1))
    assert services.notify_failing_syncs() == 1
    assert Notice.objects.filter(kind=Kind.SYNC_FAILING).count() == 2


def test_an_account_that_never_synced_within_a_day_counts_as_failing(account):
    ExchangeAccount.objects.filter(pk=account.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    assert services.notify_failing_syncs() == 1
    assert "since it was connected" in Notice.objects.get().message


def test_a_longer_sync_interval_is_allowed_twice_its_length(account):
    ExchangeAccount.objects.filter(pk=account.pk).update(sync_interval=timedelta(days=2))
    ExchangeAccount.objects.filter(pk=account.pk).update(
        last_sync_at=timezone.now() - timedelta(days=3)
    )
    assert services.notify_failing_syncs() == 0


def test_disabled_accounts_are_not_told_as_failing(account):
    fail_sync(account, last_success_ago=timedelta(days=2))
    ExchangeAccount.objects.filter(pk=account.pk).update(status=ExchangeAccount.Status.DISABLED)
    assert services.notify_failing_syncs() == 0


def test_failing_sync_notices_respect_preferences(ana, account, email_off):
    services.set_preferences(ana, {Kind.SYNC_FAILING: Channels(in_app=False, email=False)})
    fail_sync(account, last_success_ago=timedelta(days=2))
    assert services.notify_failing_syncs() == 0
    assert not Notice.objects.exists()


def test_failing_sync_notices_are_not_emailed_without_a_mail_server(account, email_off):
    fail_sync(account, last_success_ago=timedelta(days=2))
    assert services.notify_failing_syncs() == 1
    assert mail.outbox == []


def test_the_failing_sync_task_returns_how_many_were_told(account):
    fail_sync(account, last_success_ago=timedelta(days=2))
    assert tasks.notify_failing_syncs.apply().get() == 1


# --- Key rotation -----------------------------------------------------------------------------


def age_key(account, days: int) -> None:
    ExchangeAccount.objects.filter(pk=account.pk).update(
        key_added_at=timezone.now() - timedelta(days=days, hours=1)
    )


def test_a_key_past_the_sites_rotation_days_is_told_once(account, settings, email_on):
    settings.KEY_ROTATION_DAYS = 90
    age_key(account, 91)
    assert services.notify_rotation_due() == 1
    assert tasks.notify_rotation_due.apply().get() == 0
    notice = Notice.objects.get()
    assert notice.kind == Kind.ROTATION_DUE and "91 days old" in notice.message
    assert mail.outbox == []  # rotation reminders are not emailed by default


def test_a_younger_key_is_not_due(account, settings):
    settings.KEY_ROTATION_DAYS = 90
    age_key(account, 89)
    assert services.notify_rotation_due() == 0


def test_the_owners_own_reminder_decides_when_a_key_is_due(ana, account, settings):
    settings.KEY_ROTATION_DAYS = 90
    UserSettings.objects.create(user=ana, rotation_reminder_days=200)
    age_key(account, 120)
    assert services.notify_rotation_due() == 0
    UserSettings.objects.filter(user=ana).update(rotation_reminder_days=30)
    assert services.notify_rotation_due() == 1


def test_a_replaced_key_starts_a_new_reminder(account, settings):
    settings.KEY_ROTATION_DAYS = 90
    age_key(account, 91)
    services.notify_rotation_due()
    age_key(account, 95)  # another key_added_at: as if the key had been replaced
    assert services.notify_rotation_due() == 1


def test_rotation_reminders_are_emailed_when_chosen(ana, account, settings, email_on):
    services.set_preferences(ana, {Kind.ROTATION_DUE: Channels(in_app=True, email=True)})
    settings.KEY_ROTATION_DAYS = 90
    age_key(account, 91)
    services.notify_rotation_due()
    assert len(mail.outbox) == 1 and "123456" not in mail.outbox[0].body


def test_rotation_reminders_respect_preferences(ana, account, settings):
    services.set_preferences(ana, {Kind.ROTATION_DUE: Channels(in_app=False, email=False)})
    settings.KEY_ROTATION_DAYS = 90
    age_key(account, 91)
    assert services.notify_rotation_due() == 0


# --- New devices ------------------------------------------------------------------------------


def test_the_first_sign_in_remembers_the_device_without_a_notice(ana):
    services.set_preferences(ana, {Kind.NEW_DEVICE: Channels(in_app=True, email=False)})
    assert services.record_sign_in(ana, "Firefox", "203.0.113.7") is None
    assert KnownDevice.objects.filter(user=ana).count() == 1


def test_a_new_device_is_told_once_when_chosen(ana):
    services.set_preferences(ana, {Kind.NEW_DEVICE: Channels(in_app=True, email=False)})
    services.record_sign_in(ana, "Firefox", "203.0.113.7")
    # Same browser, another address in the same network: the same device.
    assert services.record_sign_in(ana, "Firefox", "203.0.113.99") is None
    notice = services.record_sign_in(ana, "Safari", "198.51.100.4")
    assert notice is not None and "198.51.100.0/24" in notice.message
    assert services.record_sign_in(ana, "Safari", "198.51.100.4") is None
    assert Notice.objects.filter(kind=Kind.NEW_DEVICE).count() == 1


def test_a_new_device_is_emailed_when_chosen_and_configured(ana, email_on):
    services.set_preferences(ana, {Kind.NEW_DEVICE: Channels(in_app=False, email=True)})
    services.record_sign_in(ana, "Firefox", "203.0.113.7")
    services.record_sign_in(ana, "Safari", "2001:db8:1:2::5")
    assert len(mail.outbox) == 1 and "2001:db8:1::/48" in mail.outbox[0].body


def test_new_devices_are_not_told_by_default_but_still_remembered(ana):
    services.record_sign_in(ana, "Firefox", "203.0.113.7")
    assert services.record_sign_in(ana, "Safari", "2001:db8:1:2::5") is None
    assert KnownDevice.objects.filter(user=ana).count() == 2
    assert not Notice.objects.exists()


def test_devices_are_stored_only_as_hashes(ana):
    services.record_sign_in(ana, "Firefox/123 CanaryAgent", "203.0.113.7")
    stored = KnownDevice.objects.get().device_hash
    assert "Canary" not in stored and "203.0.113" not in stored and len(stored) == 64


def test_logging_in_from_a_new_browser_makes_a_notice_through_the_login_view(client, ana):
    services.set_preferences(ana, {Kind.NEW_DEVICE: Channels(in_app=True, email=False)})
    post_login(client, "ana", HTTP_USER_AGENT="Firefox", REMOTE_ADDR="203.0.113.7")
    client.logout()
    post_login(client, "ana", HTTP_USER_AGENT="Safari", REMOTE_ADDR="198.51.100.4")
    assert Notice.objects.filter(user=ana, kind=Kind.NEW_DEVICE).count() == 1


# --- Pages ------------------------------------------------------------------------------------


def make_notice(user, n: int = 1, **fields) -> Notice:
    return Notice.objects.create(
        user=user,
        kind=Kind.ROTATION_DUE,
        message=f"Notice {n} for {user.username}",
        dedupe_key=f"test:{user.pk}:{n}",
        **fields,
    )


def test_the_header_badge_counts_only_the_users_unread_in_app_notices(client, ana, ben):
    make_notice(ana, 1)
    make_notice(ana, 2)
    make_notice(ana, 3, read_at=timezone.now())
    make_notice(ana, 4, in_app=False)
    make_notice(ben, 5)
    client.force_login(ana)
    page = client.get(reverse("notices:preferences")).content.decode()
    assert '<span class="badge count" aria-label="2 unread">2</span>' in page


def test_the_header_shows_no_count_without_unread_notices(client, ana):
    make_notice(ana, 1, read_at=timezone.now())
    client.force_login(ana)
    page = client.get(reverse("notices:preferences")).content.decode()
    assert 'href="/notices/"' in page and "badge count" not in page


def test_the_notices_page_lists_only_the_users_own_notices(client, ana, ben):
    make_notice(ana, 1)
    make_notice(ben, 2)
    client.force_login(ana)
    page = client.get(reverse("notices:list")).content.decode()
    assert "Notice 1 for ana" in page and "Notice 2 for ben" not in page


def test_marking_a_notice_read_lowers_the_count(client, ana):
    notice = make_notice(ana, 1)
    make_notice(ana, 2)
    client.force_login(ana)
    response = client.post(reverse("notices:mark_read", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.read_at is not None and selectors.unread_count(ana) == 1
    client.post(reverse("notices:mark_all_read"))
    assert selectors.unread_count(ana) == 0


def test_another_users_notice_cannot_be_marked_read(client, ana, ben):
    notice = make_notice(ben, 1)
    client.force_login(ana)
    assert client.post(reverse("notices:mark_read", args=[notice.pk])).status_code == 404
    client.post(reverse("notices:mark_all_read"))
    notice.refresh_from_db()
    assert notice.read_at is None


def test_marking_read_needs_a_post(client, ana):
    notice = make_notice(ana, 1)
    client.force_login(ana)
    assert client.get(reverse("notices:mark_read", args=[notice.pk])).status_code == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/notices/"),
        ("post", "/notices/1/read/"),
        ("post", "/notices/read-all/"),
        ("get", "/notices/preferences/"),
        ("post", "/notices/preferences/"),
        ("get", "/admin/overview/"),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in_from_every_new_url(client, method, path):
    response = getattr(client, method)(path, follow=True)
    assert response.redirect_chain, path
    assert response.redirect_chain[-1][0].startswith(reverse("login")), response.redirect_chain


def test_the_periodic_checks_are_in_the_beat_schedule():
    from portfolio.celery import beat_schedule

    scheduled = {entry["task"] for entry in beat_schedule().values()}
    assert {"notices.tasks.notify_failing_syncs", "notices.tasks.notify_rotation_due"} <= scheduled
