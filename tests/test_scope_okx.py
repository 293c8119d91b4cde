"""OKX's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key, okx
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import okx as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("okx", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["203.0.113.7", "198.51.100.2"]
    assert report.notes == []
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.method == "GET"
    assert request.headers["ok-access-key"] == KEY.api_key
    assert request.headers["ok-access-passphrase"] == KEY.password
    assert request.headers["ok-access-sign"]
    assert request.headers["ok-access-timestamp"]


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions(f"read_only,{flag}"))
    report = inspect_key("okx", KEY)
    assert not report.read_only
    assert report.can_trade
    assert {p.flag for p in report.problems} == {flag}
    assert all("untick “Trade”" in reason for reason in report.refusal_reasons())


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions(f"read_only,{flag}"))
    report = inspect_key("okx", KEY)
    assert not report.read_only
    assert report.can_transfer
    assert report.problems[0].flag == flag
    assert report.problems[0].scope is Scope.TRANSFER


def test_trade_is_explained_as_able_to_move_funds(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions("read_only,trade"))
    reasons = inspect_key("okx", KEY).refusal_reasons()
    assert "moving funds between accounts" in reasons[0]
    assert reasons[1].startswith("Trading is enabled")


def test_an_unknown_flag_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions("read_only,teleport"))
    report = inspect_key("okx", KEY)
    assert not report.read_only
    assert [p.flag for p in report.unknown] == ["teleport"]


def test_a_key_without_read_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(""))
    assert not inspect_key("okx", KEY).read_only


def test_a_missing_perm_field_is_malformed(fake_exchange):
    answer = fake.permissions()
    del answer["data"][0]["perm"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("okx", KEY)


def test_two_accounts_in_the_answer_are_unverifiable(fake_exchange):
    answer = fake.permissions()
    answer["data"].append(fake.permissions("read_only,trade")["data"][0])
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.Unverifiable):
        inspect_key("okx", KEY)


def test_a_partial_success_code_is_not_accepted(fake_exchange):
    # ccxt does not raise for code "2" (bulk partial success); Porthole must not classify it.
    fake.serve_permissions(fake_exchange, {**fake.permissions(), "code": "2"})
    with pytest.raises(errors.ExchangeRejected):
        inspect_key("okx", KEY)


def test_a_sub_account_key_is_noted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(uid="111", mainUid="222"))
    report = inspect_key("okx", KEY)
    assert report.read_only
    assert "sub-account" in report.notes[0]


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("okx", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("okx", KEY)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("okx", KEY)
    assert caught.value.transient


# Pure classification of the documented sample.


def test_the_documented_sample_can_trade_and_withdraw():
    report = okx.classify(fake.DOC_SAMPLE)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [
        ("withdraw", Scope.TRANSFER),
        ("trade", Scope.TRANSFER),
        ("trade", Scope.TRADE),
    ]
    assert report.ip_restricted is False


@pytest.mark.parametrize(
    "answer",
    [
        {"code": "50111", "msg": "Invalid OK-ACCESS-KEY", "data": []},
        {"code": 0, "data": [{"perm": "read_only"}]},
        {"code": "0", "data": []},
        {"code": "0", "data": {"perm": "read_only"}},
        {"code": "0", "data": [{"perm": ["read_only"]}]},
        {"code": "0", "data": ["read_only"]},
    ],
)
def test_shapes_other_than_the_documented_one_are_refused(answer):
    with pytest.raises(errors.ExchangeProblem):
        okx.classify(answer)
