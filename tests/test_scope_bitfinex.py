"""Bitfinex's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import bitfinex as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("bitfinex", KEY)
    assert report.read_only
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.method == "POST"
    assert request.headers["bfx-apikey"] == KEY.api_key
    assert request.headers["bfx-signature"]
    assert request.headers["bfx-nonce"]


@pytest.mark.parametrize("row", fake.TRADE_FLAGS, ids=lambda row: row[0])
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, row):
    fake.serve_permissions(fake_exchange, fake.permissions(row))
    report = inspect_key("bitfinex", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems] == [f"{row[0]}.write"]
    assert report.problems[0].scope is Scope.TRADE
    assert "switch off" in report.refusal_reasons()[0]


@pytest.mark.parametrize("row", fake.TRANSFER_FLAGS, ids=lambda row: "-".join(map(str, row)))
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, row):
    fake.serve_permissions(fake_exchange, fake.permissions(row))
    report = inspect_key("bitfinex", KEY)
    assert not report.read_only
    assert [p.scope for p in report.problems] == [Scope.TRANSFER]


def test_withdrawals_are_explained_in_plain_words(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(("withdraw", 0, 1)))
    (reason,) = inspect_key("bitfinex", KEY).refusal_reasons()
    assert reason.startswith("Withdrawals are enabled")
    assert "Withdraw permission" in reason


def test_an_unknown_scope_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(("teleport", 1, 0)))
    report = inspect_key("bitfinex", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == "teleport.read"


def test_a_write_bit_on_history_is_unknown(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(("history", 1, 1)))
    report = inspect_key("bitfinex", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == "history.write"


def test_an_unknown_scope_with_no_bit_is_harmless(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(("teleport", 0, 0)))
    assert inspect_key("bitfinex", KEY).read_only


def test_a_key_without_read_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, [[row[0], 0, 0] for row in fake.READ_ONLY])
    assert not inspect_key("bitfinex", KEY).read_only


def test_a_missing_withdraw_row_is_malformed(fake_exchange):
    fake.serve_permissions(fake_exchange, [r for r in fake.permissions() if r[0] != "withdraw"])
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bitfinex", KEY)


@pytest.mark.parametrize(
    "row",
    [
        ["orders", 1],
        ["orders", True, False],
        ["orders", 1, 2],
        ["orders", "1", "0"],
        [1, 1, 0],
        {"orders": [1, 0]},
    ],
)
def test_a_malformed_row_is_malformed(fake_exchange, row):
    fake.serve_permissions(fake_exchange, [*fake.permissions(), row])
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bitfinex", KEY)


def test_a_repeated_scope_is_malformed(fake_exchange):
    fake.serve_permissions(fake_exchange, [*fake.permissions(), ["withdraw", 0, 0]])
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("bitfinex", KEY)


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("bitfinex", KEY)
    assert "did not accept this API key" in caught.value.message


def test_an_object_answer_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, {"permissions": fake.permissions()})
    with pytest.raises(errors.ExchangeProblem):
        inspect_key("bitfinex", KEY)


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("POST", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.ExchangeProblem) as caught:
        inspect_key("bitfinex", KEY)
    assert not caught.value.transient or isinstance(caught.value, errors.ExchangeUnavailable)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("POST", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("bitfinex", KEY)
    assert caught.value.transient
