"""Per exchange: which balances and history streams to sync, and how each one pages.

Only exchanges with a profile here are synced with their own paging; the others use the
generic forward-by-time profile, which works wherever ccxt honours `since` for these methods.
"""

from dataclasses import dataclass, field

from exchanges.sync.streams import (
    AccountLedgerStream,
    CursorStream,
    EndWalkStream,
    IdStream,
    NewestFirstStream,
    OffsetStream,
    SinceStream,
    Stream,
)

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Profile:
    streams: tuple[Stream, ...]
    # ccxt fetch_balance `type` values beyond the default (spot) one, e.g. "funding".
    balance_types: tuple[str | None, ...] = (None,)
    # ccxt options set before anything is loaded (e.g. load spot markets only).
    options: dict = field(default_factory=dict)


GENERIC = Profile(
    streams=(
        SinceStream("deposits", "fetch_deposits"),
        SinceStream("withdrawals", "fetch_withdrawals"),
        SinceStream("trades", "fetch_my_trades"),
    )
)

PROFILES: dict[str, Profile] = {
    # Trades need a market and page by trade id (1,000 a request); deposits and withdrawals
    # are answered 90 days at a time, newest first.
    "binance": Profile(
        streams=(
            SinceStream(
                "deposits",
                "fetch_deposits",
                limit=1000,
                window_ms=90 * DAY_MS,
                start_ms=1498867200000,
            ),  # 2017-07-01, when Binance opened
            SinceStream(
                "withdrawals",
                "fetch_withdrawals",
                limit=1000,
                window_ms=90 * DAY_MS,
                start_ms=1498867200000,
            ),
            IdStream("trades", "fetch_my_trades", per_market=True, limit=1000),
        ),
        balance_types=(None, "funding"),
        options={
            "fetchMarkets": {"types": ["spot"]},
            "fetchCurrencies": False,
            "fetchMargins": False,
        },
    ),
    # OKX answers every history newest first, 100 a page, with `after` asking for older records.
    # Trades: fills-history for every spot market at once (instType SPOT), paged by billId.
    # OKX keeps it for 3 months per ccxt's docs (OKX's own docs now say a year, from July
    # 2024); older fills exist only in OKX's asynchronous archive (a POST that has OKX build a
    # file), which ccxt does not read, so trades older than that window are never synced.
    # Margin, swap and futures fills are not synced. Deposits and withdrawals are paged by
    # timestamp; OKX states that ccxt leaves as raw codes (e.g. withdrawal 17, 19) are
    # non-final, so they are kept as pending and read again until they settle.
    "okx": Profile(
        streams=(
            NewestFirstStream("deposits", "fetch_deposits", limit=100, unmapped_status="pending"),
            NewestFirstStream(
                "withdrawals", "fetch_withdrawals", limit=100, unmapped_status="pending"
            ),
            NewestFirstStream("trades", "fetch_my_trades", limit=100, cursor_field="billId"),
        ),
        balance_types=("trading", "funding"),
        # Spot instruments only (one request); currencies come from /asset/currencies.
        options={"fetchMarkets": {"types": ["spot"]}},
    ),
    # Kraken: one request lists every trade (TradesHistory: newest first, 50 a page, paged by
    # offset within a fixed range). Deposits and withdrawals (DepositStatus, WithdrawStatus)
    # answer the newest records of a time range cut at `limit`, so they are walked back by
    # moving the range's end. load_markets reads Assets (Kraken's X/Z asset ids) and
    # AssetPairs, which are spot only.
    "kraken": Profile(
        streams=(
            EndWalkStream("deposits", "fetch_deposits", limit=25),
            EndWalkStream("withdrawals", "fetch_withdrawals", limit=25),
            OffsetStream("trades", "fetch_my_trades", limit=50),
        ),
    ),
    # Coinbase (CDP key, one portfolio): balances from the v3 accounts, every page of them;
    # trades from the v3 fills of every product at once, paged by cursor. Deposits and
    # withdrawals exist only in the v2 per-wallet transaction lists (ccxt's fetch_ledger);
    # one stream reads both, wallet by wallet.
    "coinbase": Profile(
        streams=(
            CursorStream("trades", "fetch_my_trades", limit=250),
            AccountLedgerStream("transfers", "fetch_ledger", limit=100),
        ),
        options={"fetchBalance": "v3PrivateGetBrokerageAccounts"},
    ),
}


def profile_for(exchange_id: str) -> Profile:
    """Return how this exchange is synced."""
    return PROFILES.get(exchange_id, GENERIC)
