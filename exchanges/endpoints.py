"""The reviewed allow-list: every ccxt implicit endpoint Porthole may call, per exchange.

The client refuses any request whose endpoint is not listed here, before it is signed or sent,
whatever unified method led to it. Add an endpoint only after reading what it does: only reads
(GET, or the exchanges' read-only POST queries such as Kraken's and Bitfinex's private reads).
Names are ccxt's camelCase implicit method names.
"""

# The permission endpoints used by the read-only guard (one module per exchange in scopes/).
SCOPE_ENDPOINTS: dict[str, frozenset[str]] = {
    "binance": frozenset({"sapiGetAccountApiRestrictions"}),
    "coinbase": frozenset({"v3PrivateGetBrokerageKeyPermissions"}),
    "kraken": frozenset({"privatePostGetApiKeyInfo"}),
    "okx": frozenset({"privateGetAccountConfig"}),
    "bybit": frozenset({"privateGetV5UserQueryApi"}),
    "kucoin": frozenset({"privateGetUserApiKey"}),
    "bitget": frozenset({"privateUtaGetV3AccountInfo", "privateSpotGetV2SpotAccountInfo"}),
    "gate": frozenset({"privateAccountGetMainKeys"}),
    "htx": frozenset({"v2PrivateGetUserUid", "v2PrivateGetUserApiKey"}),
    "gemini": frozenset({"privatePostV1Roles"}),
    "bitfinex": frozenset({"privatePostAuthRPermissions"}),
    "woo": frozenset({"v3PrivateGetAccountCredentials"}),
    "bingx": frozenset({"accountV1PrivateGetAccountApiPermissions"}),
    "mexc": frozenset({"spotPrivateGetApiKeyInfo"}),
}

# Endpoints the sync uses (balances, trades, transfers, markets), added by the sync engine.
SYNC_ENDPOINTS: dict[str, frozenset[str]] = {
    "binance": frozenset(
        {
            "publicGetExchangeInfo",  # spot markets
            "privateGetAccount",  # spot balances
            "sapiPostAssetGetFundingAsset",  # funding balances: a query sent as POST
            "privateGetMyTrades",
            "sapiGetCapitalDepositHisrec",
            "sapiGetCapitalWithdrawHistory",
        }
    ),
    "okx": frozenset(
        {
            "publicGetPublicInstruments",  # GET /api/v5/public/instruments: spot markets
            "privateGetAssetCurrencies",  # GET /api/v5/asset/currencies: load_markets, with a key
            "privateGetAccountBalance",  # GET /api/v5/account/balance: trading account
            "privateGetAssetBalances",  # GET /api/v5/asset/balances: funding account
            "privateGetTradeFillsHistory",  # GET /api/v5/trade/fills-history: own spot fills
            "privateGetAssetDepositHistory",  # GET /api/v5/asset/deposit-history
            "privateGetAssetWithdrawalHistory",  # GET /api/v5/asset/withdrawal-history
        }
    ),
    "kraken": frozenset(
        {
            "publicGetAssets",  # GET /0/public/Assets: asset ids (XXBT…), load_markets
            "publicGetAssetPairs",  # GET /0/public/AssetPairs: spot markets
            "privatePostBalanceEx",  # POST /0/private/BalanceEx: balances (a query)
            "privatePostTradesHistory",  # POST /0/private/TradesHistory: own trades (a query)
            "privatePostDepositStatus",  # POST /0/private/DepositStatus: deposits (a query)
            "privatePostWithdrawStatus",  # POST /0/private/WithdrawStatus: withdrawals (a query)
        }
    ),
    "coinbase": frozenset(
        {
            "v2PublicGetCurrencies",  # GET /v2/currencies: fiat currencies, load_markets
            "v2PublicGetCurrenciesCrypto",  # GET /v2/currencies/crypto: load_markets
            "v2PublicGetExchangeRates",  # GET /v2/exchange-rates: load_markets
            "v3PublicGetBrokerageMarketProducts",  # GET /api/v3/brokerage/market/products
            "v3PrivateGetBrokerageTransactionSummary",  # GET …/transaction_summary: fee tier
            "v3PrivateGetBrokerageAccounts",  # GET /api/v3/brokerage/accounts: balances
            "v3PrivateGetBrokerageOrdersHistoricalFills",  # GET …/orders/historical/fills
            "v2PrivateGetAccountsAccountIdTransactions",  # GET /v2/accounts/{id}/transactions
        }
    ),
}


# Public market data for prices (exchanges/pricing.py): markets, tickers and daily candles,
# called without a key. Only exchanges listed here can serve as a price source.
PRICE_ENDPOINTS: dict[str, frozenset[str]] = {
    "binance": frozenset(
        {
            "publicGetExchangeInfo",  # GET /api/v3/exchangeInfo: spot markets
            "publicGetTicker24hr",  # GET /api/v3/ticker/24hr: fetch_ticker(s)
            "publicGetKlines",  # GET /api/v3/klines: fetch_ohlcv
        }
    ),
    "kraken": frozenset(
        {
            "publicGetAssets",  # GET /0/public/Assets: load_markets' currencies
            "publicGetAssetPairs",  # GET /0/public/AssetPairs: markets
            "publicGetTicker",  # GET /0/public/Ticker: fetch_ticker(s)
            "publicGetOHLC",  # GET /0/public/OHLC: fetch_ohlcv (the latest 720 candles only)
        }
    ),
    "coinbase": frozenset(
        {
            "v2PublicGetCurrencies",  # GET /v2/currencies: load_markets' currencies
            "v2PublicGetCurrenciesCrypto",  # GET /v2/currencies/crypto
            "v2PublicGetExchangeRates",  # GET /v2/exchange-rates: currency codes only
            "v3PublicGetBrokerageMarketProducts",  # GET …/market/products: markets and tickers
            "v3PublicGetBrokerageMarketProductsProductIdCandles",  # fetch_ohlcv
        }
    ),
}


def allowed_endpoints(exchange_id: str) -> frozenset[str]:
    """Return every implicit endpoint name Porthole may call on this exchange."""
    return (
        SCOPE_ENDPOINTS.get(exchange_id, frozenset())
        | SYNC_ENDPOINTS.get(exchange_id, frozenset())
        | PRICE_ENDPOINTS.get(exchange_id, frozenset())
    )


# Unified ccxt methods Porthole may call; all of them only read.
READ_METHODS = frozenset(
    {
        "load_markets",
        "fetch_markets",
        "fetch_currencies",
        "fetch_balance",
        "fetch_my_trades",
        "fetch_deposits",
        "fetch_withdrawals",
        "fetch_deposits_withdrawals",
        "fetch_ledger",
        "fetch_ticker",
        "fetch_tickers",
        "fetch_ohlcv",
        "fetch_time",
    }
)
