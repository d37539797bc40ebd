"""Ajar's one settings module.

Every value comes from the environment with a development default, so a fresh
clone runs with no configuration (`make run`), and production is configured by
environment variables alone (see `.env.example` and the README).
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


class _Env(environ.Env):
    """`NAME=` with nothing after it (as in a copied .env.example) means unset:
    the default applies, rather than an empty string that fails to parse."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        if default is not self.NOTSET and self.ENVIRON.get(f"{self.prefix}{var}") == "":
            return self.parse_value(default, cast) if parse_default else default
        return super().get_value(var, cast=cast, default=default, parse_default=parse_default)


env = _Env()
# Read .env before any variable, so every one of them (AJAR_DATA_DIR too) can be
# set there; the real environment wins over the file.
env.read_env(BASE_DIR / ".env", overwrite=False)

# A relative folder is relative to the project, not to wherever a process starts.
DATA_DIR = BASE_DIR / env.str("AJAR_DATA_DIR", default="data")

DEBUG = env.bool("DEBUG", default=True)
# Under pytest: fast hashing, plain static storage, no SQLite-in-production warning.
TESTING = env.bool("AJAR_TESTING", default="pytest" in sys.modules)


# --- Secrets -----------------------------------------------------------------
_SECRET_KEY_MIN_LENGTH = 50
_SECRET_KEY_MIN_DISTINCT = 10


