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
DATA_DIR = Path(environ.Env().str("AJAR_DATA_DIR", default=str(BASE_DIR / "data")))

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# Under pytest: fast hashing, plain static storage, no SQLite-in-production warning.
TESTING = env.bool("AJAR_TESTING", default="pytest" in sys.modules)

# --- Secrets -----------------------------------------------------------------
_DEV_SECRET_KEY = "django-insecure-ajar-development-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is missing or weak. With DEBUG off, set SECRET_KEY to a random "
        "string of at least 50 characters, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails are rendered in the worker, without a request: they need a base.
BASE_URL = env.str("BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

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
    "csp",
    "accounts",
    "applications",
    "contacts",
    "reminders",
    "review",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
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
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("AJAR_BEHIND_PROXY", default=False) else None
)
USE_X_FORWARDED_HOST = env.bool("AJAR_BEHIND_PROXY", default=False)
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
AJAR_ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024

# --- Email -------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:pass@smtp.example.com:587. The embedded default
# writes each message to a file under data/mail, the "file mailbox".
if env.str("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
else:
    _email = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
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
    # Both directions share one folder so a worker on this host reads what beat wrote.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
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
AJAR_SEND_CHUNK_SIZE = env.int("AJAR_SEND_CHUNK_SIZE", default=10)
AJAR_HEALTH_SWEEP_STALE = timedelta(minutes=5)
AJAR_HEALTH_MAX_LATENESS = timedelta(minutes=15)
# An open application with no news for this long is suggested as ghosted.
AJAR_GHOSTED_AFTER_DAYS = env.int("AJAR_GHOSTED_AFTER_DAYS", default=21)
AJAR_DEFAULT_COOLING_OFF_DAYS = 30

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
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

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
}
