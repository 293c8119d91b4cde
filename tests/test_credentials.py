import copy
import json
import logging
import pickle
import stat

import pytest
from cryptography.fernet import Fernet
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from exchanges.checks import credentials_keys
from exchanges.credentials import Credentials, fingerprint
from exchanges.encryption import (
    CredentialsUnreadable,
    decrypt_credentials,
    encrypt_credentials,
    reencrypt,
)
from portfolio.config import ConfigError

API_KEY = "CANARY-APIKEY-0123456789abcdef"
SECRET = "CANARY-SECRET-5f1c9d0e"
PASSWORD = "CANARY-PASSPHRASE-77aa"
UID = "CANARY-UID-31337"


def canary_credentials() -> Credentials:
    return Credentials(api_key=API_KEY, secret=SECRET, password=PASSWORD, uid=UID)


def new_key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def key_a(settings) -> str:
    settings.CREDENTIALS_KEYS = key = new_key()
    return key


@pytest.fixture
def generated_key_dir(settings, tmp_path):
    """Configure no key at all, so the embedded default generates one in tmp_path."""
    settings.CREDENTIALS_KEYS = ""
    settings.CREDENTIALS_KEY_AUTOGENERATE = True
    settings.DATA_DIR = tmp_path
    return tmp_path


# --- Credentials --------------------------------------------------------------------------


def test_the_fingerprint_shows_only_the_first_and_last_four_characters():
    assert fingerprint("AbCdefghijklmnopqrstuvwXyZ") == "AbCd…wXyZ"


def test_a_key_too_short_to_half_hide_has_no_readable_fingerprint():
    assert fingerprint("short-key") == "…"
    assert fingerprint("") == "…"


def test_repr_and_str_of_credentials_show_the_fingerprint_and_no_secret():
    credentials = canary_credentials()
    for text in (repr(credentials), str(credentials), f"{credentials}", f"{[credentials]}"):
        assert "CANA…cdef" in text
        for secret in (API_KEY, SECRET, PASSWORD, UID):
            assert secret not in text


def test_ccxt_config_holds_only_the_fields_that_are_set():
    assert Credentials(api_key="k" * 20, secret="s").to_ccxt_config() == {
        "apiKey": "k" * 20,
        "secret": "s",
    }
    assert canary_credentials().to_ccxt_config() == {
        "apiKey": API_KEY,
        "secret": SECRET,
        "password": PASSWORD,
        "uid": UID,
    }


def test_credentials_refuse_to_be_pickled_or_serialised_to_json():
    with pytest.raises(TypeError):
        pickle.dumps(canary_credentials())
    with pytest.raises(TypeError):
        json.dumps(canary_credentials())


def test_copying_credentials_returns_the_same_immutable_value():
    credentials = canary_credentials()
    assert copy.copy(credentials) is credentials
    assert copy.deepcopy({"c": credentials})["c"] is credentials


# --- Encryption ---------------------------------------------------------------------------


def test_credentials_survive_an_encryption_round_trip(key_a):
    token = encrypt_credentials(canary_credentials())
    assert decrypt_credentials(token) == canary_credentials()


def test_the_token_contains_no_plaintext(key_a):
    token = encrypt_credentials(canary_credentials())
    for secret in (API_KEY, SECRET, PASSWORD, UID, "CANARY"):
        assert secret not in token


def test_a_token_from_another_key_is_unreadable(settings, key_a):
    token = encrypt_credentials(canary_credentials())
    settings.CREDENTIALS_KEYS = new_key()
    with pytest.raises(CredentialsUnreadable) as raised:
        decrypt_credentials(token)
    assert token not in str(raised.value)


def test_garbage_is_unreadable_rather_than_a_crash(key_a):
    with pytest.raises(CredentialsUnreadable):
        decrypt_credentials("not a token ✗")


