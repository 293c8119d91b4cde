"""MEXC's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import mexc as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("mexc", KEY)
    assert report.read_only
    assert report.ip_restricted is False
    assert report.expires_at is not None
    assert "82 more days" in report.notes[0]
    assert KEY.api_key not in str(report.to_json())
    (request,) = fake_exchange.requests_to(fake.PERMISSIONS_PATH)
    assert request.method == "GET"
    assert request.headers["x-mexc-apikey"] == KEY.api_key
    assert request.query["accessKey"] == KEY.api_key
    assert "signature" in request.query


def test_the_ip_whitelist_is_reported(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"ipWhiteList": "1.2.3.4,5.6.7.8"}))
    report = inspect_key("mexc", KEY)
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["1.2.3.4", "5.6.7.8"]


def test_the_third_party_sample_is_refused_for_spot_trading(fake_exchange):
    answer = fake.permissions({"permissions": fake.READ_ONLY["permissions"] + ",SPOT_DEAL_WRITE"})
    fake.serve_permissions(fake_exchange, answer)
    report = inspect_key("mexc", KEY)
    assert [p.flag for p in report.problems] == ["SPOT_DEAL_WRITE"]
    assert report.refusal_reasons()[0].startswith("Spot trading is enabled")


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.with_permission(flag))
    report = inspect_key("mexc", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems] == [flag]
    assert report.problems[0].scope is Scope.TRADE
    assert "untick" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.with_permission(flag))
    report = inspect_key("mexc", KEY)
    assert not report.read_only
    assert [p.scope for p in report.problems] == [Scope.TRANSFER]
    assert "untick" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", ["SPOT_TELEPORT", "ADMIN", "SPOT_DEAL_EXECUTE"])
def test_an_unknown_flag_is_refused(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.with_permission(flag))
    report = inspect_key("mexc", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == flag


def test_a_key_without_read_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": ""}))
    assert not inspect_key("mexc", KEY).read_only


def test_an_answer_about_another_key_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"accessKey": "mx0someoneElse"}))
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("mexc", KEY)
    assert "did not describe this API key" in caught.value.message


def test_an_answer_without_the_key_is_refused(fake_exchange):
    answer = fake.permissions()
    del answer["accessKey"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.ExchangeProblem):
        inspect_key("mexc", KEY)


def test_a_key_that_is_not_valid_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"status": "EXPIRED"}))
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("mexc", KEY)
    assert "EXPIRED" in caught.value.message


def test_an_enveloped_answer_is_unwrapped(fake_exchange):
    fake.serve_permissions(fake_exchange, {"code": 0, "data": fake.permissions()})
    assert inspect_key("mexc", KEY).read_only


@pytest.mark.parametrize("field", ["permissions", "status"])
def test_a_missing_field_is_malformed(fake_exchange, field):
    answer = fake.permissions()
    del answer[field]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("mexc", KEY)


def test_mistyped_permissions_are_malformed(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": ["SPOT_DEAL_READ"]}))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("mexc", KEY)


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("mexc", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.ExchangeProblem) as caught:
        inspect_key("mexc", KEY)
    assert not caught.value.transient or isinstance(caught.value, errors.ExchangeUnavailable)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("mexc", KEY)
    assert caught.value.transient
