"""Settings for Medlemsportal: one module, everything that differs between machines
comes from the environment (see README, "Configuration")."""

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logging import build as build_logging

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
# pytest runs with DEBUG off (as production does) but must not need a real secret.
TESTING = "pytest" in sys.modules

# With DEBUG off (production) nothing insecure is accepted: no published key, no console
# e-mail, no per-process cache. Tests run with DEBUG off too, but on throwaway data.
PRODUCTION = not (DEBUG or TESTING)

_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"
# Keys that are public (in this repository or its compose file): never in production.
_PUBLISHED_SECRETS = {
    _DEV_SECRET,
    "compose-only-change-me-0123456789abcdefghijklmnopqrstuvwxyz",
    "build-only",
}
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET
elif PRODUCTION and (
    SECRET_KEY in _PUBLISHED_SECRETS
    or len(SECRET_KEY) < 50
    or any(word in SECRET_KEY.lower() for word in ("change-me", "insecure", "dev-only"))
):
    raise ImproperlyConfigured(
        "SECRET_KEY is a published or weak key. Generate one of at least 50 random "
        "characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Field encryption: the first key encrypts, all keys decrypt (rotation). The hash key
# is separate so that rotating encryption keys never changes lookup hashes.
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set when DEBUG is off.")
    FIELD_ENCRYPTION_KEYS = [_DEV_FIELD_KEY]
elif PRODUCTION and _DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS holds the published development key. Generate a key with "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'."
    )
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default="") or SECRET_KEY

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "simple_history",
    "django_htmx",
    "django_countries",  # country names in nb and en (codes are stored)
    "csp",
    "clubs",
    "members",
    "privacy",
]

MIDDLEWARE = [
    # Outermost: one JSON line per request, timed over everything below it.
    "config.logging.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.NorwegianByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Records each logged-in session so the account page can list and end them.
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "clubs.middleware.OfficerSecurityMiddleware",
    "privacy.access_log.AuthMethodMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clubs.context_processors.navigation",
                "privacy.context_processors.consent",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A database that is down or restarting fails a request fast instead of hanging it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if PRODUCTION and not REDIS_URL:
    # A per-process cache would give every gunicorn worker its own rate-limit counters
    # and TOTP replay memory: a limit of 5 would be 5 per worker.
    raise ImproperlyConfigured("REDIS_URL must be set when DEBUG is off (shared cache, broker).")
if REDIS_URL:
    CACHES = {
        "default": {
            # Falls back to per-process memory while Redis is down (config/cache.py).
            "BACKEND": "config.cache.FailSafeRedisCache",
            "LOCATION": REDIS_URL,
            # Each test run gets its own prefix: rate-limit counters (allauth, activation)
            # left in Redis by an earlier run must not leak into the next one.
            "KEY_PREFIX": (
                f"test-{os.getpid()}-{int(time.time())}"
                if TESTING
                else env.str("CACHE_KEY_PREFIX", default="medlem")
            ),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "members.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, with the user read of every request prepared once.
    "config.auth_backends.ModelBackend",
    "config.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# allauth: e-mail login, mandatory verification, no enumeration, rate limits (defaults on).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Signup is activation: only a member (member number + national id, or a staff
# invitation) can make a login, and it is linked to that member (members/minside/account_forms.py).
ACCOUNT_ADAPTER = "clubs.auth.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "clubs.bankid.BankIDAdapter"
# BankID through an OpenID Connect broker (ID-porten, Signicat, Idura/Criipto): off unless
# the issuer is set. The national id comes in the claim BANKID_NATIONAL_ID_CLAIM and is
# used only to find the member by its keyed hash; nothing of the token is stored.
BANKID_ISSUER = env.str("BANKID_ISSUER", default="")
BANKID_CLIENT_ID = env.str("BANKID_CLIENT_ID", default="")
BANKID_CLIENT_SECRET = env.str("BANKID_CLIENT_SECRET", default="")
BANKID_NATIONAL_ID_CLAIM = env.str("BANKID_NATIONAL_ID_CLAIM", default="pid")
# Accepted assurance levels (the `acr` claim); the first is asked for.
BANKID_ACR_VALUES = env.list("BANKID_ACR_VALUES", default=["idporten-loa-high"])
BANKID_SCOPE = env.list("BANKID_SCOPE", default=["openid", "profile"])
BANKID_ENABLED = bool(BANKID_ISSUER and BANKID_CLIENT_ID)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# The "Logg inn med BankID" form is answered by a redirect to the broker, which the CSP's
# form-action must allow; a broker whose login page is on another host than its issuer
# (ID-porten: login.idporten.no) lists that origin here.
BANKID_LOGIN_ORIGINS = env.list(
    "BANKID_LOGIN_ORIGINS", default=[_origin(BANKID_ISSUER)] if BANKID_ENABLED else []
)
# When on, officers (club and branch grants) must log in with BankID: TOTP is not enough.
OFFICERS_REQUIRE_BANKID = env.bool("OFFICERS_REQUIRE_BANKID", default=False)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "bankid",
                "name": "BankID",
                "client_id": BANKID_CLIENT_ID,
                "secret": BANKID_CLIENT_SECRET,
                "settings": {
                    "server_url": BANKID_ISSUER,
                    "auth_params": {"acr_values": BANKID_ACR_VALUES[0]},
                    "scope": BANKID_SCOPE,
                    "oauth_pkce_enabled": True,
                    "fetch_userinfo": env.bool("BANKID_FETCH_USERINFO", default=False),
                },
            }
        ]
        if BANKID_ENABLED
        else []
    }
}
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_LOGIN_ON_GET = False
MFA_ADAPTER = "clubs.auth.MFAAdapter"
ACCOUNT_FORMS = {"signup": "members.minside.account_forms.ActivationSignupForm"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Medlemsportal"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG or TESTING

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norsk bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# `collectstatic` writes here (the load test uses a private directory).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

if PRODUCTION and env.str("EMAIL_URL", default="consolemail://").startswith(
    ("consolemail:", "filemail:")
):
    # Verification and activation links printed to a log are links anyone with the log
    # can use.
    raise ImproperlyConfigured("EMAIL_URL must name a real mail server when DEBUG is off.")
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Seconds an SMTP connection may block (Django's default is none: a hung relay would
# hang a worker, or a web request sending a verification e-mail).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Medlemsportal <noreply@example.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production (DEBUG off) passes `manage.py check --deploy` without warnings.
_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_SECURE)
# Trust X-Forwarded-Proto only behind a proxy that sets it (and strips a client's own):
# otherwise any client could claim HTTPS.
TRUSTED_PROXY = env.bool("TRUSTED_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY else None
# Behind that proxy REMOTE_ADDR is the proxy for everyone: allauth's per-IP login limits
# then take the client from the one X-Forwarded-For entry the proxy appends, or one
# client's failures would throttle every login. Without a proxy the header is ignored.
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if TRUSTED_PROXY else 0
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_SECURE)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_SECURE)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8
# Database sessions, their read of every request prepared once (config/sessions.py).
SESSION_ENGINE = "config.sessions"
X_FRAME_OPTIONS = "DENY"
# Officers and staff are logged out after this many idle seconds.
OFFICER_IDLE_TIMEOUT = env.int("OFFICER_IDLE_TIMEOUT", default=30 * 60)

