"""Binance's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import binance as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("binance", KEY)
    assert report.read_only
    assert report.ip_restricted is False
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.headers["x-mbx-apikey"] == KEY.api_key
    assert "signature" in request.query


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({flag: True}))
    report = inspect_key("binance", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems] == [flag]
    assert report.problems[0].scope is Scope.TRADE
    assert "untick" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({flag: True}))
    report = inspect_key("binance", KEY)
    assert not report.read_only
    assert [p.scope for p in report.problems] == [Scope.TRANSFER]


def test_withdrawals_are_explained_in_plain_words(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"enableWithdrawals": True}))
    (reason,) = inspect_key("binance", KEY).refusal_reasons()
    assert reason.startswith("Withdrawals are enabled")
    assert "Enable Withdrawals" in reason


def test_an_unknown_flag_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"enableTeleport": True}))
    report = inspect_key("binance", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == "enableTeleport"


def test_a_key_without_read_is_refused(fake_exchange):
    fake.serve_permissions(
        fake_exchange, fake.permissions({"enableReading": False, "enableFixReadOnly": False})
    )
    assert not inspect_key("binance", KEY).read_only


def test_a_missing_required_flag_is_unverifiable(fake_exchange):
    answer = fake.permissions()
    del answer["enableWithdrawals"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("binance", KEY)


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("binance", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.ExchangeProblem) as caught:
        inspect_key("binance", KEY)
    assert not caught.value.transient or isinstance(caught.value, errors.ExchangeUnavailable)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("binance", KEY)
    assert caught.value.transient
