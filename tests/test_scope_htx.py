"""HTX's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import htx as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("htx", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["1.1.1.1", "1.1.1.2"]
    assert report.expires_at is None  # validDays -1: permanent
    assert KEY.api_key not in str(report.to_json())
    (uid_request,) = fake_exchange.requests_to(fake.UID_PATH)
    (request,) = fake_exchange.requests_to(fake.PERMISSIONS_PATH)
    for sent in (uid_request, request):
        assert sent.query["AccessKeyId"] == KEY.api_key
        assert sent.query["Signature"]
    assert request.query["uid"] == str(fake.UID)
    assert request.query["accessKey"] == KEY.api_key


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({"permission": f"readOnly,{flag}"}))
    report = inspect_key("htx", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems] == [flag]
    assert report.problems[0].scope is Scope.TRADE
    assert "untick “Trade”" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({"permission": f"readOnly,{flag}"}))
    report = inspect_key("htx", KEY)
    assert not report.read_only
    assert [p.scope for p in report.problems] == [Scope.TRANSFER]
    (reason,) = report.refusal_reasons()
    assert reason.startswith("Withdrawals are enabled")
    assert "Withdraw" in reason


def test_an_unknown_flag_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"permission": "readOnly,teleport"}))
    report = inspect_key("htx", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == "teleport"


def test_a_key_without_read_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"permission": ""}))
    assert not inspect_key("htx", KEY).read_only


def test_an_answer_about_another_key_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"accessKey": "someone-else"}))
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("htx", KEY)
    assert "did not describe this API key" in caught.value.message


def test_other_keys_in_the_answer_are_ignored(fake_exchange):
    other = {**fake.ROW, "accessKey": "someone-else", "permission": "readOnly,trade,withdraw"}
    fake.serve_permissions(fake_exchange, fake.permissions(extra_rows=[other]))
    assert inspect_key("htx", KEY).read_only


def test_the_key_listed_twice_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(extra_rows=[dict(fake.ROW)]))
    with pytest.raises(errors.Unverifiable):
        inspect_key("htx", KEY)


def test_a_key_that_is_not_normal_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"status": "expired"}))
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("htx", KEY)
    assert "expired" in caught.value.message


def test_an_expiring_key_reports_its_expiry(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"validDays": 30}))
    report = inspect_key("htx", KEY)
    assert report.read_only
    assert report.expires_at is not None
    assert "30 more days" in report.notes[0]


def test_a_refusal_code_is_unverifiable(fake_exchange):
    # e.g. a sub-account key: HTX answers this endpoint for main-account keys only.
    fake.serve_permissions(
        fake_exchange, {"code": 2002, "message": "invalid field value", "data": None}
    )
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("htx", KEY)
    assert "main account" in caught.value.message


def test_a_refused_uid_is_an_error(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    fake_exchange.route("GET", fake.UID_PATH, {"code": 2002, "message": "nope", "data": None})
    with pytest.raises(errors.ExchangeRejected):
        inspect_key("htx", KEY)
    assert not fake_exchange.requests_to(fake.PERMISSIONS_PATH)


def test_a_missing_permission_field_is_malformed(fake_exchange):
    answer = fake.permissions()
    del answer["data"][0]["permission"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("htx", KEY)


def test_a_mistyped_permission_field_is_malformed(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"permission": ["readOnly"]}))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("htx", KEY)


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("htx", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_malformed_answer_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.ExchangeProblem) as caught:
        inspect_key("htx", KEY)
    assert not caught.value.transient or isinstance(caught.value, errors.ExchangeUnavailable)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake.serve_permissions(fake_exchange, fake.permissions())
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("htx", KEY)
    assert caught.value.transient
