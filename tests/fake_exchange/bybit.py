"""Bybit's documented answers: GET /v5/user/query-api and its errors."""

import copy

from tests.fake_exchange.server import FakeExchangeServer, Reply

PERMISSIONS_PATH = "/v5/user/query-api"
CREDENTIALS = {"api_key": "BYBITTESTKEY0123456", "secret": "BYBITTESTSECRET0123456789ABCDEFGHIJ"}

# Bybit's current documented sample ([DOC]): a Read-Only key with readable product areas.
DOC_SAMPLE = {
    "retCode": 0,
    "retMsg": "",
    "result": {
        "id": "2208369",
        "note": "testnet",
        "apiKey": CREDENTIALS["api_key"],
        "readOnly": 1,
        "secret": "",
        "permissions": {
            "ContractTrade": ["Order", "Position"],
            "Spot": ["SpotTrade"],
            "Wallet": ["AccountTransfer", "SubMemberTransfer"],
            "Options": [],
            "Derivatives": ["DerivativesTrade"],
            "CopyTrading": [],
            "BlockTrade": [],
            "Exchange": ["ExchangeHistory"],
            "NFT": [],
            "Affiliate": [],
            "Earn": ["Earn"],
            "FiatP2P": ["FiatP2POrder", "Advertising"],
            "FiatConvertBroker": ["FiatConvertBrokerOrder"],
            "FiatGlobalPay": [],
            "FiatBitPay": ["FaitPayOrder"],
            "BitCard": ["BitCard"],
            "ByXPost": ["ByXPost"],
        },
        "ips": ["18.181.170.164", "13.212.45.47", "13.212.45.48"],
        "type": 1,
        "deadlineDay": -2,
        "expiredAt": "1970-01-01T00:00:00Z",
        "createdAt": "2025-10-13T03:20:45Z",
        "unified": 0,
        "uta": 1,
        "userID": 1448939,
        "isMaster": True,
        "parentUid": "0",
    },
    "retExtInfo": {},
    "time": 1776149990532,
}
READ_ONLY = DOC_SAMPLE
# The older documented sample: Read-Write with account transfers, no IP bound.
OLD_DOC_SAMPLE = copy.deepcopy(DOC_SAMPLE)
OLD_DOC_SAMPLE["result"].update(
    readOnly=0, ips=["*"], deadlineDay=83, expiredAt="2026-01-07T03:20:45Z"
)
OLD_DOC_SAMPLE["result"]["permissions"]["Wallet"] = ["AccountTransfer"]

# Product areas that are trading once the key is Read-Write.
TRADE_FLAGS = [
    "ContractTrade",
    "Spot",
    "Options",
    "Derivatives",
    "Exchange",
    "Earn",
    "CopyTrading",
    "BlockTrade",
    "NFT",
    "Affiliate",
    "FiatP2P",
    "FiatConvertBroker",
    "FiatGlobalPay",
    "FiatBitPay",
    "BitCard",
    "ByXPost",
]
# Wallet items that move funds once the key is Read-Write (Withdraw even on Read-Only).
TRANSFER_FLAGS = ["AccountTransfer", "SubMemberTransfer", "SubMemberTransferList", "Withdraw"]


def permissions(read_only: int = 1, areas: dict | None = None, **fields) -> dict:
    """Return the read-only answer with readOnly, product areas and other fields changed."""
    answer = copy.deepcopy(READ_ONLY)
    answer["result"].update(readOnly=read_only, **fields)
    answer["result"]["permissions"].update(areas or {})
    return answer


def only(read_only: int, areas: dict) -> dict:
    """Return an answer whose only non-empty product areas are `areas`."""
    answer = permissions(read_only)
    answer["result"]["permissions"] = {name: [] for name in answer["result"]["permissions"]}
    answer["result"]["permissions"].update(areas)
    return answer


def serve_permissions(server: FakeExchangeServer, answer: dict) -> None:
    server.route("GET", PERMISSIONS_PATH, answer)


def serve_auth_error(server: FakeExchangeServer) -> None:
    server.route(
        "GET",
        PERMISSIONS_PATH,
        Reply(
            {
                "retCode": 10003,
                "retMsg": "API key is invalid.",
                "result": {},
                "retExtInfo": {},
                "time": 1776149990532,
            },
            401,
        ),
    )
