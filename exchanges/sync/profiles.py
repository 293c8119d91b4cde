"""Per exchange: which balances and history streams to sync, and how each one pages.

Only exchanges with a profile here are synced with their own paging; the others use the
generic forward-by-time profile, which works wherever ccxt honours `since` for these methods.
"""

from dataclasses import dataclass, field

from exchanges.sync.streams import IdStream, SinceStream, Stream

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
}


def profile_for(exchange_id: str) -> Profile:
    """Return how this exchange is synced."""
    return PROFILES.get(exchange_id, GENERIC)
