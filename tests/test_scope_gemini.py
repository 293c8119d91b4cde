"""Gemini's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import base64
import json

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import gemini as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("gemini", KEY)
    assert report.read_only
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.method == "POST"
    assert request.headers["x-gemini-apikey"] == KEY.api_key
    assert request.headers["x-gemini-signature"]
    payload = json.loads(base64.b64decode(request.headers["x-gemini-payload"]))
    assert payload["request"] == "/v1/roles"


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({flag: True}))
    report = inspect_key("gemini", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems] == [flag]
    assert report.problems[0].scope is Scope.TRADE
    assert "only the “Auditor” role" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({flag: True}))
    report = inspect_key("gemini", KEY)
    assert not report.read_only
    assert [p.scope for p in report.problems] == [Scope.TRANSFER]
    assert report.refusal_reasons()[0].startswith("The Fund Manager role is assigned")


def test_trader_and_fund_manager_together_are_both_reported(fake_exchange):
    fake.serve_permissions(
        fake_exchange,
        fake.permissions({"isAuditor": False, "isTrader": True, "isFundManager": True}),
    )
    report = inspect_key("gemini", KEY)
    assert [p.scope for p in report.problems] == [Scope.TRANSFER, Scope.TRADE]
    assert not report.can_read


@pytest.mark.parametrize("flag", ["isAccountAdmin", "isAdministrator"])
def test_an_unknown_role_is_refused(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({flag: True}))
    report = inspect_key("gemini", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == flag


def test_an_unknown_field_with_a_value_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"scopes": ["everything"]}))
    assert not inspect_key("gemini", KEY).read_only


def test_a_counterparty_id_is_information(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"counterparty_id": "ABC123"}))
    assert inspect_key("gemini", KEY).read_only


def test_a_key_without_read_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"isAuditor": False}))
    assert not inspect_key("gemini", KEY).read_only


@pytest.mark.parametrize("flag", ["isAuditor", "isTrader", "isFundManager"])
def test_a_missing_role_is_malformed(fake_exchange, flag):
    answer = fake.permissions()
    del answer[flag]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("gemini", KEY)


def test_a_mistyped_role_is_malformed(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"isTrader": "false"}))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("gemini", KEY)


def test_a_master_key_is_refused_before_anything_is_sent(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("gemini", Credentials(**fake.MASTER_CREDENTIALS))
    assert "account-level" in caught.value.message
    assert not fake_exchange.requests


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("gemini", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_missing_role_error_is_an_authentication_error(fake_exchange):
    fake_exchange.route(
        "POST",
        fake.PERMISSIONS_PATH,
        Reply({"result": "error", "reason": "MissingRole", "message": "Missing role"}, 403),
    )
    with pytest.raises(errors.AuthenticationFailed):
        inspect_key("gemini", KEY)


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("POST", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.ExchangeProblem) as caught:
        inspect_key("gemini", KEY)
    assert not caught.value.transient or isinstance(caught.value, errors.ExchangeUnavailable)


def test_a_list_answer_is_malformed(fake_exchange):
    fake.serve_permissions(fake_exchange, ["Auditor"])
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("gemini", KEY)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("POST", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("gemini", KEY)
    assert caught.value.transient