def _secret_key_is_weak(key: str) -> bool:
    """Too short, too few distinct characters, text (spaces), a repeated
    pattern, Django's placeholder, or anything copied from .env.example."""
    if len(key) < _SECRET_KEY_MIN_LENGTH or len(set(key)) < _SECRET_KEY_MIN_DISTINCT:
        return True
    if key.startswith("django-insecure"):
        return True
    if any(ch.isspace() for ch in key):
        return True
    # Periodic: the key equals itself shifted by some period ("abcabc...").
    if any(key[period:] == key[:-period] for period in range(1, len(key) // 2 + 1)):
        return True
    example = BASE_DIR / ".env.example"
    return example.exists() and key in example.read_text(encoding="utf-8")


_DEV_SECRET_KEY = "django-insecure-ajar-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and _secret_key_is_weak(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or weak. With DEBUG off, set SECRET_KEY to a random "
        "string of at least 50 characters with no spaces or repeats, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails are rendered in the worker, without a request: they need a base.
BASE_URL = env.str("BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The name the account emails and pages greet with ("Hello from Ajar!"), not the host.
AJAR_SITE_NAME = env.str("AJAR_SITE_NAME", default="Ajar")

# --- Applications --------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "django_htmx",
    "django_filters",
    "csp",
    "accounts",
    "applications",
    "contacts",
    "reminders",
    "portability",
    "inbox",
    "review",
]

MIDDLEWARE = [
    # Outermost: its id tags every line logged during the request, and it times all of it.
    "accounts.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF: it is the first to read the body, and this refuses one first.
    "accounts.middleware.RequestBodyGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reminders.context_processors.failed_reminders",
                "config.navigation.navigation",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------
# Embedded default: SQLite in WAL mode under the ignored data folder. Production
# and CI: DATABASE_URL=postgres://...
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'ajar.sqlite3'}")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue on the
        # busy timeout instead of failing with "database is locked" mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
USING_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
# PostgreSQL: the pages' hottest queries (accounts/prepared.py) run as the
# connection's prepared statements, planned once, not on every request. Turn
# it off behind a pooler that hands each transaction another server session
# (PgBouncer's transaction pooling, which keeps no SQL PREPARE).
AJAR_PREPARED_STATEMENTS = env.bool("AJAR_PREPARED_STATEMENTS", default=True)
if AJAR_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Once means once: PostgreSQL's own choice planned the Reminders page's
    # counts on every call, its one plan's estimate being the average
    # account's. Only prepared statements keep a plan; other queries are
    # planned each time whatever this says.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan"
DATA_DIR.mkdir(parents=True, exist_ok=True)
if USING_SQLITE and not DEBUG and not TESTING:
    import warnings

    warnings.warn(
        "Ajar is running on SQLite with DEBUG off: the embedded mode is for one "
        "host and a first look, not for production. Set DATABASE_URL to PostgreSQL.",
        RuntimeWarning,
        stacklevel=1,
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Authentication (django-allauth) --------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
# Reminders go to the account's address: a borrowed session must not move it
# elsewhere without the password, and the old address hears about any change.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Ajar] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupExtraForm"
ACCOUNT_PRESERVE_USERNAME_CASING = False
# After too many wrong passwords the address is locked for a while, even for the
# right one (anyone can trigger that): the owner still gets in with a one-time
# code sent to the verified address.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True

# open: anyone may sign up; invite: only with an invitation link; closed: nobody.
AJAR_SIGNUP = env.str("AJAR_SIGNUP", default="open" if DEBUG else "closed")
if AJAR_SIGNUP not in {"open", "invite", "closed"}:
    raise ImproperlyConfigured("AJAR_SIGNUP must be one of: open, invite, closed.")

# --- Cache -----------------------------------------------------------------------------
# allauth counts its rate limits (failed logins, resets, sign-ups) in the cache, so
# every web process must share it: with one process's memory each gunicorn worker
# counts alone and a restart forgets. Production: CACHE_URL=redis://host:6379/1 (a
# database of its own: clearing the cache flushes it, so never the broker's).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# One date style for every page and email: config/formats/en/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]

# --- Static files ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not TESTING
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Development and tests serve static files from the apps' folders, no collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Django's widget templates, written in Python for the common widgets (the same HTML).
FORM_RENDERER = "accounts.renderers.FastFormRenderer"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security ------------------------------------------------------------------------
# A strict policy in every mode, tests included: no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Bootstrap's CSS draws its icons (checkboxes, selects, toggler) as data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
AJAR_BEHIND_PROXY = env.bool("AJAR_BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if AJAR_BEHIND_PROXY else None
USE_X_FORWARDED_HOST = AJAR_BEHIND_PROXY
# allauth keys its per-IP rate limits on the client's address. Behind a proxy
# REMOTE_ADDR is the proxy's, and every visitor would share one bucket: take the
# address the trusted proxies appended to X-Forwarded-For instead (the last
# AJAR_TRUSTED_PROXY_COUNT entries are theirs; anything before is the client's word).
ALLAUTH_TRUSTED_PROXY_COUNT = (
    env.int("AJAR_TRUSTED_PROXY_COUNT", default=1) if AJAR_BEHIND_PROXY else 0
)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Rejection letters arrive as uploads; keep request bodies bounded.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
# Any request body larger than this is refused (413) from its Content-Length,
# before it is read; a view may allow more (accounts.middleware.max_request_bytes).
AJAR_REQUEST_MAX_BYTES = env.int("AJAR_REQUEST_MAX_BYTES", default=6 * 1024 * 1024)
# A backup restored from the Your data page carries every letter: its own cap.
AJAR_RESTORE_MAX_BYTES = env.int("AJAR_RESTORE_MAX_BYTES", default=1024 * 1024 * 1024)

# --- Email -------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:pass@smtp.example.com:587. The embedded default
# writes each message to its own .eml file under data/mail, the "file mailbox".
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
else:
    _email = {
        "EMAIL_BACKEND": "accounts.mailbox.EmlFileBackend",
        "EMAIL_FILE_PATH": str(DATA_DIR / "mail"),
    }
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(DATA_DIR / "mail")
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# A bounded SMTP timeout: a hung server must not hold a worker or a lease forever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Ajar <ajar@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The domain of reminder Message-IDs; set explicitly so no DNS lookup happens.
AJAR_MESSAGE_ID_DOMAIN = env.str("AJAR_MESSAGE_ID_DOMAIN", default="ajar.localhost")

# --- Celery ----------------------------------------------------------------------------
# Embedded default: kombu's filesystem broker under data/broker (one host, no server).
# Production and CI: CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
_broker_dir = DATA_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport, its messages written whole (config/broker.py).
    from config import broker

    CELERY_BROKER_TRANSPORT = broker.TRANSPORT
    CELERY_BROKER_TRANSPORT_OPTIONS = broker.transport_options(_broker_dir)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redelivery of an unacked message after this many seconds; the lease in
        # the reminder row, not the broker, is the recovery path.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
# Results are never read: every outcome lives in the reminder row.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# Acks early on purpose (DESIGN.md): a lost message is recovered by the lease.
CELERY_TASK_ACKS_LATE = False
# One message at a time per process: a prefetched send would sit in a dead worker.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Retry connecting to the broker at start-up and after a Redis restart.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Publishing must fail fast when Redis is down: the sweep then leaves the claim
# to expire, and a request that enqueues never hangs.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=4.0)
CELERY_TASK_PUBLISH_RETRY = False
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- The reminder engine ----------------------------------------------------------------
AJAR_SWEEP_INTERVAL = env.float("AJAR_SWEEP_INTERVAL", default=60.0)  # seconds
AJAR_SWEEP_BATCH_SIZE = env.int("AJAR_SWEEP_BATCH_SIZE", default=1000)
AJAR_REMINDER_LEASE = timedelta(seconds=env.int("AJAR_REMINDER_LEASE_SECONDS", default=600))
AJAR_RETRY_BACKOFF_MINUTES = env.list(
    "AJAR_RETRY_BACKOFF_MINUTES", cast=float, default=[1, 2, 4, 8, 16, 32]
)
AJAR_RETRY_JITTER = env.float("AJAR_RETRY_JITTER", default=0.2)  # +/- fraction of the delay
AJAR_MAX_ATTEMPTS = env.int("AJAR_MAX_ATTEMPTS", default=6)
# Global cap on reminder emails per second across all workers; 0 = off.
AJAR_SEND_RATE_PER_SECOND = env.float("AJAR_SEND_RATE_PER_SECOND", default=0)
# Claimed reminders per send task message (each still in its own transaction).
AJAR_SEND_CHUNK_SIZE = env.int("AJAR_SEND_CHUNK_SIZE", default=50)
AJAR_HEALTH_SWEEP_STALE = timedelta(minutes=5)
AJAR_HEALTH_MAX_LATENESS = timedelta(minutes=15)
# A claim no worker has started within this is reclaimed with a new token (its
# message was lost, e.g. a broker flush); no attempt is counted.
AJAR_DISPATCH_DEADLINE = timedelta(
    seconds=env.float("AJAR_DISPATCH_DEADLINE_SECONDS", default=2 * AJAR_SWEEP_INTERVAL)
)
# A started send no worker holds (its worker died: the row lock went with its
# connection) is reclaimed this long after a sweep first sees it.
AJAR_ORPHAN_GRACE_SECONDS = env.float("AJAR_ORPHAN_GRACE_SECONDS", default=AJAR_SWEEP_INTERVAL / 2)
# At most this many reminders claimed per sweep, so one sweep's sends start
# within the dispatch deadline.
AJAR_SWEEP_MAX_CLAIM = env.int("AJAR_SWEEP_MAX_CLAIM", default=10_000)
# The whole SMTP conversation of one message (EMAIL_TIMEOUT bounds each read).
AJAR_SMTP_DEADLINE_SECONDS = env.float("AJAR_SMTP_DEADLINE_SECONDS", default=60.0)
# After the server accepted a message, how long to retry writing "sent" while
# the database is unreachable (capped at half the lease).
AJAR_SENT_WRITE_RETRY_SECONDS = env.float("AJAR_SENT_WRITE_RETRY_SECONDS", default=60.0)
# /metrics (Prometheus text): staff users, or this bearer token when set.
AJAR_METRICS_TOKEN = env.str("AJAR_METRICS_TOKEN", default="")
# Each dependency check of /health/ gives up after this (seconds).
AJAR_HEALTH_CHECK_TIMEOUT = env.float("AJAR_HEALTH_CHECK_TIMEOUT", default=1.0)
# An open application with no news for this long is suggested as ghosted.
AJAR_GHOSTED_AFTER_DAYS = env.int("AJAR_GHOSTED_AFTER_DAYS", default=21)
# For testing only: when set, one day of cooling-off lasts this many seconds from
# the moment a rejection is logged (make prod-check uses 60: a one-minute
# circle-back). Never set it on a real instance.
AJAR_COOLING_OFF_UNIT_SECONDS = env.int("AJAR_COOLING_OFF_UNIT_SECONDS", default=0)

# --- Insights (applications/insights.py) ------------------------------------------------
# This many final-round rejections within the last N months: rethink the last step.
AJAR_INSIGHT_FINAL_ROUND_REJECTIONS = env.int("AJAR_INSIGHT_FINAL_ROUND_REJECTIONS", default=3)
AJAR_INSIGHT_FINAL_ROUND_MONTHS = env.int("AJAR_INSIGHT_FINAL_ROUND_MONTHS", default=6)
# This many rejections in the current search: review the approach (before: keep going).
AJAR_INSIGHT_REVIEW_AFTER_REJECTIONS = env.int("AJAR_INSIGHT_REVIEW_AFTER_REJECTIONS", default=12)
# A rejection at this stage or later (Stage value; 50 = onsite) ended a long process.
AJAR_INSIGHT_LONG_PROCESS_STAGE = env.int("AJAR_INSIGHT_LONG_PROCESS_STAGE", default=50)
# Companies or applications listed under one insight before "and N more".
AJAR_INSIGHT_MAX_ITEMS = env.int("AJAR_INSIGHT_MAX_ITEMS", default=5)

# --- Benchmarks ------------------------------------------------------------------------
# `make bench-web` measures every page as a ratio to a "floor": a login-required view
# rendering a one-line template (bench/floor.py). Off everywhere else.
AJAR_BENCH_FLOOR = env.bool("AJAR_BENCH_FLOOR", default=False)

# --- Logging ---------------------------------------------------------------------------
# One line per request (ajar.request) and per reminder step, each with the
# request's (or Celery task's) id. AJAR_LOG_FORMAT=json writes one JSON object a
# line (python-json-logger), for a log collector; plain is for people.
AJAR_LOG_FORMAT = env.str("AJAR_LOG_FORMAT", default="plain")
if AJAR_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("AJAR_LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "accounts.request_log.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": AJAR_LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Our own line per request replaces runserver's.
        "django.server": {"level": "WARNING"},
    },
}

# --- Error reporting (optional: pip install ".[sentry]") ---------------------------------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        # Letters, names and addresses are the users' own: none go to a third party.
        send_default_pii=False,
    )

# --- Mail in -------------------------------------------------------------------------
# The operator's mailbox; each user gets a plus-address on it (ajar+TOKEN@example.com).
AJAR_INBOUND_ADDRESS = env.str("AJAR_INBOUND_ADDRESS", default="")
# imap[s]://user:password@host[:port]/FOLDER: polled by beat when set.
AJAR_INBOUND_IMAP_URL = env.str("AJAR_INBOUND_IMAP_URL", default="")
AJAR_INBOUND_IMAP_INTERVAL = env.float("AJAR_INBOUND_IMAP_INTERVAL", default=300.0)  # seconds
# Where processed messages are moved to (created when missing).
AJAR_INBOUND_IMAP_PROCESSED = env.str("AJAR_INBOUND_IMAP_PROCESSED", default="Ajar/Processed")

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The beat schedule, defined once. The sweep is cheap when nothing is due.
CELERY_BEAT_SCHEDULE = {
    "reminders-sweep": {
        "task": "reminders.tasks.sweep",
        "schedule": AJAR_SWEEP_INTERVAL,
        # A sweep that waited longer than one interval in the queue is stale: the
        # next one will do its work.
        "options": {"expires": AJAR_SWEEP_INTERVAL},
    },
    # Steps of a cadence waiting behind a thank-you that went out: scheduled.
    # Daily and weekly digests: gathered, claimed and sent like reminders.
    "reminders-digest-sweep": {
        "task": "reminders.tasks.digest_sweep",
        "schedule": AJAR_SWEEP_INTERVAL,
        "options": {"expires": AJAR_SWEEP_INTERVAL},
    },
    "reminders-advance-cadence": {
        "task": "reminders.tasks.advance_cadence",
        "schedule": AJAR_SWEEP_INTERVAL,
        "options": {"expires": AJAR_SWEEP_INTERVAL},
    },
}
if AJAR_INBOUND_IMAP_URL:
    CELERY_BEAT_SCHEDULE["inbox-imap-poll"] = {
        "task": "inbox.tasks.imap_poll",
        "schedule": AJAR_INBOUND_IMAP_INTERVAL,
        "options": {"expires": AJAR_INBOUND_IMAP_INTERVAL},
    }
