"""The loopback fake exchange server and each exchange's documented answers."""

from tests.fake_exchange.server import FakeExchangeServer, Reply, Request

__all__ = ["FakeExchangeServer", "Reply", "Request"]
