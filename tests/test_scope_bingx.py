"""BingX's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key
from exchanges.scopes.bingx import classify
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import bingx as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("bingx", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["203.0.113.7"]
    assert KEY.api_key not in str(report.to_json())
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.headers["x-bx-apikey"] == KEY.api_key
    assert "signature" in request.query
    assert "timestamp" in request.query


def test_an_answer_without_the_key_is_accepted(fake_exchange):
    answer = fake.permissions()
    del answer["data"]["apiKey"]
    fake.serve_permissions(fake_exchange, answer)
    assert inspect_key("bingx", KEY).read_only


@pytest.mark.parametrize("code", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, code):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": [2, code]}))
    report = inspect_key("bingx", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems] == [str(code)]
    assert report.problems[0].scope is Scope.TRADE
    assert "untick" in report.refusal_reasons()[0]


@pytest.mark.parametrize("code", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, code):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": [2, code]}))
    report = inspect_key("bingx", KEY)
    assert not report.read_only
    assert [p.scope for p in report.problems] == [Scope.TRANSFER]
    assert "untick" in report.refusal_reasons()[0]


def test_withdrawals_are_explained_in_plain_words(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": [2, 5]}))
    (reason,) = inspect_key("bingx", KEY).refusal_reasons()
    assert reason.startswith("Withdrawals are enabled")
    assert "“Withdraw”" in reason


@pytest.mark.parametrize("code", [0, 6, 8, 99])
def test_an_unknown_flag_is_refused(fake_exchange, code):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": [2, code]}))
    report = inspect_key("bingx", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == str(code)


def test_a_key_without_read_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": []}))
    assert not inspect_key("bingx", KEY).read_only


def test_an_answer_about_another_key_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"apiKey": "someone-else"}))
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("bingx", KEY)
    assert "did not describe this API key" in caught.value.message


@pytest.mark.parametrize("value", [["2"], [True], "2", None, [2.0]])
def test_mistyped_permissions_are_malformed(fake_exchange, value):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": value}))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bingx", KEY)


def test_missing_permissions_are_malformed(fake_exchange):
    answer = fake.permissions()
    del answer["data"]["permissions"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bingx", KEY)


def test_a_non_zero_code_is_refused():
    # ccxt raises on any non-zero code first; classify refuses it too.
    with pytest.raises(errors.ExchangeRejected):
        classify({**fake.permissions(), "code": 80014}, KEY.api_key)


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("bingx", KEY)
    assert "did not accept this API key" in caught.value.message


def test_an_unknown_error_code_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, {"code": 123456, "msg": "something new", "data": {}})
    with pytest.raises(errors.ExchangeRejected):
        inspect_key("bingx", KEY)


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.ExchangeProblem) as caught:
        inspect_key("bingx", KEY)
    assert not caught.value.transient or isinstance(caught.value, errors.ExchangeUnavailable)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("bingx", KEY)
    assert caught.value.transient
