"""WOO X's documented answers: /v3/account/credentials (paginated) and its errors."""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply, Request

PERMISSIONS_PATH = "/v3/account/credentials"
CREDENTIALS = {"api_key": "+PwooTestKey0123456789==", "secret": "woo-test-secret"}

# WOO X's documented sample, with this key's row reduced to READ: a read-only key.
ROW = {
    "accountName": "Main",
    "userId": 12523,
    "apiKey": CREDENTIALS["api_key"],
    "permissions": ["READ"],
    "allowedIPs": ["123.0.0.1", "124.2.1.1"],
}
OTHER_ROW = {
    "accountName": "Main",
    "userId": 12523,
    "apiKey": "+PotherKey9876543210==",
    "permissions": ["READ", "TRADE", "WITHDRAWAL"],
}
TRADE_FLAGS = ["TRADE"]
TRANSFER_FLAGS = ["WITHDRAWAL"]


def page(rows: list[dict], *, total: int | None = None, current: int = 1, size: int = 1000) -> dict:
    """Return one documented page of credentials."""
    return {
        "success": True,
        "data": {
            "rows": copy.deepcopy(rows),
            "meta": {
                "total": len(rows) if total is None else total,
                "recordsPerPage": size,
                "currentPage": current,
            },
        },
        "timestamp": 1721295317627,
    }


def permissions(row: dict | None = None) -> dict:
    """Return a one-page answer with the key's row (some fields changed) after another key."""
    return page([OTHER_ROW, {**ROW, **(row or {})}])


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_pages(server: FakeExchangeServer, pages: list[dict]) -> None:
    """Answer each `page` query parameter with the matching page (1-based)."""

    def reply(request: Request) -> Reply:
        number = int(request.query.get("page", "1"))
        return Reply(pages[number - 1] if number <= len(pages) else page([], total=0))

    server.route("GET", PERMISSIONS_PATH, reply)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply(
            {
                "success": False,
                "code": -1002,
                "message": "API key or secret is invalid, it may because key have "
                "insufficient permission or the key is expired/revoked.",
            },
            401,
        ),
    )