# Google Tag Manager only ever loads after consent (privacy/consent); unset = never.
GTM_ID = env.str("GTM_ID", default="")
_GOOGLE = ["https://www.googletagmanager.com", "https://www.google-analytics.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, *(_GOOGLE if GTM_ID else [])],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *(_GOOGLE if GTM_ID else [])],
        "connect-src": [SELF, *(_GOOGLE if GTM_ID else [])],
        "font-src": [SELF],
        "frame-src": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *BANKID_LOGIN_ORIGINS],
        "frame-ancestors": [NONE],
    }
}

# Celery: JSON only, acknowledge after the work is done, hard limits. Without REDIS_URL
# tasks run eagerly in the calling process (make run on a laptop).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Our JSON log lines, not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Redis hands an unacknowledged task (acks_late) to another worker after this many
# seconds. It must exceed the longest task time limit and the longest countdown, or a
# task still running (or waiting for its ETA) would run twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600)
}

# Partners: PARTNER_<NAME>_URL and PARTNER_<NAME>_TOKEN per recipient slug.
PARTNERS = {
    key[len("PARTNER_") : -len("_URL")].lower(): {
        "url": value,
        "token": env.str(key[: -len("_URL")] + "_TOKEN", default=""),
    }
    for key, value in env.ENVIRON.items()
    if key.startswith("PARTNER_") and key.endswith("_URL")
}
DISCLOSURE_MAX_ATTEMPTS = env.int("DISCLOSURE_MAX_ATTEMPTS", default=8)
# Partner calls: per socket operation, and for the whole call however slowly it answers.
PARTNER_HTTP_TIMEOUT = env.float("PARTNER_HTTP_TIMEOUT", default=10.0)
PARTNER_HTTP_DEADLINE = env.float("PARTNER_HTTP_DEADLINE", default=15.0)
# After this many temporary failures in a row a partner is left alone for a while.
PARTNER_BREAKER_FAILURES = env.int("PARTNER_BREAKER_FAILURES", default=3)
PARTNER_BREAKER_SECONDS = env.float("PARTNER_BREAKER_SECONDS", default=60.0)
# How long a worker's claim on a batch of rows lasts (then they are due again).
DISCLOSURE_LEASE_SECONDS = env.float("DISCLOSURE_LEASE_SECONDS", default=120.0)
# /healthz calls the outbox late when its oldest waiting row is older than this.
OUTBOX_LATE_SECONDS = env.int("OUTBOX_LATE_SECONDS", default=3600)
# Seconds the statistics dashboard's aggregates stay in the shared cache (0: off).
STATS_CACHE_SECONDS = env.int("STATS_CACHE_SECONDS", default=300)
# The purge erases this many members per transaction, for at most this long per run.
ERASURE_BATCH_SIZE = env.int("ERASURE_BATCH_SIZE", default=100)
PURGE_TIME_BUDGET_SECONDS = env.float("PURGE_TIME_BUDGET_SECONDS", default=600.0)
# First retry of a failed delivery after about this many seconds, doubling each time.
DISCLOSURE_BACKOFF_SECONDS = env.float("DISCLOSURE_BACKOFF_SECONDS", default=30.0)

