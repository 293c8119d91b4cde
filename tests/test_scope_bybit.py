"""Bybit's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

from datetime import UTC, datetime

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import bybit, inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import bybit as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    # The current documented sample: Read-Only, with readable areas including Wallet transfers.
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("bybit", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["18.181.170.164", "13.212.45.47", "13.212.45.48"]
    assert report.expires_at is None
    assert not {"apiKey", "secret"} & set(report.raw)
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.method == "GET"
    assert request.headers["x-bapi-api-key"] == KEY.api_key
    assert request.headers["x-bapi-sign"]
    assert request.headers["x-bapi-timestamp"]


def test_read_write_is_refused_even_without_any_area(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.only(0, {}))
    report = inspect_key("bybit", KEY)
    assert not report.read_only
    assert report.can_trade and report.can_transfer
    assert {p.flag for p in report.problems} == {"readOnly"}
    assert all("choose “Read-Only”" in reason for reason in report.refusal_reasons())


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.only(0, {flag: ["Something"]}))
    report = inspect_key("bybit", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems if p.scope is Scope.TRADE] == [flag]
    assert report.can_transfer  # Read-Write counts as transfer too
    assert "choose “Read-Only”" in report.refusal_reasons()[-1]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.only(0, {"Wallet": [flag]}))
    report = inspect_key("bybit", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems if p.scope is Scope.TRANSFER] == [f"Wallet.{flag}"]


def test_withdraw_is_refused_even_on_a_read_only_key(fake_exchange):
    fake.serve_permissions(
        fake_exchange, fake.permissions(1, {"Wallet": ["AccountTransfer", "Withdraw"]})
    )
    report = inspect_key("bybit", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [("Wallet.Withdraw", Scope.TRANSFER)]
    assert report.refusal_reasons()[0].startswith("Withdrawals are enabled")
    assert "“Withdrawal”" in report.refusal_reasons()[0]


@pytest.mark.parametrize(
    ("areas", "flag"),
    [({"Teleport": ["Beam"]}, "Teleport"), ({"Wallet": ["FundPull"]}, "Wallet.FundPull")],
)
def test_an_unknown_flag_is_refused(fake_exchange, areas, flag):
    fake.serve_permissions(fake_exchange, fake.permissions(1, areas))
    report = inspect_key("bybit", KEY)
    assert not report.read_only
    assert [p.flag for p in report.unknown] == [flag]


def test_an_unknown_read_only_value_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(2))
    report = inspect_key("bybit", KEY)
    assert not report.read_only
    assert [p.flag for p in report.unknown] == ["readOnly=2"]


@pytest.mark.parametrize("value", [True, "1", None])
def test_a_mistyped_read_only_field_is_malformed(fake_exchange, value):
    fake.serve_permissions(fake_exchange, fake.permissions(value))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bybit", KEY)


def test_an_answer_about_another_key_is_unverifiable(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(apiKey="SOMEOTHERKEY"))
    with pytest.raises(errors.Unverifiable):
        inspect_key("bybit", KEY)


def test_an_unhandled_error_code_is_not_accepted(fake_exchange):
    # ccxt lets retCode 30084 through without raising.
    fake.serve_permissions(fake_exchange, {**fake.permissions(), "retCode": 30084})
    with pytest.raises(errors.ExchangeRejected):
        inspect_key("bybit", KEY)


def test_an_unbound_key_reports_its_expiry(fake_exchange):
    fake.serve_permissions(
        fake_exchange, fake.permissions(ips=["*"], expiredAt="2026-01-07T03:20:45Z")
    )
    report = inspect_key("bybit", KEY)
    assert report.read_only
    assert report.ip_restricted is False
    assert report.expires_at == datetime(2026, 1, 7, 3, 20, 45, tzinfo=UTC)
    assert "IP address" in report.notes[0]


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("bybit", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bybit", KEY)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("bybit", KEY)
    assert caught.value.transient


# Pure classification of the documented samples.

API_KEY = fake.CREDENTIALS["api_key"]


def test_the_current_documented_sample_is_read_only():
    assert bybit.classify(fake.DOC_SAMPLE, API_KEY).read_only


def test_the_older_documented_sample_is_refused():
    report = bybit.classify(fake.OLD_DOC_SAMPLE, API_KEY)
    assert not report.read_only
    assert report.can_trade and report.can_transfer
    assert report.problems[0].flag == "Wallet.AccountTransfer"
    assert report.ip_restricted is False


@pytest.mark.parametrize(
    "answer",
    [
        {"retCode": 10005, "retMsg": "Permission denied", "result": {}},
        {"retCode": "0", "result": {}},
        {"retCode": 0, "result": []},
        {"retCode": 0, "result": {"apiKey": API_KEY, "readOnly": 1}},
        {"retCode": 0, "result": {"apiKey": API_KEY, "readOnly": 1, "permissions": {"Spot": "x"}}},
        {"retCode": 0, "result": {"readOnly": 1, "permissions": {}}},
    ],
)
def test_shapes_other_than_the_documented_one_are_refused(answer):
    with pytest.raises(errors.ExchangeProblem):
        bybit.classify(answer, API_KEY)
