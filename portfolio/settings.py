"""Porthole settings, read from the environment (see .env.example for every variable).

Two shapes of deployment come out of the same file:
- embedded (no DATABASE_URL, no REDIS_URL): SQLite and a filesystem Celery broker in DATA_DIR;
- served (DATABASE_URL=postgres://…, REDIS_URL=redis://…): PostgreSQL, Redis broker and cache.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from portfolio.config import ConfigError, env_value, read_database_url, read_redis_url

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env beside manage.py is honoured for people who prefer it to exported variables.
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

DATA_DIR = Path(env_value("DATA_DIR", default=str(BASE_DIR / "data"))).expanduser().resolve()

SECRET_KEY = env_value("SECRET_KEY", default="")
# `porthole.py start` keeps the key it generates in DATA_DIR: a manage.py command run beside it
# (connect_exchange, sync_accounts, …) uses the same one instead of refusing to start.
if not SECRET_KEY and (DATA_DIR / "secret_key").is_file():
    SECRET_KEY = (DATA_DIR / "secret_key").read_text().strip()
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-only-key"  # noqa: S105 - DEBUG only, never served
    else:
        raise ConfigError(
            "SECRET_KEY is not set. Make one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))' "
            "and put it in SECRET_KEY (or a file named by SECRET_KEY_FILE)."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "portfolio",
    "exchanges",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "people",  # after django_otp: its admin replaces the device admins that show TOTP keys
    "notices",
    "sharing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Temporary password to change, or two-factor to enrol: nothing else until done.
    "people.middleware.AccountGateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portfolio.urls"
WSGI_APPLICATION = "portfolio.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": read_database_url(env, DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = read_redis_url()

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "porthole",
        }
    }
else:
    # Shared by web and worker processes on one machine, unlike the local-memory cache.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))).resolve()
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- HTTPS and security headers -------------------------------------------------------------
# HTTPS is assumed in production; the embedded start on localhost turns it off explicitly,
# because browsers drop Secure cookies sent over plain HTTP to anything but localhost.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS and env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preloading is a commitment for the whole domain and its subdomains, which a self-hoster
# makes on purpose (SECURE_HSTS_PRELOAD=true), not a default Porthole can make for them.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {"visibility_timeout": 3600}
    if REDIS_URL
    else {
        "data_folder_in": str(DATA_DIR / "broker" / "queue"),
        "data_folder_out": str(DATA_DIR / "broker" / "queue"),
        "processed_folder": str(DATA_DIR / "broker" / "processed"),
        "store_processed": False,
    }
)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
HEARTBEAT_INTERVAL = timedelta(seconds=env.int("HEARTBEAT_INTERVAL_SECONDS", default=60))
# How often the scheduler looks for accounts whose sync is due.
SYNC_DISPATCH_INTERVAL = timedelta(seconds=env.int("SYNC_DISPATCH_INTERVAL_SECONDS", default=60))

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Request URLs can carry signed query strings and public keys: never at DEBUG.
        "urllib3": {"level": "WARNING"},
        "ccxt": {"level": "WARNING"},
    },
}

# --- Email (invites and password resets; people/) -------------------------------------------
# EMAIL_URL (smtp+tls://USER:PASSWORD@HOST:587, or a file named by EMAIL_URL_FILE) or EMAIL_HOST
# and its companions. With neither, nothing is sent: mail is logged at INFO for the admin to
# pass on, and the admin is shown invite links.
EMAIL_URL = env_value("EMAIL_URL", default="")
if EMAIL_URL:
    # Sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER/PASSWORD, EMAIL_USE_TLS/SSL.
    globals().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_HOST = env("EMAIL_HOST", default="")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env_value("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
EMAIL_CONFIGURED = bool(EMAIL_URL or EMAIL_HOST)
if not EMAIL_CONFIGURED:
    EMAIL_BACKEND = "people.mail.LogOnlyEmailBackend"
# A mail server that does not answer must not hang the admin page that sends an invite.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Porthole <porthole@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Sign-in (people/) ----------------------------------------------------------------------
# Every user must set up two-factor authentication right after logging in (default: optional).
REQUIRE_TWO_FACTOR = env.bool("REQUIRE_TWO_FACTOR", default=False)
# Failed logins (or two-factor codes) that lock a username, or a client address, out for
# LOGIN_LOCKOUT_MINUTES; a failure is forgotten that long after the last one.
LOGIN_FAILURES_PER_USERNAME = env.int("LOGIN_FAILURES_PER_USERNAME", default=5)
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", default=20)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
# Name the authenticator app shows next to the username.
OTP_TOTP_ISSUER = env("TWO_FACTOR_ISSUER", default="Porthole")

# --- Porthole -------------------------------------------------------------------------------
# Admin account created on first start when no superuser exists (password generated if unset).
ADMIN_USERNAME = env("ADMIN_USERNAME", default="admin")
ADMIN_EMAIL = env("ADMIN_EMAIL", default="")

# Test and development only: {"binance": "http://127.0.0.1:8123"} replaces the scheme and host
# of every URL ccxt uses for that exchange. Read from the environment only, never from a user.
CCXT_URL_OVERRIDES = env.json("CCXT_URL_OVERRIDES", default={})
CCXT_TIMEOUT_MS = env.int("CCXT_TIMEOUT_MS", default=15000)
# ccxt's own per-client throttle (keep it on; the test suite turns it off for speed).
CCXT_RATE_LIMIT = env.bool("CCXT_RATE_LIMIT", default=True)
# The per-exchange request budget shared by all workers (exchanges/ratelimit.py).
RATE_BUDGETS_ENABLED = env.bool("RATE_BUDGETS_ENABLED", default=True)

# Refuse keys the exchange does not report as bound to IP addresses (where it reports it).
REQUIRE_IP_RESTRICTION = env.bool("REQUIRE_IP_RESTRICTION", default=False)
# Remind owners to replace a key after this many days.
KEY_ROTATION_DAYS = env.int("KEY_ROTATION_DAYS", default=90)

# --- Prices (exchanges/pricing.py, portfolio/market_data.py) --------------------------------
# Exchanges whose public market data prices assets, in order of preference, after the
# exchange an asset is held on. Only exchanges in exchanges/endpoints.py's PRICE_ENDPOINTS.
PRICING_EXCHANGES = env.list("PRICING_EXCHANGES", default=["binance", "kraken", "coinbase"])
# How often the worker refreshes the prices of held assets (pages only read stored prices).
PRICE_REFRESH_INTERVAL = timedelta(seconds=env.int("PRICE_REFRESH_SECONDS", default=300))
# A price older than this is shown with its age, marked stale.
PRICE_STALE_AFTER = timedelta(minutes=env.int("PRICE_STALE_AFTER_MINUTES", default=120))

try:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if not REDIS_URL:
        for folder in ("queue", "processed"):
            (DATA_DIR / "broker" / folder).mkdir(parents=True, exist_ok=True)
except OSError as exc:
    raise ImproperlyConfigured(f"DATA_DIR {DATA_DIR} cannot be created: {exc.strerror}") from exc

# --- Exchange credentials and error reports (exchanges/encryption.py) -----------------------
# Fernet keys, comma- or newline-separated: the first encrypts, all decrypt (key rotation).
# CREDENTIALS_KEYS_FILE names a file holding them instead. Unset, a key is generated on first
# use into DATA_DIR/credentials.key, beside the database, so every process must share DATA_DIR;
# CREDENTIALS_KEY_AUTOGENERATE=false forbids that where the key must be kept elsewhere.
CREDENTIALS_KEYS = env_value("CREDENTIALS_KEYS", default="")
CREDENTIALS_KEY_AUTOGENERATE = env.bool("CREDENTIALS_KEY_AUTOGENERATE", default=True)
# Hides URLs, DSNs and key lists too, and secret-named variables and POST fields.
DEFAULT_EXCEPTION_REPORTER_FILTER = "portfolio.error_reports.SecretSafeExceptionReporterFilter"
