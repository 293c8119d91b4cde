"""Connecting a key through the web: verified before anything is saved, refused in plain words."""

import pytest
from django.urls import reverse

from exchanges.models import AuditEvent, ExchangeAccount
from tests.fake_exchange import Reply
from tests.fake_exchange import binance as fake

pytestmark = pytest.mark.django_db

CANARY_SECRET = "CANARY-SECRET-5f1e2d3c4b5a69788796a5b4c3d2e1f0"
CANARY_KEY = "CANARYKEY0123456789abcdefghijklmnop"


@pytest.fixture
def ana(django_user_model):
    return django_user_model.objects.create_user("ana", password="a-long-password-1")


@pytest.fixture
def logged_in(client, ana):
    client.force_login(ana)
    return client


def post_key(client, **extra):
    data = {
        "exchange": "binance",
        "label": "Main",
        "api_key": CANARY_KEY,
        "secret": CANARY_SECRET,
        **extra,
    }
    return client.post(reverse("exchanges:connect") + "?exchange=binance", data, follow=True)


def test_the_connect_page_shows_how_to_make_a_read_only_key_before_the_form(logged_in):
    response = logged_in.get(reverse("exchanges:connect") + "?exchange=binance")
    html = response.content.decode()
    assert "Create a read-only key on Binance" in html
    assert "Enable Reading" in html
    assert "IP" in html
    assert html.index("Create a read-only key") < html.index('name="secret"')


def test_an_exchange_that_needs_a_passphrase_asks_for_it(logged_in):
    response = logged_in.get(reverse("exchanges:connect") + "?exchange=okx")
    assert b'name="password"' in response.content


def test_a_read_only_key_is_connected_and_encrypted(logged_in, ana, fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    response = post_key(logged_in)
    account = ExchangeAccount.objects.get()
    assert account.owner == ana
    assert account.status == ExchangeAccount.Status.ACTIVE
    assert account.scope_report["read_only"] is True
    assert CANARY_SECRET not in account.encrypted_credentials
    assert account.key_fingerprint == "CANA…mnop"
    assert response.redirect_chain[-1][0] == reverse("exchanges:detail", args=[account.pk])
    assert CANARY_SECRET.encode() not in response.content
    assert CANARY_KEY.encode() not in response.content
    assert AuditEvent.objects.filter(kind="added", account=account).exists()


def test_a_key_with_withdrawals_is_refused_in_plain_words_and_nothing_is_stored(
    logged_in, fake_exchange
):
    fake.serve_permissions(fake_exchange, fake.permissions({"enableWithdrawals": True}))
    response = post_key(logged_in)
    html = response.content.decode()
    assert "did not accept this key" in html
    assert "Withdrawals are enabled" in html
    assert "untick “Enable Withdrawals”" in html
    assert "Nothing was stored" in html
    assert ExchangeAccount.objects.count() == 0
    assert CANARY_SECRET not in html and CANARY_KEY not in html
    event = AuditEvent.objects.get(kind="refused")
    assert "Withdrawals are enabled" in event.message
    assert CANARY_SECRET not in str(event.details) + event.message


def test_a_refused_form_echoes_no_secret_back(logged_in, fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions({"enableFutures": True}))
    html = post_key(logged_in).content.decode()
    assert 'value="' + CANARY_KEY not in html
    assert "Futures trading is enabled" in html


def test_a_wrong_key_gives_a_clear_message_and_stores_nothing(logged_in, fake_exchange):
    fake.serve_auth_error(fake_exchange)
    html = post_key(logged_in).content.decode()
    assert "did not accept this API key" in html
    assert ExchangeAccount.objects.count() == 0


def test_an_exchange_that_is_down_gives_a_clear_message(logged_in, fake_exchange):
    fake_exchange.route("GET", fake.PERMISSIONS_PATH, Reply({"msg": "maintenance"}, 503))
    html = post_key(logged_in).content.decode()
    assert "could not be checked" in html
    assert ExchangeAccount.objects.count() == 0


def test_the_same_key_is_not_stored_twice(logged_in, fake_exchange):
    fake.serve_permissions(fake_exchange, fake.permissions())
    post_key(logged_in)
    html = post_key(logged_in, label="Again").content.decode()
    assert "already connected" in html
    assert ExchangeAccount.objects.count() == 1


def test_an_unverifiable_exchange_is_refused_with_the_reason(logged_in, fake_exchange):
    response = logged_in.get(reverse("exchanges:connect") + "?exchange=bitstamp")
    html = response.content.decode()
    assert "offers no way to ask what an API key may do" in html
    assert "CSV" in html
    assert 'name="secret"' not in html
    logged_in.post(
        reverse("exchanges:connect") + "?exchange=bitstamp",
        {"exchange": "bitstamp", "label": "x", "api_key": "k", "secret": "s"},
    )
    assert ExchangeAccount.objects.count() == 0
    assert fake_exchange.requests == []


def test_an_instance_that_requires_ip_restriction_refuses_an_unbound_key(
    logged_in, fake_exchange, settings
):
    settings.REQUIRE_IP_RESTRICTION = True
    fake.serve_permissions(fake_exchange, fake.permissions({"ipRestrict": False}))
    html = post_key(logged_in).content.decode()
    assert "restricted to its IP address" in html
    assert ExchangeAccount.objects.count() == 0
    fake.serve_permissions(fake_exchange, fake.permissions({"ipRestrict": True}))
    post_key(logged_in)
    assert ExchangeAccount.objects.get().ip_restricted is True
