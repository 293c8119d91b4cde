"""KuCoin's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key, kucoin
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import kucoin as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("kucoin", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["203.**.154", "103.**.34"]
    assert "General" in report.notes[0] and "sub-accounts" in report.notes[0]
    assert "apiKey" not in report.raw
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.method == "GET"
    assert request.headers["kc-api-key"] == KEY.api_key
    assert request.headers["kc-api-sign"]
    # ccxt sends the passphrase signed (key version 2), never in clear.
    assert request.headers["kc-api-passphrase"] != KEY.password


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions(f"General,{flag}"))
    report = inspect_key("kucoin", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [(flag, Scope.TRADE)]
    assert "untick" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions(f"General,{flag}"))
    report = inspect_key("kucoin", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [(flag, Scope.TRANSFER)]


def test_withdrawals_are_explained_in_plain_words(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions("General,Transfer"))
    (reason,) = inspect_key("kucoin", KEY).refusal_reasons()
    assert reason.startswith("Withdrawals are enabled")
    assert "“Withdrawal”" in reason


def test_an_unknown_flag_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions("General,Teleport"))
    report = inspect_key("kucoin", KEY)
    assert not report.read_only
    assert [p.flag for p in report.unknown] == ["Teleport"]


def test_a_key_without_general_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(""))
    assert not inspect_key("kucoin", KEY).read_only


def test_an_answer_about_another_key_is_unverifiable(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(apiKey="5f0000000000000000000000"))
    with pytest.raises(errors.Unverifiable):
        inspect_key("kucoin", KEY)


def test_a_missing_permission_field_is_malformed(fake_exchange):
    answer = fake.permissions()
    del answer["data"]["permission"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("kucoin", KEY)


def test_a_sub_account_key_is_noted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(isMaster=False, subName="savings"))
    report = inspect_key("kucoin", KEY)
    assert report.read_only
    assert "“savings”" in report.notes[1]


def test_an_unrestricted_key_reports_no_ip(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(ipWhitelist=""))
    report = inspect_key("kucoin", KEY)
    assert report.ip_restricted is False
    assert report.ip_allowlist == []


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("kucoin", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("kucoin", KEY)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("kucoin", KEY)
    assert caught.value.transient


# Pure classification of the documented sample.


def test_the_documented_sample_can_trade_and_transfer():
    report = kucoin.classify(fake.DOC_SAMPLE, fake.CREDENTIALS["api_key"])
    assert not report.read_only
    assert {p.flag for p in report.problems} == {
        "Futures",
        "Spot",
        "Earn",
        "InnerTransfer",
        "Transfer",
        "Margin",
    }


@pytest.mark.parametrize(
    "answer",
    [
        {"code": "200", "data": {}},
        {"code": 200000, "data": {}},
        {"code": "200000", "data": None},
        {"code": "200000", "data": {"apiKey": "6705f5c311545b000157d3eb"}},
        {
            "code": "200000",
            "data": {"apiKey": "6705f5c311545b000157d3eb", "permission": ["General"]},
        },
    ],
)
def test_shapes_other_than_the_documented_one_are_refused(answer):
    with pytest.raises(errors.ExchangeProblem):
        kucoin.classify(answer, fake.CREDENTIALS["api_key"])
