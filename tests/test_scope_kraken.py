"""Kraken's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

from datetime import UTC, datetime

import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key, kraken
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import kraken as fake

KEY = Credentials(**fake.CREDENTIALS)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("kraken", KEY)
    assert report.read_only
    assert report.ip_restricted is False
    assert report.expires_at is None
    assert report.notes == []
    assert "apiKey" not in report.raw
    request = fake_exchange.requests_to(fake.PERMISSIONS_PATH)[0]
    assert request.method == "POST"
    assert request.headers["api-key"] == KEY.api_key
    assert request.headers["api-sign"]
    assert request.form()["nonce"].isdigit()


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions([flag]))
    report = inspect_key("kraken", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [(flag, Scope.TRADE)]
    assert "untick" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions([flag]))
    report = inspect_key("kraken", KEY)
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [(flag, Scope.TRANSFER)]


def test_withdrawals_are_explained_in_plain_words(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(["withdraw-funds"]))
    (reason,) = inspect_key("kraken", KEY).refusal_reasons()
    assert reason.startswith("Withdrawals are enabled")
    assert "“Withdraw”" in reason


@pytest.mark.parametrize("flag", ["deposit-funds", "earn-funds", "teleport"])
def test_an_unknown_flag_is_refused(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions([flag]))
    report = inspect_key("kraken", KEY)
    assert not report.read_only
    assert [p.flag for p in report.unknown] == [flag]


@pytest.mark.parametrize(
    ("flag", "box"), [("export-data", "Export data"), ("create-ws-token", "Access WebSockets API")]
)
def test_known_non_query_permissions_are_refused_with_their_box(fake_exchange, flag, box):
    fake.serve_permissions(fake_exchange, fake.permissions([flag]))
    report = inspect_key("kraken", KEY)
    assert [p.flag for p in report.unknown] == [flag]
    assert f"“{box}”" in report.refusal_reasons()[0]


def test_a_key_without_any_permission_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(permissions=[]))
    report = inspect_key("kraken", KEY)
    assert not report.read_only
    assert len(report.notes) == 3  # balances, trades and ledger cannot be synced


def test_an_answer_about_another_key_is_unverifiable(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions(apiKey="some-other-key"))
    with pytest.raises(errors.Unverifiable):
        inspect_key("kraken", KEY)


def test_a_missing_permission_list_is_malformed(fake_exchange):
    answer = fake.permissions()
    del answer["result"]["permissions"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("kraken", KEY)


def test_ip_allowlist_and_expiry_are_reported(fake_exchange):
    fake.serve_permissions(
        fake_exchange,
        fake.permissions(
            ipAllowlist=["203.0.113.7"], validUntil="1798761600", queryFrom="1735689600"
        ),
    )
    report = inspect_key("kraken", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["203.0.113.7"]
    assert report.expires_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert "from 2025-01-01" in report.notes[0]


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("kraken", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_permission_error_is_clear(fake_exchange):
    fake_exchange.route("POST", fake.PERMISSIONS_PATH, {"error": ["EGeneral:Permission denied"]})
    with pytest.raises(errors.KeyPermissionDenied):
        inspect_key("kraken", KEY)


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("POST", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("kraken", KEY)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("POST", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("kraken", KEY)
    assert caught.value.transient


# Pure classification of the documented sample.


def test_the_documented_sample_can_trade_and_withdraw():
    report = kraken.classify(fake.DOC_SAMPLE, fake.CREDENTIALS["api_key"])
    assert not report.read_only
    assert [(p.flag, p.scope) for p in report.problems] == [
        ("withdraw-funds", Scope.TRANSFER),
        ("modify-trades", Scope.TRADE),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        {"error": ["EGeneral:Internal error"], "result": {}},
        {"result": {"permissions": ["query-funds"]}},
        {"error": [], "result": {"permissions": "query-funds"}},
        {"error": [], "result": {"permissions": ["query-funds", 1]}},
        {"error": [], "result": []},
    ],
)
def test_shapes_other_than_the_documented_one_are_refused(answer):
    with pytest.raises(errors.ExchangeProblem):
        kraken.classify(answer, "")
