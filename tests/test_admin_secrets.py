import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse
from django.views.debug import ExceptionReporter

from exchanges.accounts import load_credentials, store_credentials
from exchanges.credentials import Credentials
from exchanges.models import AuditEvent, ExchangeAccount

API_KEY = "CANARY-APIKEY-0123456789abcdef"
SECRET = "CANARY-SECRET-5f1c9d0e"
PASSWORD = "CANARY-PASSPHRASE-77aa"
# Kept out of the function below: its source lines are quoted in the report.
REDIS_PASSWORD = "CANARY-REDISPASS-0003"
BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def credentials_key(settings) -> None:
    settings.CREDENTIALS_KEYS = Fernet.generate_key().decode()


@pytest.fixture
def account(admin_user):
    account = ExchangeAccount(
        owner=admin_user,
        exchange_id="binance",
        label="Main",
        scope_report={"exchange_id": "binance", "read_only": True, "summary": "read only"},
    )
    store_credentials(account, Credentials(api_key=API_KEY, secret=SECRET, password=PASSWORD))
    account.save()
    AuditEvent.record(account, AuditEvent.Kind.ADDED, "Connected.", actor=admin_user)
    return account


def assert_no_secret(content: bytes, account: ExchangeAccount) -> None:
    text = content.decode()
    for secret in (SECRET, PASSWORD, API_KEY, account.encrypted_credentials, account.key_hash):
        assert secret not in text


# --- The admin ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_account_list_shows_the_fingerprint_and_scope_but_no_secret(admin_client, account):
    response = admin_client.get(reverse("admin:exchanges_exchangeaccount_changelist"))
    assert response.status_code == 200
    assert "CANA…cdef" in response.content.decode()
    assert b"read only" in response.content
    assert_no_secret(response.content, account)


@pytest.mark.django_db
def test_the_account_page_shows_no_secret_and_no_field_to_edit_one(admin_client, account):
    response = admin_client.get(
        reverse("admin:exchanges_exchangeaccount_change", args=[account.pk])
    )
    assert response.status_code == 200
    assert "CANA…cdef" in response.content.decode()
    assert_no_secret(response.content, account)
    assert b'name="encrypted_credentials"' not in response.content
    assert b'name="key_hash"' not in response.content


@pytest.mark.django_db
def test_saving_the_account_page_keeps_the_credentials(admin_client, account):
    response = admin_client.post(
        reverse("admin:exchanges_exchangeaccount_change", args=[account.pk]),
        {"label": "Renamed", "sync_enabled": "on", "sync_interval": "02:00:00"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.label == "Renamed"
    assert load_credentials(account).secret == SECRET


@pytest.mark.django_db
def test_accounts_cannot_be_added_from_the_admin(admin_client):
    response = admin_client.get(reverse("admin:exchanges_exchangeaccount_add"))
    assert response.status_code == 403


@pytest.mark.django_db
def test_removing_an_account_in_the_admin_is_audited(admin_client, admin_user, account):
    response = admin_client.post(
        reverse("admin:exchanges_exchangeaccount_delete", args=[account.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not ExchangeAccount.objects.exists()
    removed = AuditEvent.objects.get(kind=AuditEvent.Kind.REMOVED)
    assert (removed.actor, removed.account_label) == (admin_user, "Main")


@pytest.mark.django_db
def test_the_audit_trail_is_visible_but_cannot_be_changed_in_the_admin(admin_client, account):
    event = AuditEvent.objects.get()
    listing = admin_client.get(reverse("admin:exchanges_auditevent_changelist"))
    page = admin_client.get(reverse("admin:exchanges_auditevent_change", args=[event.pk]))
    assert listing.status_code == page.status_code == 200
    assert_no_secret(listing.content, account)
    assert_no_secret(page.content, account)
    change_url = reverse("admin:exchanges_auditevent_change", args=[event.pk])
    assert admin_client.post(change_url, {"message": "edited"}).status_code == 403
    delete_url = reverse("admin:exchanges_auditevent_delete", args=[event.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:exchanges_auditevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.message == "Connected."


# --- Error reports ------------------------------------------------------------------------


def test_error_reports_hide_urls_dsns_and_keys_from_the_settings(tmp_path):
    key = Fernet.generate_key().decode()
    env = {
        **os.environ,
        "SECRET_KEY": "CANARY-SECRETKEY-0001",
        "DATABASE_URL": "postgres://porthole:CANARY-DBPASS-0002@db.internal:5432/porthole",
        "REDIS_URL": "redis://:CANARY-REDISPASS-0003@redis.internal:6379/0",
        "CREDENTIALS_KEYS": key,
        "CCXT_URL_OVERRIDES": '{"binance": "http://u:CANARY-OVERRIDE-0004@127.0.0.1:1"}',
        "DATA_DIR": str(tmp_path),
    }
    script = (
        "import django, json; django.setup();"
        "from django.views.debug import get_default_exception_reporter_filter as f;"
        "print(json.dumps(f().get_safe_settings(), default=repr))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    safe = json.loads(result.stdout)
    assert "CANARY" not in result.stdout
    assert key not in result.stdout
    assert safe["DATABASES"]["default"]["NAME"] == "porthole"  # hidden selectively, not all
    assert safe["DATABASES"]["default"]["PASSWORD"].startswith("****")
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "CREDENTIALS_KEYS", "SECRET_KEY"):
        assert safe[name].startswith("****")


def _report_of_a_failure(request) -> str:
    """Return the text and HTML error reports of an exception raised with secrets in scope."""
    credentials = Credentials(api_key=API_KEY, secret=SECRET)  # noqa: F841 - in the report
    secret = SECRET  # noqa: F841
    config = {"apiKey": API_KEY, "secret": SECRET, "enableRateLimit": True}  # noqa: F841
    broker = f"redis://:{REDIS_PASSWORD}@redis.internal:6379/0"  # noqa: F841
    try:
        raise RuntimeError("the exchange said no")
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
    return reporter.get_traceback_text() + reporter.get_traceback_html()


def test_error_reports_hide_secret_variables_even_without_a_decorator(rf):
    report = _report_of_a_failure(rf.get("/"))
    assert "the exchange said no" in report
    assert "enableRateLimit" in report  # the variables are there, their secrets are not
    assert "CANARY" not in report


def test_error_reports_hide_secret_form_fields_even_without_a_decorator(rf):
    request = rf.post("/connect", {"label": "Main", "api_key": API_KEY, "secret": SECRET})
    report = _report_of_a_failure(request)
    assert "Main" in report
    assert "CANARY" not in report