# Messaging (members/messaging): e-mails and SMS per minute across all workers (0 = no
# limit), rows claimed per batch, and how long a worker holds a send before another
# may take it over (a killed worker's lease runs out). SMS through PARTNER_SMS_URL/_TOKEN.
MESSAGING_RATE_PER_MINUTE = env.int("MESSAGING_RATE_PER_MINUTE", default=600)
MESSAGING_BATCH_SIZE = env.int("MESSAGING_BATCH_SIZE", default=200)
MESSAGING_LEASE_SECONDS = env.int("MESSAGING_LEASE_SECONDS", default=120)
MESSAGING_MAX_ATTEMPTS = env.int("MESSAGING_MAX_ATTEMPTS", default=5)
# A send task works this long, then queues the rest of the send as a new task.
MESSAGING_SLICE_SECONDS = env.int("MESSAGING_SLICE_SECONDS", default=600)
SMS_SENDER_NAME = env.str("SMS_SENDER_NAME", default="IndEnergi")
# Absolute links in e-mails sent by workers (no request to build them from).
# Country selects list these first (django-countries), then every country by name.
COUNTRIES_FIRST = ["NO", "SE", "DK", "FI", "IS"]
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SITE_NAME = env.str("SITE_NAME", default="Medlemsportal")
# Posten/Bring's postal-code register, for `manage.py load_postal_codes`.
POSTAL_CODES_URL = env.str(
    "POSTAL_CODES_URL", default="https://www.bring.no/postnummerregister-ansi.txt"
)
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "

# The union itself (tax report, invoices, e-mails) and its Nets agreement.
UNION_NAME = env.str("UNION_NAME", default="Industri Energi")
UNION_ORG_NUMBER = env.str("UNION_ORG_NUMBER", default="974760673")
UNION_CONTACT_NAME = env.str("UNION_CONTACT_NAME", default="Medlemsservice")
UNION_CONTACT_EMAIL = env.str("UNION_CONTACT_EMAIL", default="medlem@example.org")
NETS_CUSTOMER_ID = env.str("NETS_CUSTOMER_ID", default="00010200")
NETS_ACCOUNT = env.str("NETS_ACCOUNT", default="99991042764")
# Dues (members/dues/conf.py reads these).
DUES_STRIKE_OFF_MONTHS = env.int("DUES_STRIKE_OFF_MONTHS", default=3)
DUES_STRIKE_OFF_NOTICE_DAYS = env.int("DUES_STRIKE_OFF_NOTICE_DAYS", default=30)
DUES_ARREARS_WINDOW_MONTHS = env.int("DUES_ARREARS_WINDOW_MONTHS", default=12)
DUES_MISSING_MONTHS_BEFORE_INVOICE = env.int("DUES_MISSING_MONTHS_BEFORE_INVOICE", default=3)
DUES_AVTALEGIRO_DUE_DAY = env.int("DUES_AVTALEGIRO_DUE_DAY", default=20)
DUES_INVOICE_PERIOD_MONTHS = env.int("DUES_INVOICE_PERIOD_MONTHS", default=3)
DUES_INVOICE_DUE_DAY = env.int("DUES_INVOICE_DUE_DAY", default=20)
DUES_INVOICE_MIN_DAYS = env.int("DUES_INVOICE_MIN_DAYS", default=14)
DUES_INVOICE_BATCH_SIZE = env.int("DUES_INVOICE_BATCH_SIZE", default=200)
DUES_INVOICE_MAX_ATTEMPTS = env.int("DUES_INVOICE_MAX_ATTEMPTS", default=5)
# Joining and leaving (members/joining).
JOIN_AUTO_ACCEPT = env.bool("JOIN_AUTO_ACCEPT", default=False)
JOIN_RATE_LIMIT = env.int("JOIN_RATE_LIMIT", default=10)
RESIGNATION_EFFECTIVE = env.str("RESIGNATION_EFFECTIVE", default="end_of_month")

DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
ADMINS = [("Drift", a) for a in env.list("ADMIN_EMAILS", default=[])]

# One JSON line per request and per job (config/logging.py); LOG_FORMAT=plain for
# reading by eye. Never a national id, account number, e-mail, body or query string.
LOGGING = build_logging(
    level=env.str("LOG_LEVEL", default="INFO"),
    json_lines=env.str("LOG_FORMAT", default="plain" if DEBUG else "json") == "json",
)

SILENCED_SYSTEM_CHECKS: list[str] = []

# Static files straight from the app folders in development and tests (no collectstatic).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
