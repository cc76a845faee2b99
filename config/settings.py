"""Settings: every deploy-time knob comes from the environment (see README "Configuration")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_countries.data import COUNTRIES

import core.limits
from config.release import code_release
from core import content_security
from core.client_ip import parse_trusted_proxies
from core.redis_outage import client_options
from core.redis_urls import another_db

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "modeltranslation",  # must precede admin so translated fields show there
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_rq",
    "rest_framework",
    "drf_spectacular",
    "health_check",
    "csp",  # its checks of the policy settings
    "core",  # for its management command run_cron
    "notifications",
    "accounts",  # before allauth: our templates override its account/ ones
    "allauth",
    "allauth.account",
    "storefront",
    "orders",
    "editing",
    "drafts",
    "returns",
    "desk",
    "integrations",
    "demo",
    "drf_spectacular_sidecar",  # Swagger UI assets served from here, not a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.content_security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ShopperLanguageMiddleware",
    "accounts.middleware.ShopperTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx: the edit page answers htmx with a partial
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.RedisUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
                "config.context_processors.store",
                "storefront.context_processors.cart_count",
            ],
        },
    },
]

# --- Data stores: real servers when the URLs are set, embedded ones otherwise (DESIGN.md "Running").
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
if not DATABASE_URL or not REDIS_URL:
    from config import embedded

    DATABASE_URL = DATABASE_URL or embedded.database_url()
    REDIS_URL = REDIS_URL or embedded.redis_url()

# Kept connections are checked before a request reuses them: after a PostgreSQL restart the first
# request on each worker reconnects instead of failing with "terminating connection".
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")), conn_health_checks=True
    )
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("Aftersale runs on PostgreSQL only: DATABASE_URL must be postgres://…")
# Our code never streams with .iterator(); allauth's sign-in lookup does, for one row, and a server-side
# cursor (DECLARE … WITH HOLD, FETCH, CLOSE) cost it three round trips. Also what PgBouncer's transaction mode needs.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What is cached where, and what clears it: core/cache.py and docs/architecture.md ("Caching").
CACHE_RELEASE = os.environ.get("RELEASE") or code_release()
# Redis errors never fail a request on a soft alias (a miss, a no-op); a strict one raises
# RedisUnavailable, shown as a "paused for a moment" page (core/redis_cache.py, core/redis_outage.py).
_REDIS_OPTIONS = client_options()
CACHES: dict[str, dict[str, Any]] = {  # typed: settings_test changes the entries
    # State that must outlive a deploy and must not be guessed at: sign-in limits, pending email changes.
    "default": {
        "BACKEND": "core.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "aftersale",
        "OPTIONS": {"STRICT": True, **_REDIS_OPTIONS},
    },
    # Sessions' fast copies (cached_db: the rows in PostgreSQL are the truth), same prefix as ever.
    "sessions": {
        "BACKEND": "core.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "aftersale",
        "OPTIONS": _REDIS_OPTIONS,
    },
    # Cached values (core.cache): keys start with the release, so a deploy never reads what another cached.
    "shared": {
        "BACKEND": "core.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"aftersale:{CACHE_RELEASE}",
        "OPTIONS": _REDIS_OPTIONS,
    },
    # Each process's own holder in front of Redis: rows for seconds, version-keyed renders, page fragments.
    "process": {"BACKEND": "core.cache.ProcessCache", "TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 5000}},
}
RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300} for name in ("default", "notifications")}
RQ_SHOW_ADMIN_LINK = True
# Services already enqueue inside transaction.on_commit; django-rq must not defer again.
RQ = {"COMMIT_MODE": "auto"}

# Sessions read from Redis and written through to PostgreSQL: one query less on every signed-in page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Shopper sign-in (django-allauth login by code + our single-use link; DESIGN.md "Sign-in")
AUTHENTICATION_BACKENDS = [
    "accounts.backends.StaffBackend",  # staff: password (+ TOTP via django-otp) in admin
    "accounts.backends.ShopperBackend",  # shoppers: allauth's emailed code or link
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "orders:list"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"  # owning the inbox is proven by the code or link itself
ACCOUNT_PREVENT_ENUMERATION = True
# The merchant's choice: tell an address with no account that none uses it (True), or send nothing.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = env_bool("SIGN_IN_TELL_UNKNOWN_EMAILS", True)
ACCOUNT_LOGIN_BY_CODE_ENABLED = False  # our own code flow (accounts/sign_in.py): only hashes at rest
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
SIGN_IN_CODE_SECONDS = int(os.environ.get("SIGN_IN_CODE_TIMEOUT", "900"))
SIGN_IN_CODE_TRIES = 3  # wrong codes per emailed code; then a new one must be asked for
# Sign-in limits (core/limits.py): sliding windows in Redis, taken atomically *before* a code is compared,
# so they hold across sessions, processes and simultaneous requests. "ip" is the client address read
# through TRUSTED_PROXIES. Sized so a guesser gets at most 30 wrong codes an hour against one email, and
# 30 an hour from one address across all accounts: 720 guesses a day against 10^6 codes, < 0.1% either
# way (tests/accounts/test_sign_in_limits.py computes it from these).
SIGN_IN_LIMITS = {
    "code_request_ip": os.environ.get("RATE_SIGN_IN_CODE_REQUESTS_IP", "30/h"),
    "code_request_email": os.environ.get("RATE_SIGN_IN_CODE_REQUESTS_EMAIL", "10/h"),
    "code_guess_email": os.environ.get("RATE_SIGN_IN_CODE_GUESSES_EMAIL", "30/h"),
    "code_guess_ip": os.environ.get("RATE_SIGN_IN_CODE_GUESSES_IP", "30/h"),
    "link_ip": os.environ.get("RATE_SIGN_IN_LINK_IP", "30/h"),
    "email_change_request": "5/h",  # per account: codes to a new address
}
SIGN_IN_LINK_MINUTES = int(os.environ.get("SIGN_IN_LINK_MINUTES", "15"))
if not 1 <= SIGN_IN_LINK_MINUTES <= 14 * 24 * 60:
    raise ImproperlyConfigured("SIGN_IN_LINK_MINUTES must be between 1 minute and 14 days.")

# --- Languages (DESIGN.md: 9 of them); pt-br and zh-hant are Django's own codes.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("de", _("German")),
    ("es", _("Spanish")),
    ("pt-br", _("Brazilian Portuguese")),
    ("cs", _("Czech")),
    ("ja", _("Japanese")),
    ("zh-hant", _("Traditional Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- Email: SMTP in production; the console in DEBUG unless EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not EMAIL_HOST
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Aftersale Demo Store <shop@example.com>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# Where replies to store emails go (default: the store's support email in admin, else the sender).
REPLY_TO_EMAIL = os.environ.get("REPLY_TO_EMAIL", "")
# Header/footer data of every email, from the layer that owns the store's settings (see notifications).
EMAIL_BRANDING = "storefront.selectors.email_branding"
# The language and time zone a shopper's email is rendered in, read by the send job from their account
# (accounts sits above notifications): email -> (language, time zone) or None for no shopper account.
NOTIFICATIONS_RECIPIENT_PREFERENCES = "accounts.selectors.recipient_preferences"
# How many times the send job tries one message before it is marked failed.
NOTIFICATIONS_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_MAX_ATTEMPTS", "5"))
# Hours a message that carried a code or link (sign-in, email change) stays in the outbox after the code
# or link stopped working, so staff can see whether it went out; then the hourly purge deletes it.
NOTIFICATIONS_SECRET_MESSAGES_KEEP_HOURS = int(os.environ.get("NOTIFICATIONS_SECRET_MESSAGES_KEEP_HOURS", "24"))
if NOTIFICATIONS_SECRET_MESSAGES_KEEP_HOURS < 0:
    raise ImproperlyConfigured("NOTIFICATIONS_SECRET_MESSAGES_KEEP_HOURS must be 0 or more.")

# --- Store defaults (the StoreSettings row in admin overrides name/address; currency is fixed per deploy).
STORE_CURRENCY = os.environ.get("STORE_CURRENCY", "EUR").upper()
STORE_NAME = os.environ.get("STORE_NAME", "Aftersale Demo Store")
# The store's country when its settings row is first made (admin changes it after): first in every country
# list and the country a new address starts with. ISO 3166-1 alpha-2.
STORE_COUNTRY = os.environ.get("STORE_COUNTRY", "NL").upper()
if STORE_COUNTRY not in COUNTRIES:
    raise ImproperlyConfigured(f"STORE_COUNTRY must be an ISO 3166-1 alpha-2 country code, not {STORE_COUNTRY!r}.")

# --- Payments (README "Money movement"). The gateway class; a real processor goes behind the same interface.
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "orders.gateway.TestGateway")
# The test gateway's misbehaviour, to exercise retries: shares of calls (0–1) that fail before acting
# or time out after acting, and seconds it takes after acting.
TEST_GATEWAY_FAILURE_RATE = float(os.environ.get("TEST_GATEWAY_FAILURE_RATE", "0"))
TEST_GATEWAY_TIMEOUT_RATE = float(os.environ.get("TEST_GATEWAY_TIMEOUT_RATE", "0"))
TEST_GATEWAY_DELAY = float(os.environ.get("TEST_GATEWAY_DELAY", "0"))
# The test gateway's books (charges, refunds, idempotency records), like a processor's own: a Redis
# database apart from the app's, so a FLUSHDB of that (cache, queues) never loses a payment to refund.
TEST_GATEWAY_REDIS_URL = os.environ.get("TEST_GATEWAY_REDIS_URL") or another_db(REDIS_URL, 1)
# Stripe (PAYMENT_GATEWAY=orders.stripe_gateway.StripeGateway; README "Going live with Stripe"): the
# account's keys and the webhook endpoint's signing secret. STRIPE_API_BASE and STRIPE_JS_URL point the
# library and the pages at a stand-in (localstripe) for tests and local runs; empty, Stripe's own.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "30"))
# A payment Stripe took that no order records after this long (the page never came back) is refunded.
STRIPE_ORPHAN_AFTER_SECONDS = int(os.environ.get("STRIPE_ORPHAN_AFTER_SECONDS", "900"))
# A refund job tries the gateway this many times, waiting these seconds between tries, then marks it failed.
REFUND_MAX_ATTEMPTS = int(os.environ.get("REFUND_MAX_ATTEMPTS", "5"))
REFUND_RETRY_INTERVALS = [int(s) for s in os.environ.get("REFUND_RETRY_INTERVALS", "30,120,600,1800").split(",")]
# The sweeper re-queues refunds still pending after this many seconds (their job was lost).
SWEEP_STALE_AFTER_SECONDS = int(os.environ.get("SWEEP_STALE_AFTER_SECONDS", "120"))

# Mounts the benchmark's baseline page (make bench); never in production.
BENCH_VIEWS = env_bool("BENCH_VIEWS", False)

# --- API
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "core.api.api_exception_handler",
    # JSON in and out, as the schema says (docs at /api/docs/ stand in for the browsable API).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aftersale API",
    "VERSION": "1.0.0",
    "DESCRIPTION": "Integrations (API key: `Authorization: Bearer ak_…`) and the signed-in shopper (`/api/v1/me/`).",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "COMPONENT_SPLIT_PATCH": False,  # the one PATCH (a shipment's state) needs its state: not a partial update
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.refuse_null_characters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "config.settings.LANGUAGES",
        "BackorderKindEnum": "orders.constants.BackorderKind",
        # Orders' and returns' "status" fields: named, not suffixed with a hash. A return's status and the order's
        # return_status share one enum (the order's adds blank: no return).
        "StatusEnum": "orders.constants.OrderStatus",
        "ReturnStatusEnum": "orders.constants.ReturnStatus",
    },
}

# --- Integrations: apps above orders hear of committed timeline events (webhooks are made from them).
ORDER_EVENT_LISTENERS = ["returns.services.on_order_event", "integrations.services.on_order_event"]
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "5"))
WEBHOOK_RETRY_INTERVALS = [int(s) for s in os.environ.get("WEBHOOK_RETRY_INTERVALS", "10,60,300,1800").split(",")]
WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# An endpoint whose deliveries failed this many times in a row is disabled and the merchant alerted.
WEBHOOK_DISABLE_AFTER_FAILURES = int(os.environ.get("WEBHOOK_DISABLE_AFTER_FAILURES", "3"))

OTP_TOTP_ISSUER = STORE_NAME
# Admin sign-in (accounts/staff_sign_in.py): attempts per account (the typed email) and per client address,
# sliding windows in Redis (core/limits.py) taken before the password is checked; a success gives its slots
# back. 10 an hour per account lets a guesser who has the password try 240 codes a day against 10^6.
STAFF_SIGN_IN_LIMITS = {
    "account": os.environ.get("RATE_STAFF_SIGN_IN_ACCOUNT", "10/h"),
    "ip": os.environ.get("RATE_STAFF_SIGN_IN_IP", "30/h"),
}
for _name, _rate in [*SIGN_IN_LIMITS.items(), *STAFF_SIGN_IN_LIMITS.items()]:
    try:
        core.limits.Rate.parse(_rate)  # a typo fails at start, not at the first sign-in
    except ValueError as error:
        raise ImproperlyConfigured(f"sign-in limit {_name!r}: {error}") from error
# Days the admin sign-in log (StaffSignInAttempt) is kept; older rows are pruned every hour (config/cron.py).
STAFF_SIGN_IN_LOG_DAYS = int(os.environ.get("STAFF_SIGN_IN_LOG_DAYS", "90"))

# --- Security: safe by default, relaxed only by DEBUG (local demo over plain HTTP).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the app, as a hop count ("1") or networks ("10.0.0.0/8,192.168.1.5"); the
# client address every limit counts is read from X-Forwarded-For through these only (core/client_ip.py).
TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "")
parse_trusted_proxies(TRUSTED_PROXIES)  # a typo fails at start, not as every limit counting the proxy
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes call the health endpoints over plain HTTP from inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^readyz$", r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): no inline script, style or event handler runs;
# pages load their JavaScript and CSS from static/. A page we don't render ourselves gets the least it
# needs, on its own paths only (CSP_PATH_EXCEPTIONS, core/content_security.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
CSP_PATH_EXCEPTIONS = {
    # The DEBUG mailbox shows each email as sent, inline styles and all (it 404s without DEBUG).
    "/dev/mailbox/": {"style-src": [UNSAFE_INLINE]},
    # django-rq's staff pages: exactly the inline scripts and styles of its own templates, by hash.
    "/django-rq/": content_security.inline_hashes("django_rq"),
    # DRF's browsable API (the JSON answers as a page) colours its code with an inline <style>.
    "/api/v1/": {"style-src": [UNSAFE_INLINE]},
    # Redoc (the API reference) styles its page by injecting <style> elements and searches in a worker it
    # makes from a blob; its scripts stay 'self' (its maker's logo, from their site, is refused and hidden).
    "/api/redoc/": {"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs each step of every PDF at INFO ("Step 5 - Creating layout"): only its warnings here.
    "loggers": {"pgserver": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