def test_rotation_reencrypts_with_the_first_key_and_the_old_key_can_then_go(settings, key_a):
    old_token = encrypt_credentials(canary_credentials())
    key_b = new_key()
    settings.CREDENTIALS_KEYS = f"{key_b},{key_a}"
    assert decrypt_credentials(old_token) == canary_credentials()  # every key decrypts
    new_token = reencrypt(old_token)

    settings.CREDENTIALS_KEYS = key_b
    assert decrypt_credentials(new_token) == canary_credentials()
    with pytest.raises(CredentialsUnreadable):
        decrypt_credentials(old_token)


def test_keys_may_be_separated_by_newlines_as_in_a_keys_file(settings, key_a):
    token = encrypt_credentials(canary_credentials())
    settings.CREDENTIALS_KEYS = f"{new_key()}\n{key_a}\n"
    assert decrypt_credentials(token) == canary_credentials()


# --- The generated (embedded default) key -------------------------------------------------


def test_without_a_configured_key_one_is_generated_readable_by_its_owner_only(
    generated_key_dir, caplog
):
    with caplog.at_level(logging.WARNING, logger="exchanges.encryption"):
        token = encrypt_credentials(canary_credentials())
    key_file = generated_key_dir / "credentials.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert decrypt_credentials(token) == canary_credentials()
    assert "beside the database" in caplog.text
    assert key_file.read_text().strip() not in caplog.text


def test_the_generated_key_is_reused_not_replaced(generated_key_dir, settings):
    token = encrypt_credentials(canary_credentials())
    key = (generated_key_dir / "credentials.key").read_text()
    settings.DATA_DIR = generated_key_dir  # drops the cached key, as a restart would
    assert decrypt_credentials(token) == canary_credentials()
    assert (generated_key_dir / "credentials.key").read_text() == key


def test_the_key_is_generated_lazily_not_when_settings_load(generated_key_dir):
    call_command("check")
    assert not (generated_key_dir / "credentials.key").exists()


def test_no_key_and_no_autogeneration_is_an_error_naming_credentials_keys(
    generated_key_dir, settings
):
    settings.CREDENTIALS_KEY_AUTOGENERATE = False
    with pytest.raises(ConfigError, match="CREDENTIALS_KEYS"):
        encrypt_credentials(canary_credentials())
    assert not (generated_key_dir / "credentials.key").exists()
    [error] = credentials_keys(None)
    assert isinstance(error, Error)
    assert "CREDENTIALS_KEYS" in error.msg


# --- The system check ---------------------------------------------------------------------


def test_an_invalid_key_fails_the_system_check_naming_credentials_keys(settings):
    settings.CREDENTIALS_KEYS = f"{new_key()},not-a-fernet-key"
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    assert "CREDENTIALS_KEYS" in str(raised.value)
    assert "entry 2 of 2" in str(raised.value)
    assert "not-a-fernet-key" not in str(raised.value)


def test_an_invalid_key_also_stops_encryption_without_echoing_the_key(settings):
    settings.CREDENTIALS_KEYS = "not-a-fernet-key"
    with pytest.raises(ConfigError, match="CREDENTIALS_KEYS") as raised:
        encrypt_credentials(canary_credentials())
    assert "not-a-fernet-key" not in str(raised.value)


def test_valid_keys_pass_the_system_check(key_a):
    assert credentials_keys(None) == []


def test_a_corrupt_generated_key_file_fails_the_system_check(generated_key_dir):
    key_file = generated_key_dir / "credentials.key"
    key_file.write_text("garbage\n")
    key_file.chmod(0o600)
    [error] = credentials_keys(None)
    assert error.id == "exchanges.E003"
    assert "CREDENTIALS_KEYS" in error.msg


def test_a_generated_key_file_others_can_read_is_warned_about(generated_key_dir):
    key_file = generated_key_dir / "credentials.key"
    key_file.write_text(new_key())
    key_file.chmod(0o644)
    [warning] = credentials_keys(None)
    assert warning.id == "exchanges.W001"
