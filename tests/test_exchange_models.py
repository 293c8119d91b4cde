from datetime import timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from exchanges.accounts import api_key_hash, load_credentials, store_credentials
from exchanges.credentials import Credentials
from exchanges.models import AuditEvent, ExchangeAccount

pytestmark = pytest.mark.django_db

API_KEY = "CANARY-APIKEY-0123456789abcdef"
SECRET = "CANARY-SECRET-5f1c9d0e"


def new_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def key_a(settings) -> str:
    settings.CREDENTIALS_KEYS = key = new_key()
    return key


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("ana", password="a-long-password-1")


def make_account(owner, exchange_id="binance", api_key=API_KEY, secret=SECRET, **fields):
    account = ExchangeAccount(owner=owner, exchange_id=exchange_id, label="Main", **fields)
    store_credentials(account, Credentials(api_key=api_key, secret=secret))
    account.save()
    return account


def test_stored_credentials_load_back_and_are_not_stored_in_plaintext(owner):
    account = make_account(owner)
    assert load_credentials(account) == Credentials(api_key=API_KEY, secret=SECRET)
    row = ExchangeAccount.objects.values().get(pk=account.pk)
    assert not any(API_KEY in str(value) or SECRET in str(value) for value in row.values())
    assert row["key_fingerprint"] == "CANA…cdef"


def test_the_key_hash_identifies_the_key_without_revealing_it(owner):
    account = make_account(owner)
    assert account.key_hash == api_key_hash(API_KEY)
    assert account.key_hash != api_key_hash(API_KEY + "x")
    assert "CANARY" not in account.key_hash


def test_repr_and_str_of_an_account_show_label_exchange_and_fingerprint_only(owner):
    account = make_account(owner)
    for text in (repr(account), str(account)):
        assert "Main" in text and "binance" in text and "CANA…cdef" in text
        assert SECRET not in text
        assert API_KEY not in text
        assert account.encrypted_credentials not in text


def test_the_same_key_cannot_be_connected_twice_to_one_exchange(owner, django_user_model):
    make_account(owner)
    other_user = django_user_model.objects.create_user("bo", password="a-long-password-2")
    for user in (owner, other_user):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_account(user, secret="another-secret")


def test_the_same_public_key_on_another_exchange_is_a_different_account(owner):
    make_account(owner)
    make_account(owner, exchange_id="kraken")
    assert ExchangeAccount.objects.count() == 2


def test_key_age_counts_from_when_the_key_was_added(owner):
    account = make_account(owner)
    account.key_added_at = timezone.now() - timedelta(days=40, hours=1)
    assert account.key_age.days == 40


def test_new_accounts_sync_hourly_and_start_active(owner):
    account = make_account(owner)
    account.refresh_from_db()
    assert account.status == ExchangeAccount.Status.ACTIVE
    assert account.sync_enabled is True
    assert account.sync_interval == timedelta(minutes=60)
    assert account.scope_report == {}
    assert account.scope_summary == "not verified"


def test_the_audit_trail_outlives_the_account(owner):
    account = make_account(owner)
    AuditEvent.record(account, AuditEvent.Kind.ADDED, "Connected.", actor=owner)
    account.delete()
    event = AuditEvent.objects.get()
    assert event.account is None
    assert event.owner == owner
    assert (event.exchange_id, event.account_label, event.key_fingerprint) == (
        "binance",
        "Main",
        "CANA…cdef",
    )


def test_a_refused_key_is_audited_without_an_account_row(owner):
    account = ExchangeAccount(owner=owner, exchange_id="binance", label="Trading key")
    event = AuditEvent.record(
        account, AuditEvent.Kind.REFUSED, "Refused.", details={"reasons": ["can trade"]}
    )
    assert event.account is None
    assert event.owner == owner
    assert event.details == {"reasons": ["can trade"]}


def test_audit_events_list_newest_first(owner):
    account = make_account(owner)
    old = AuditEvent.record(account, AuditEvent.Kind.ADDED)
    old.created_at = timezone.now() - timedelta(days=1)
    old.save()
    new = AuditEvent.record(account, AuditEvent.Kind.VERIFIED)
    assert list(AuditEvent.objects.all()) == [new, old]


def test_rotate_credentials_key_moves_every_account_to_the_new_key(owner, settings, key_a):
    make_account(owner)
    make_account(owner, exchange_id="kraken")
    key_b = new_key()
    settings.CREDENTIALS_KEYS = f"{key_b},{key_a}"

    output = _call("rotate_credentials_key")

    assert "Re-encrypted 2 credential(s)" in output
    settings.CREDENTIALS_KEYS = key_b
    for account in ExchangeAccount.objects.all():
        assert load_credentials(account) == Credentials(api_key=API_KEY, secret=SECRET)


def test_rotation_changes_nothing_when_one_account_cannot_be_decrypted(owner, settings, key_a):
    readable = make_account(owner)
    settings.CREDENTIALS_KEYS = new_key()
    make_account(owner, exchange_id="kraken")  # encrypted with a key that is then dropped
    token_before = ExchangeAccount.objects.get(pk=readable.pk).encrypted_credentials
    settings.CREDENTIALS_KEYS = f"{new_key()},{key_a}"

    with pytest.raises(CommandError, match="nothing was changed"):
        _call("rotate_credentials_key")

    assert ExchangeAccount.objects.get(pk=readable.pk).encrypted_credentials == token_before


def test_rotation_refreshes_key_hashes_after_a_secret_key_change(owner, settings):
    account = make_account(owner)
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only"
    assert api_key_hash(API_KEY) != account.key_hash
    _call("rotate_credentials_key")
    account.refresh_from_db()
    assert account.key_hash == api_key_hash(API_KEY)


def _call(command: str) -> str:
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()
