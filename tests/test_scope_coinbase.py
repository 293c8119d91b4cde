"""Coinbase's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import base64
import json

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import coinbase, inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import coinbase as fake

KEY = Credentials(**fake.CREDENTIALS)


def _jwt_claims(request) -> tuple[dict, dict]:
    token = request.headers["authorization"].removeprefix("Bearer ")
    header, claims, _signature = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(claims)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("coinbase", KEY)
    assert report.read_only
    assert report.ip_restricted is None  # Coinbase does not report it
    assert fake.READ_ONLY["portfolio_uuid"] in report.notes[0]
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.method == "GET"
    header, claims = _jwt_claims(request)
    assert header["alg"] == "ES256"
    assert header["kid"] == claims["sub"] == KEY.api_key
    assert claims["uri"].startswith("GET ") and claims["uri"].endswith(fake.PERMISSIONS_PATH)


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({flag: True}))
    report = inspect_key("coinbase", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [(flag, Scope.TRADE)]
    assert "“Trade” unticked" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({flag: True}))
    report = inspect_key("coinbase", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [(flag, Scope.TRANSFER)]
    assert "“Transfer” unticked" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", ["can_receive", "can_manage_portfolios", "inbound_payments"])
def test_an_unknown_flag_is_refused(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({flag: True}))
    report = inspect_key("coinbase", KEY)
    assert not report.read_only
    assert [p.flag for p in report.unknown] == [flag]


def test_a_key_without_view_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"can_view": False}))
    report = inspect_key("coinbase", KEY)
    assert not report.read_only
    assert "no read permission" in report.refusal_reasons()[0]


def test_a_missing_transfer_flag_is_unverifiable(fake_exchange):
    answer = fake.permissions({"can_withdraw": False})
    del answer["can_transfer"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.Unverifiable):
        inspect_key("coinbase", KEY)


@pytest.mark.parametrize(
    ("field", "value"), [("can_view", "true"), ("can_trade", 0), ("can_transfer", None)]
)
def test_a_mistyped_flag_is_malformed(fake_exchange, field, value):
    fake.serve_permissions(fake_exchange, fake.permissions({field: value}))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("coinbase", KEY)


def test_a_legacy_key_is_refused_before_anything_is_sent(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("coinbase", Credentials(**fake.LEGACY_CREDENTIALS))
    assert "CDP" in caught.value.message
    assert fake_exchange.requests == []


def test_a_private_key_in_the_key_field_is_refused_before_anything_is_sent(fake_exchange):
    swapped = Credentials(api_key=KEY.secret, secret=KEY.secret)
    with pytest.raises(errors.Unverifiable):
        inspect_key("coinbase", swapped)
    assert fake_exchange.requests == []


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("coinbase", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_permission_error_is_clear(fake_exchange):
    fake.serve_permission_denied(fake_exchange)
    with pytest.raises(errors.KeyPermissionDenied):
        inspect_key("coinbase", KEY)


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("coinbase", KEY)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("coinbase", KEY)
    assert caught.value.transient


# Pure classification of the documented samples.


def test_the_documented_sample_can_trade_and_transfer():
    report = coinbase.classify(fake.DOC_SAMPLE)
    assert not report.read_only
    assert report.can_trade and report.can_transfer
    assert report.refusal_reasons()[0].startswith(
        "Transfers (deposits and withdrawals) are enabled"
    )


def test_the_portfolio_is_named_in_the_notes():
    report = coinbase.classify(fake.permissions({"portfolio_type": "INTX"}))
    assert "International" in report.notes[0]


@pytest.mark.parametrize("answer", [[], "ok", None, {"can_view": True}])
def test_shapes_other_than_the_documented_one_are_refused(answer):
    with pytest.raises(errors.ExchangeProblem):
        coinbase.classify(answer)


def test_an_ed25519_cdp_key_is_signed_as_a_cdp_key(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    ed25519 = Credentials(
        api_key="1a2b3c4d-5e6f-7a8b-9c0d-0e1f2a3b4c5d",
        secret=base64.b64encode(bytes(range(64))).decode(),
    )
    assert inspect_key("coinbase", ed25519).read_only
    header, _claims = _jwt_claims(fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0])
    assert header["alg"] == "EdDSA"
