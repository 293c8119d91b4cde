"""Bitget's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.client import _guarded_class
from exchanges.credentials import Credentials
from exchanges.scopes import bitget, inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import bitget as fake

KEY = Credentials(**fake.CREDENTIALS)


@pytest.fixture(autouse=True)
def no_rate_limit_pause(monkeypatch):
    """Skip ccxt's pause before the v2 call (its cost is 20 × 50 ms), which only slows tests."""
    monkeypatch.setattr(_guarded_class("bitget"), "throttle", lambda self, cost=None: None)


def _assert_signed(request):
    assert request.method == "GET"
    assert request.headers["access-key"] == KEY.api_key
    assert request.headers["access-passphrase"] == KEY.password
    assert request.headers["access-sign"]
    assert request.headers["access-timestamp"]


def test_a_read_only_unified_account_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.v3())
    report = inspect_key("bitget", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["192.168.1.1", "192.168.1.2"]
    _assert_signed(fake_exchange.requests_to(fake.V3_PATH)[0])
    assert fake_exchange.requests_to(fake.V2_PATH) == []


def test_a_read_only_classic_account_key_is_accepted_through_v2(fake_exchange):
    fake.serve_classic_permissions(fake_exchange, fake.v2())
    report = inspect_key("bitget", KEY)
    assert report.read_only
    assert report.ip_restricted is False
    assert [r.path for r in fake_exchange.requests] == [fake.V3_PATH, fake.V2_PATH]
    _assert_signed(fake_exchange.requests_to(fake.V2_PATH)[0])


def test_read_and_write_is_refused_even_without_any_area(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.v3("read-and-write", []))
    report = inspect_key("bitget", KEY)
    assert not report.read_only
    assert report.can_trade and report.can_transfer
    assert {p.flag for p in report.problems} == {"permType"}
    assert all("“Read-only”" in reason for reason in report.refusal_reasons())


@pytest.mark.parametrize("flag", fake.V3_TRADE_FLAGS)
def test_each_v3_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.v3("read-and-write", [flag]))
    report = inspect_key("bitget", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems if p.scope is Scope.TRADE] == [flag]
    assert report.can_transfer  # read-and-write counts as transfer too


@pytest.mark.parametrize("flag", fake.V3_TRANSFER_FLAGS)
def test_each_v3_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.v3("read-and-write", [flag]))
    report = inspect_key("bitget", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems if p.scope is Scope.TRANSFER] == [flag]


def test_withdraw_is_refused_even_on_a_read_only_key(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.v3("read-only", ["uta_trade", "withdraw"]))
    report = inspect_key("bitget", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [("withdraw", Scope.TRANSFER)]
    (reason,) = report.refusal_reasons()
    assert reason.startswith("Withdrawals are enabled") and "“Withdraw”" in reason


@pytest.mark.parametrize("flag", fake.V2_TRADE_FLAGS)
def test_each_v2_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_classic_permissions(fake_exchange, fake.v2([flag]))
    report = inspect_key("bitget", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [(flag, Scope.TRADE)]
    assert "edit the key" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.V2_TRANSFER_FLAGS)
def test_each_v2_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_classic_permissions(fake_exchange, fake.v2([flag]))
    report = inspect_key("bitget", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [(flag, Scope.TRANSFER)]


@pytest.mark.parametrize(
    "answer", [fake.v3(permissions=["uta_teleport"]), fake.v3("read-write-and-more")]
)
def test_an_unknown_v3_flag_or_value_is_refused(fake_exchange, answer):
    fake.serve_permissions(fake_exchange, answer)
    report = inspect_key("bitget", KEY)
    assert not report.read_only
    assert len(report.unknown) == 1


def test_an_unknown_v2_code_is_refused(fake_exchange):
    fake.serve_classic_permissions(fake_exchange, fake.v2(["zzow"]))
    report = inspect_key("bitget", KEY)
    assert not report.read_only
    assert [p.flag for p in report.unknown] == ["zzow"]


def test_a_missing_perm_type_is_malformed_and_not_retried_on_v2(fake_exchange):
    answer = fake.v3()
    del answer["data"]["permType"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bitget", KEY)
    assert fake_exchange.requests_to(fake.V2_PATH) == []


def test_an_authentication_error_is_clear_and_not_retried_on_v2(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("bitget", KEY)
    assert "did not accept this API key" in caught.value.message
    assert fake_exchange.requests_to(fake.V2_PATH) == []


def test_a_key_that_cannot_read_spot_on_a_classic_account_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.V3_PATH, Reply(fake.CLASSIC_ACCOUNT_ERROR, 400))
    fake_exchange.route(
        "GET",
        fake.V2_PATH,
        Reply(
            {"code": "40014", "msg": "Incorrect permissions", "requestTime": 1, "data": None}, 400
        ),
    )
    with pytest.raises(errors.KeyPermissionDenied):
        inspect_key("bitget", KEY)


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.V3_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bitget", KEY)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.V3_PATH, Reply(fake.v3(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("bitget", KEY)
    assert caught.value.transient
    assert fake_exchange.requests_to(fake.V2_PATH) == []


# Pure classification of the documented samples.


def test_the_documented_v3_sample_is_refused():
    report = bitget.classify(fake.V3_DOC_SAMPLE)
    assert not report.read_only
    assert {p.flag for p in report.problems} == set(fake.V3_DOC_SAMPLE["data"]["permissions"])


def test_the_documented_v2_sample_is_refused():
    report = bitget.classify(fake.V2_DOC_SAMPLE)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [("trade", Scope.TRADE)]


@pytest.mark.parametrize(
    "answer",
    [
        {"code": "40085", "msg": "Unified", "data": None},
        {"code": "00000", "msg": "success", "data": None},
        {"code": "00000", "data": {"permType": "read-only", "authorities": ["readonly"]}},
        {"code": "00000", "data": {"uid": "1"}},
        {"code": "00000", "data": {"permType": "read-only", "permissions": "uta_trade"}},
        {"code": "00000", "data": {"permType": "read-only"}},
        {"code": "00000", "data": {"authorities": "readonly"}},
    ],
)
def test_shapes_other_than_the_documented_one_are_refused(answer):
    with pytest.raises(errors.ExchangeProblem):
        bitget.classify(answer)
