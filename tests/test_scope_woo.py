"""WOO X's read-only guard, driven through real ccxt over HTTP to the loopback fake."""

import ccxt
import pytest

from exchanges import errors
from exchanges.credentials import Credentials
from exchanges.scopes import inspect_key
from exchanges.scopes.report import Scope
from tests.fake_exchange import Reply
from tests.fake_exchange import woo as fake

KEY = Credentials(**fake.CREDENTIALS)


@pytest.fixture
def no_throttle(monkeypatch):
    """ccxt spaces WOO X's credentials calls 6 s apart (10 a minute); tests need not wait."""
    monkeypatch.setattr(ccxt.woo, "throttle", lambda self, cost=None: None)


def test_a_read_only_key_is_accepted(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    report = inspect_key("woo", KEY)
    assert report.read_only
    assert report.ip_restricted is True
    assert report.ip_allowlist == ["123.0.0.1", "124.2.1.1"]
    assert KEY.api_key not in str(report.to_json())
    (request,) = fake_exchange.requests_to(fake.PERMISSIONS_PATH)
    assert request.headers["x-api-key"] == KEY.api_key
    assert request.headers["x-api-signature"]
    assert request.query == {"page": "1", "size": "1000"}


def test_a_key_without_ip_restriction_is_reported_so(fake_exchange):
    answer = fake.permissions()
    del answer["data"]["rows"][1]["allowedIPs"]  # documented: hidden when unrestricted
    fake.serve_permissions(fake_exchange, answer)
    report = inspect_key("woo", KEY)
    assert report.read_only
    assert report.ip_restricted is False


@pytest.mark.parametrize("flag", fake.TRADE_FLAGS)
def test_each_trade_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": ["READ", flag]}))
    report = inspect_key("woo", KEY)
    assert not report.read_only
    assert [p.flag for p in report.problems] == [flag]
    assert report.problems[0].scope is Scope.TRADE
    assert "untick “Trade”" in report.refusal_reasons()[0]


@pytest.mark.parametrize("flag", fake.TRANSFER_FLAGS)
def test_each_transfer_flag_is_refused_with_its_own_reason(fake_exchange, flag):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": ["READ", flag]}))
    report = inspect_key("woo", KEY)
    assert not report.read_only
    assert [p.scope for p in report.problems] == [Scope.TRANSFER]
    (reason,) = report.refusal_reasons()
    assert reason.startswith("Withdrawals are enabled")


def test_an_unknown_flag_is_refused(fake_exchange):
    fake.serve_permissions(
        fake_exchange, fake.permissions({"permissions": ["READ", "INTERNAL_TRANSFER"]})
    )
    report = inspect_key("woo", KEY)
    assert not report.read_only
    assert report.unknown[0].flag == "INTERNAL_TRANSFER"


def test_a_key_without_read_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": []}))
    assert not inspect_key("woo", KEY).read_only


def test_the_key_is_found_on_a_later_page(fake_exchange, no_throttle):
    rows = [fake.OTHER_ROW, fake.ROW, {**fake.OTHER_ROW, "apiKey": "third"}]
    pages = [fake.page([row], total=3, current=n, size=1) for n, row in enumerate(rows, 1)]
    fake.serve_pages(fake_exchange, pages)
    assert inspect_key("woo", KEY).read_only
    sent = [r.query["page"] for r in fake_exchange.requests_to(fake.PERMISSIONS_PATH)]
    assert sent == ["1", "2"]  # stops at the page holding the key


def test_a_key_on_no_page_is_refused(fake_exchange, no_throttle):
    pages = [
        fake.page([fake.OTHER_ROW], total=2, current=1, size=1),
        fake.page([{**fake.OTHER_ROW, "apiKey": "third"}], total=2, current=2, size=1),
    ]
    fake.serve_pages(fake_exchange, pages)
    with pytest.raises(errors.Unverifiable) as caught:
        inspect_key("woo", KEY)
    assert "did not describe this API key" in caught.value.message
    assert len(fake_exchange.requests_to(fake.PERMISSIONS_PATH)) == 2


def test_an_answer_about_other_keys_only_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.page([fake.OTHER_ROW]))
    with pytest.raises(errors.Unverifiable):
        inspect_key("woo", KEY)


def test_the_key_listed_twice_is_refused(fake_exchange):
    fake.serve_permissions(fake_exchange, fake.page([fake.ROW, fake.ROW]))
    with pytest.raises(errors.Unverifiable):
        inspect_key("woo", KEY)


def test_an_unsuccessful_envelope_is_refused(fake_exchange):
    answer = fake.permissions()
    answer["success"] = False
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.ExchangeProblem):
        inspect_key("woo", KEY)


@pytest.mark.parametrize("permissions", ["READ", [["READ"]], None])
def test_mistyped_permissions_are_malformed(fake_exchange, permissions):
    fake.serve_permissions(fake_exchange, fake.permissions({"permissions": permissions}))
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("woo", KEY)


def test_missing_rows_are_malformed(fake_exchange):
    answer = fake.permissions()
    del answer["data"]["rows"]
    fake.serve_permissions(fake_exchange, answer)
    with pytest.raises(errors.MalformedAnswer):
        inspect_key("woo", KEY)


def test_an_authentication_error_is_clear(fake_exchange):
    fake.serve_auth_error(fake_exchange)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        inspect_key("woo", KEY)
    assert "did not accept this API key" in caught.value.message


def test_a_malformed_answer_is_refused(fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(raw=b"<html>oops</html>"))
    with pytest.raises(errors.ExchangeProblem) as caught:
        inspect_key("woo", KEY)
    assert not caught.value.transient or isinstance(caught.value, errors.ExchangeUnavailable)


def test_a_timeout_is_reported_as_transient(fake_exchange, settings):
    settings.CCXT_TIMEOUT_MS = 200
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply(fake.permissions(), delay=1.0))
    with pytest.raises(errors.ExchangeUnreachable) as caught:
        inspect_key("woo", KEY)
    assert caught.value.transient
