"""Gate's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key
from exchanges.scopes.gate import classify
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import gate as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("gate", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["203.0.113.7"]
    assert report.raw["name"] == "porthole"  # the other key's row is not this key's report
    assert "c5dcfbf1f3a7" not in str(report.to_json())
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.method == "GET"
    assert request.headers["key"] == KEY.api_key
    assert request.headers["sign"]


def test_the_sdk_object_shape_is_accepted(fake_exchange):
    answer = fake.permissions()[0]
    answer["key"] = {"mode": 1}
    fake.serve_permissions(fake_exchange, answer)
    assert inspect_key("gate", KEY).read_only


@pytest.mark.parametrize("module", fake.TRADE_FLAGS)
def test_each_writable_trading_module_is_refused_with_its_own_reason(fake_exchange, module):
    fake.serve_permissions(fake_exchange, fake.with_module(module, read_only=False))
    report = inspect_key("gate", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems] == [f"{module}:write"]
    assert report.problems[0].scope is Scope.TRADE
    assert "Read Only" in report.refusal_reasons()[0]


@pytest.mark.parametrize("module", fake.TRANSFER_FLAGS)
def test_a_writable_wallet_is_refused_as_a_transfer(fake_exchange, module):
    fake.serve_permissions(fake_exchange, fake.with_module(module, read_only=False))
    report = inspect_key("gate", KEY)
    assert not report.read_only
    assert [p.scope for p in report.problems] == [Scope.TRANSFER]
    (reason,) = report.refusal_reasons()
    assert reason.startswith("Withdrawals and transfers are enabled")
    assert "“Wallet” to Read Only" in reason


def test_an_unknown_module_is_refused_even_read_only(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.with_module("teleport", read_only=True))
    report = inspect_key("gate", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == "teleport:read-only"


def test_a_key_without_permissions_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions([]))
    report = inspect_key("gate", KEY)
    assert not report.read_only
    assert "no read permission" in report.refusal_reasons()[0]


def test_an_answer_about_other_keys_only_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, [fake.OTHER_KEY_ROW])
    with pytest.raises(errors.Unverifiable):
        inspect_key("gate", KEY)


def test_an_object_about_another_key_is_refused():
    answer = fake.permissions()[0]
    answer["key"] = "52fd0035f665*****"
    with pytest.raises(errors.Unverifiable):
        classify(answer, KEY.api_key)


def test_two_rows_that_could_be_this_key_are_refused():
    answer = fake.permissions()
    answer[1]["key"] = "c5dcfbf1*****"
    with pytest.raises(errors.Unverifiable):
        classify(answer, KEY.api_key)


def test_a_fully_masked_row_never_matches():
    answer = fake.permissions()
    answer[0]["key"] = "*****"
    with pytest.raises(errors.Unverifiable):
        classify(answer, KEY.api_key)


@pytest.mark.parametrize("value", ["true", 1, None])
def test_a_mistyped_read_only_field_is_malformed(fake_exchange, value):
    fake.serve_permissions(fake_exchange, fake.permissions([{"name": "spot", "read_only": value}]))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("gate", KEY)


def test_missing_perms_are_malformed(fake_exchange):
    answer = fake.permissions()
    del answer[0]["perms"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("gate", KEY)


def test_a_locked_key_is_noted():
    answer = fake.permissions()
    answer[0]["state"] = 2
    assert "locked" in classify(answer, KEY.api_key).notes[0]


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("gate", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_key_without_the_account_permission_is_told_what_to_tick(fake_exchange):
    fake.serve_forbidden(fake_exchange)
    with pytest.raises(errors.KeyPermissionDenied) as caught:
        inspect_key("gate", KEY)
    assert "“Account” permission to Read Only" in caught.value.message


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.ExchangeProblem) as caught:
        inspect_key("gate", KEY)
    assert not caught.value.transient or isinstance(caught.value, errors.ExchangeUnavailable)


def test_a_non_list_answer_is_malformed(fake_exchange):
    fake.serve_permissions(fake_exchange, "read-only")
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("gate", KEY)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("gate", KEY)
    assert caught.value.transient
