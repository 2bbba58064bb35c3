"""Settings for every environment, read from the environment.

With nothing set, the tracker runs on a SQLite file with Celery tasks executed
in-process; DATABASE_URL and REDIS_URL switch it to PostgreSQL and a real broker.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from environs import Env

from tracker.methodology import vocabulary

BASE_DIR = Path(__file__).resolve().parent.parent

# Every variable is parsed here, once: a bad value stops the process at start with a message
# naming the variable (environs raises EnvValidationError), never later at first use.
env = Env()

# Off unless asked for: a server that forgets to set it must not run in development mode.
DEBUG = env.bool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-not-for-production"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [], delimiter=","
)
PORT = env.int("PORT", 8000)
# Absolute links in emails, feeds and exports; by default the address make run serves on.
SITE_URL = env.str("SITE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")

INSTALLED_APPS = [
    # Django's admin, on our site class: it asks staff for their second factor.
    "tracker.accounts.apps.TrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "tracker.accounts",
    "tracker.commitments",
    "tracker.progress",
    "tracker.api",
    "tracker.public",
    "tracker.digest",
    "tracker.ops",
]

MIDDLEWARE = [
    # Above WhiteNoise, so static files carry the security headers too.
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.security.PermissionsPolicyMiddleware",
    # A NUL or non-UTF-8 path or query is refused before any view; bare 4xx answers get a message.
    "tracker.middleware.MalformedRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks request.user verified when this session's sign-in gave a two-factor code.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change saved during a request, for the history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out sign-in before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
                "tracker.public.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.str("DATABASE_URL", "") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env.int("CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a Celery worker in another process sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Redis: broker and cache when configured, in-process otherwise -------------------
REDIS_URL = env.str("REDIS_URL", "")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", "tracker"),
            # A cache outage must not take the public pages down with it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it ends, and given back if its worker dies mid-task, so
# a killed worker loses nothing; every task is idempotent, so running one twice is safe.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
BROKER_TIMEOUT_SECONDS = env.float("BROKER_TIMEOUT_SECONDS", 2.0)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A save never waits long on the broker, whether Redis is down, hung or slow: its rollup
    # is already marked stale in the save's own transaction, and the catch-up redoes it.
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
    "max_retries": 1,
    # A task taken by a worker that then died goes back to the queue after this long
    # (Redis has no acknowledgement of its own; the default is an hour). Longer than any
    # task runs, so a live worker's task is not handed out twice.
    "visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT_SECONDS", 600),
    # Look for such tasks every ten seconds (kombu's default scans every 100).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# One clock for everything: the engine's "today", the digest's weeks and the beat are UTC.
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE = {
    # Just after midnight UTC, so the stored as-of day is the engine's today all day.
    "recompute-all-progress-daily": {
        "task": "tracker.progress.tasks.recompute_all",
        "schedule": crontab(hour=0, minute=5),
    },
    "recompute-stale-progress": {
        "task": "tracker.progress.tasks.recompute_stale",
        "schedule": crontab(minute="*/5"),
    },
    # Monday morning UTC: the latest complete Monday-Sunday week is the one that just ended.
    "send-weekly-digest": {
        "task": "tracker.digest.tasks.send_weekly_digest",
        "schedule": crontab(day_of_week="mon", hour=1, minute=30),
    },
}

# --- Progress engine ----------------------------------------------------------------
# Status thresholds, as fractions of expected progress (the methodology page quotes them).
PROGRESS_ON_TRACK_RATIO = env.decimal("PROGRESS_ON_TRACK_RATIO", "0.9")
PROGRESS_AT_RISK_RATIO = env.decimal("PROGRESS_AT_RISK_RATIO", "0.5")
# The reason for a change is also the public correction's text: no length cap.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# A one-person newsroom: a reviewer may publish a milestone they drafted or last changed.
EDITORIAL_SINGLE_PERSON = env.bool("EDITORIAL_SINGLE_PERSON", False)
# Pages flag a commitment with no counted evidence for longer than this many days.
EVIDENCE_QUIET_DAYS = env.int("EVIDENCE_QUIET_DAYS", 365)

# --- Email --------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", str(BASE_DIR / "sent_emails"))
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "India–Japan Tracker <tracker@localhost>")

# --- Weekly digest ------------------------------------------------------------------
DIGEST_CONFIRM_MAX_AGE_DAYS = env.int("DIGEST_CONFIRM_MAX_AGE_DAYS", 7)
# Whether a reader with nothing new in their pillars gets a short note (else no email).
DIGEST_SEND_EMPTY = env.bool("DIGEST_SEND_EMPTY", False)
# Attempts per address and week before a failed digest is given up.
DIGEST_MAX_ATTEMPTS = env.int("DIGEST_MAX_ATTEMPTS", 3)
DIGEST_RETRY_DELAY_SECONDS = env.int("DIGEST_RETRY_DELAY_SECONDS", 1800)
# Subscribe requests per client IP address and period.
DIGEST_SUBSCRIBE_LIMIT = env.int("DIGEST_SUBSCRIBE_LIMIT", 5)
DIGEST_SUBSCRIBE_PERIOD_SECONDS = env.int("DIGEST_SUBSCRIBE_PERIOD_SECONDS", 3600)

# --- API ----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.StrictPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "India–Japan Commitment Tracker API",
    "DESCRIPTION": "Read-only progress of the commitments made at the 2025 India–Japan summit.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name per vocabulary, so clients see which set of values each field takes.
    "ENUM_NAME_OVERRIDES": {
        name: vocabulary.choices(table, order)
        for name, table, order in [
            ("StatusEnum", vocabulary.STATUS_LABELS, vocabulary.STATUSES),
            ("ComputedStatusEnum", vocabulary.STATUS_LABELS, vocabulary.COMPUTED_STATUSES),
            ("AssessedStatusEnum", vocabulary.STATUS_LABELS, vocabulary.ASSESSED_STATUSES),
            ("CommitmentKindEnum", vocabulary.KINDS, None),
            ("MilestoneKindEnum", vocabulary.MILESTONE_KINDS, None),
            ("StageEnum", vocabulary.STAGE_LABELS, vocabulary.STAGES),
            ("EvidencedStageEnum", vocabulary.STAGE_LABELS, vocabulary.EVIDENCED_STAGES),
            ("DeadlineBasisEnum", vocabulary.DEADLINE_BASES, None),
        ]
    },
}

# --- Security headers, on every response ---------------------------------------------
# No inline script or style anywhere, the admin included: scripts and stylesheets are files
# under /static/, charts are SVG drawn by the server, the two-factor QR code a data: image.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Features no page of ours uses, denied to every page and frame (tracker.security).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation",
        "gyroscope", "magnetometer", "microphone", "payment", "usb",
    ]
)  # fmt: skip

# --- Staff sign-in: lockout after wrong passwords, two-factor codes -------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 20)
# Counted per username and address, so wrong guesses from elsewhere do not lock an editor
# out. The address is REMOTE_ADDR: behind a proxy every request has the proxy's, and the
# lock then falls on the username from everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", 1.0)
AXES_RESET_ON_SUCCESS = True
# Counted where every web process sees the same count: in Redis when there is one, else in
# the database (a memory cache would give each process a count of its own).
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if REDIS_URL
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_LOCKOUT_CALLABLE = "tracker.accounts.views.locked_out"
# Lockouts are logged with the username and address they fell on; no start-up banner.
AXES_VERBOSE = False
# Staff who have set up an authenticator app always give its code; these make one
# compulsory (off by default, so make run's local editor signs in with a password alone).
OTP_REQUIRED_FOR_STAFF = env.bool("OTP_REQUIRED_FOR_STAFF", False)
OTP_REQUIRED_FOR_REVIEWERS = env.bool("OTP_REQUIRED_FOR_REVIEWERS", False)
OTP_TOTP_ISSUER = "India–Japan Tracker"
# The admin's device pages never show a secret key or its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Production hardening (DEBUG off) ----------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", True)
    # Load balancers and monitors probe over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- Logs and health (tracker/ops) ---------------------------------------------------
# Production writes one JSON object per event on stdout, for the log collector; development
# writes readable lines on stderr. Gunicorn (tracker/ops/gunicorn.py) and the Celery worker
# and beat log through this same configuration.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["levelname", "name", "message"],
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
        "readable": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "readable" if DEBUG else "json",
            "stream": "ext://sys.stderr" if DEBUG else "ext://sys.stdout",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO").upper()},
    # Django's loggers print through the root handler alone, so each event is one line.
    "loggers": {"django": {"handlers": [], "level": "INFO"}},
}
# Set here rather than with the other CELERY_ names because it belongs to the logs: the
# worker and beat keep the root handler above instead of installing their own plain one.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# /healthz answers 503 once a commitment's rollup has been behind this long: longer than
# the beat's five-minute catch-up (recompute_stale), so one slow run pages nobody.
HEALTH_MAX_STALE_SECONDS = env.int("HEALTH_MAX_STALE_SECONDS", 900)
