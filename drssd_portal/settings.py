"""Settings for the DRSSD Portal.

Every deployment knob is read from the environment through django-environ. With nothing
set, the portal runs on the embedded default: SQLite, Celery tasks run eagerly, e-mails
printed to the console. A bad value fails loudly at start-up.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core -----------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)
# The portal's own 404 and 500 pages even with DEBUG (scripts/run-demo.sh turns it on): drssd_portal/error_pages.py.
FRIENDLY_ERROR_PAGES = env.bool("FRIENDLY_ERROR_PAGES", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "insecure-development-key-only-for-debug-runs"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
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
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "districts",
    "reports",
]
# Demo data, the synthetic national dataset and the benchmarks (reports/devtools): never in production,
# where the image does not even contain them (.dockerignore).
DEV_TOOLS = env.bool("DEV_TOOLS", default=DEBUG)
if DEV_TOOLS:
    INSTALLED_APPS.append("reports.devtools")

MIDDLEWARE = [
    # Pages compressed for slow district connections (a commune page: 123 KB of HTML, ~15 KB sent); first, so it
    # compresses what the others produced. Django's own, with its BREACH mitigation (random padding, Django 4.2+);
    # static files come precompressed from WhiteNoise.
    "django.middleware.gzip.GZipMiddleware",
    # With DEBUG and FRIENDLY_ERROR_PAGES (the demo): the portal's 404 and 500 pages, not Django's technical ones.
    "drssd_portal.error_pages.FriendlyErrorPagesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "drssd_portal.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After a login, the language cookie follows the person's profile (districts/language.py).
    "districts.language.ProfileLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A session that gave its password but owes its two-step code reaches only the code pages.
    "districts.mfa.middleware.SecondStepMiddleware",
    "drssd_portal.security_log.SecurityLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # AxesMiddleware must be last: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "drssd_portal.urls"
WSGI_APPLICATION = "drssd_portal.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "drssd_portal.context_processors.languages",
                "drssd_portal.context_processors.navigation",
            ],
            # `date` and `time` in Khmer digits for those who chose them (districts/templatetags/dates.py).
            "builtins": ["districts.templatetags.dates"],
        },
    },
    {
        # Plain-text e-mails: nothing is HTML-escaped ("it's", "R&D" stay as written). Only for .txt templates.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False},
    },
]

# --- Database ---------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/drssd; SQLite file by default.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections are kept, not opened per request (a new one cost 4.3 ms against 0.17 ms reused, a quarter of the CPU
# at quarter-end load). Web processes (gunicorn.conf.py sets DB_POOL_MAX_SIZE) share a pool of psycopg's among
# their many threads: a thread holds a connection only while it serves a request, and a login waiting for its
# password hash holds none. Other processes (Celery, manage.py) keep one connection for DB_CONN_MAX_AGE seconds,
# checked before reuse, so a restarted PostgreSQL costs one reconnect, not an error.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=0)
if DB_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    from drssd_portal.database_pool import retry_connections_steadily

    retry_connections_steadily()  # after a PostgreSQL restart, reconnect within half a second
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": env.float("DB_POOL_TIMEOUT", default=20.0),  # seconds a request waits for a free connection
        "max_idle": 300,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# A kept connection (or the pool's) is tried before a request uses it: after a PostgreSQL restart it is replaced.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent saves: readers never block the writer (WAL), a writer waits for the
    # other up to 20 s instead of failing with "database is locked", and a transaction takes the write lock when
    # it starts, so two saves never deadlock upgrading read locks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

# --- Cache --------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis down or slow: a cache miss within about a second, never a 500 (drssd_portal/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "drssd_portal.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Read API (reports/exchange/api.py) -------------------------------------------------------
# Requests per token, counted in the cache above: number/period (s, m, h, d).
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="120/m")
NINJA_PAGINATION_PER_PAGE = 100  # items per page unless ?limit= asks otherwise
NINJA_PAGINATION_MAX_LIMIT = 1000  # the most ?limit= gets

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # AxesBackend first: it refuses a locked-out login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Passwords: Django's PBKDF2-SHA256 at Django's iteration count, hashed on low-priority threads so that a burst
# of logins does not slow everyone else's pages (drssd_portal/passwords.py). Hashes of the other algorithms Django
# knows still verify and are upgraded at the next login.
PASSWORD_HASHERS = [
    "drssd_portal.passwords.LowPriorityPBKDF2PasswordHasher",  # also verifies Django's own pbkdf2_sha256 hashes
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASH_THREADS = env.int("PASSWORD_HASH_THREADS", default=1)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)

# Two-step login (districts/mfa, django-otp): a TOTP authenticator app plus ten one-time recovery codes.
# Required for PDRD reviewers, MRD and administrators when MFA_REQUIRED is on (the default outside DEBUG, so
# the demo's users can log in without a phone); optional for everyone else. `check --deploy` warns when it
# is off in production.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "DRSSD Portal"
# The admin pages for devices show neither keys nor codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Login rate limit (django-axes): after AXES_FAILURE_LIMIT failed attempts for one
# username from one address, logins are refused for the cool-off period.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client address (drssd_portal/client_address.py): REMOTE_ADDR when directly exposed; behind
# TRUSTED_PROXY_COUNT proxies that append to X-Forwarded-For (the production compose: 1, its TLS proxy),
# the address the outermost one saw, never one a client wrote there itself.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "drssd_portal.client_address.client_address"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="km")
# Django's name_local for km is not in Khmer script, so name both languages ourselves.
LANGUAGES = [("km", "ខ្មែរ"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django's km formats use "," for decimals; ours follow CLDR Khmer (1,234,567.89).
FORMAT_MODULE_PATH = ["drssd_portal.formats"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
TIME_ZONE = "Asia/Phnom_Penh"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str("STATICFILES_STORAGE", default="whitenoise.storage.CompressedManifestStaticFilesStorage")
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail --------------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587; console by default.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DRSSD Portal <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production) -----------------------------------------------------------------------
# Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER=true so Django trusts X-Forwarded-Proto.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Celery ----------------------------------------------------------------------------------------
# Without REDIS_URL, tasks run eagerly in-process (first run, no broker needed).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# The result backend retries a lost Redis 20 times a second apart by default: a request that queues a
# task would hang for 19 s while Redis is down. Try once more, briefly, then let the catch-up paths work.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that dispatches a task must not hang on an unreachable broker; the repair task catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
# ... nor on one that accepts the connection and never answers (frozen, partitioned): publishing gives up after
# socket_timeout (above the worker's 1 s blocking read) and one retry.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 1.5, "socket_connect_timeout": 1}
# Every periodic job, named by cadence and effect. Later issues add the rollup repair and reminders.
CELERY_BEAT_SCHEDULE = {
    "every-15-min-repair-stale-rollups": {
        "task": "reports.rollups.tasks.repair_stale_rollups",
        "schedule": timedelta(minutes=15),
    },
    "daily-0700-send-deadline-reminders": {
        "task": "reports.review.tasks.send_deadline_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "daily-0715-send-review-queue-reminders": {
        "task": "reports.review.tasks.send_review_queue_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
}

# --- Logging ---------------------------------------------------------------------------------------
# The security log (drssd_portal/security_log.py) goes to the console and, with SECURITY_LOG_FILE, to that file.
SECURITY_LOG_FILE = env.str("SECURITY_LOG_FILE", default="")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        **(
            {"security_file": {"class": "logging.handlers.WatchedFileHandler", "filename": SECURITY_LOG_FILE}}
            if SECURITY_LOG_FILE
            else {}
        ),
    },
    "loggers": {
        "drssd.security": {
            "handlers": ["console", "security_file"] if SECURITY_LOG_FILE else ["console"],
            "level": "INFO",
            "propagate": False,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Portal ----------------------------------------------------------------------------------------
# The year by which every village should be ODF: 2025 in the 2014 national strategy, later
# restated as 2030. The MRD can change it on the reporting-periods page; this is the first value.
NATIONAL_TARGET_YEAR = env.int("NATIONAL_TARGET_YEAR", default=2025)
# Absolute address of the portal, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
