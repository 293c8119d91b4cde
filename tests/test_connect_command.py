"""`manage.py connect_exchange`: secrets from the environment, exit codes 0 / 1 / 2."""

import pytest
from django.core.management import call_command

from exchanges.models import ExchangeAccount
from tests.fake_exchange import binance as fake

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password="a-long-password-1")


@pytest.fixture
def key_env(monkeypatch):
    monkeypatch.setenv("EXCHANGE_API_KEY", fake.CREDENTIALS["api_key"])
    monkeypatch.setenv("EXCHANGE_API_SECRET", fake.CREDENTIALS["secret"])


def run(capsys, *args):
    with pytest.raises(SystemExit) as exited:
        call_command("connect_exchange", *args)
        raise SystemExit(0)
    out, err = capsys.readouterr()
    return exited.value.code, out, err


def test_an_accepted_key_exits_0_and_prints_the_account_id(ana, key_env, fake_exchange, capsys):
    fake.serve_permissions(fake_exchange, fake.permissions())
    code, out, err = run(capsys, "--user", "ana", "--exchange", "binance", "--label", "Main")
    assert code == 0
    assert out.strip() == str(ExchangeAccount.objects.get().pk)
    assert fake.CREDENTIALS["secret"] not in out + err


def test_a_refused_key_exits_1_with_the_reasons(ana, key_env, fake_exchange, capsys):
    fake.serve_permissions(fake_exchange, fake.permissions({"enableWithdrawals": True}))
    code, out, err = run(capsys, "--user", "ana", "--exchange", "binance", "--label", "Main")
    assert code == 1
    assert "Withdrawals are enabled" in err
    assert ExchangeAccount.objects.count() == 0


def test_an_unreachable_exchange_exits_2(ana, key_env, fake_exchange, capsys):
    fake.serve_auth_error(fake_exchange)
    code, out, err = run(capsys, "--user", "ana", "--exchange", "binance", "--label", "Main")
    assert code == 2
    assert "nothing was stored" in err


def test_missing_secrets_without_a_terminal_exit_2(ana, monkeypatch, capsys):
    monkeypatch.delenv("EXCHANGE_API_KEY", raising=False)
    monkeypatch.setattr("sys.stdin", None)
    code, out, err = run(capsys, "--user", "ana", "--exchange", "binance", "--label", "Main")
    assert code == 2
    assert "EXCHANGE_API_KEY" in err


def test_an_unknown_user_exits_2(key_env, capsys):
    code, out, err = run(capsys, "--user", "nobody", "--exchange", "binance", "--label", "x")
    assert code == 2
