"""One settings module for every environment; everything that varies comes from the environment.

Defaults are chosen so that a fresh checkout runs with nothing set: SQLite in a data folder,
email written to files, a secret key generated once into that folder.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DATA_DIR = Path(env.str("REGULARS_DATA_DIR", default=str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Env first, then a file named by SECRET_KEY_FILE, then one generated into the data folder."""
    if value := env.str("SECRET_KEY", default=""):
        return str(value)
    key_file = Path(env.str("SECRET_KEY_FILE", default=str(DATA_DIR / "secret_key")))
    if not key_file.exists():
        # Created private (0600) rather than chmod-ed after writing.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "regulars.core",
    "regulars.tenancy",
    "regulars.accounts",
    "regulars.audit",
    "regulars.jobs",
    "regulars.customers",
    "regulars.lists",
    "regulars.history",
    "regulars.transfer",
    "regulars.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "regulars.tenancy.middleware.TenantMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "regulars.urls"
WSGI_APPLICATION = "regulars.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "regulars" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "regulars.tenancy.context_processors.tenancy",
            ],
        },
    }
]

# --- Database ---------------------------------------------------------------------------
SQLITE_SYNCHRONOUS = env.str("REGULARS_SQLITE_SYNCHRONOUS", default="FULL").upper()
if SQLITE_SYNCHRONOUS not in {"FULL", "NORMAL", "EXTRA"}:
    raise environ.ImproperlyConfigured("REGULARS_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA")

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'regulars.sqlite3'}")
}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
    # read-then-write transactions wait instead of failing with "database is locked".
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            f"PRAGMA synchronous={SQLITE_SYNCHRONOUS};"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
    # Tests use a file too (not the in-memory default), so they see WAL, busy timeouts and
    # IMMEDIATE transactions across threads exactly as production does.
    _db.setdefault("TEST", {})["NAME"] = env.str(
        "REGULARS_TEST_SQLITE", default=str(DATA_DIR / "test-regulars.sqlite3")
    )
else:
    _db.setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=on"
# Persistent connections on both engines: opening a SQLite connection (its PRAGMAs and
# Django's SQL functions) costs about 1.5 ms, as much as the rest of an API call by id.
_db["CONN_HEALTH_CHECKS"] = True
_db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
INVITATION_TTL = timedelta(days=env.int("REGULARS_INVITATION_DAYS", default=7))

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind a reverse proxy, the number of proxies in front: the client address is then read
# from X-Forwarded-For, so lock-outs hit the client and not the proxy's address.
REGULARS_PROXY_COUNT = env.int("REGULARS_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "regulars.core.http.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Regulars"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE = env.bool("REGULARS_SECURE", default=not DEBUG and SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- i18n -------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# `regulars serve` collects static files first; with their manifest present, hashed names
# and compression are used. Without it (tests, development) files come from the apps.
_manifest = env.str("REGULARS_STATIC_MANIFEST", default="auto")
STATIC_MANIFEST = (
    (STATIC_ROOT / "staticfiles.json").exists() if _manifest == "auto" else _manifest == "1"
)
STATICFILES_DIRS = [BASE_DIR / "regulars" / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# An upload larger than 2.5 MB is spooled to disk while the request is read: under the
# data folder too, never a web process's /tmp (imports of customers' personal data).
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "uploads")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

# --- Email ------------------------------------------------------------------------------
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Regulars <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Background jobs --------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str("REGULARS_TASK_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# A running job whose heartbeat is older than this is taken to have lost its worker.
JOB_STALE_AFTER = timedelta(seconds=env.int("REGULARS_JOB_STALE_SECONDS", default=120))
JOB_MAX_ATTEMPTS = env.int("REGULARS_JOB_MAX_ATTEMPTS", default=3)
# Slows each unit of the sample job; only the killed-worker test sets it.
JOB_TEST_UNIT_DELAY = env.float("REGULARS_JOB_TEST_UNIT_DELAY", default=0.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"regulars": {"level": env.str("LOG_LEVEL", default="INFO")}},
}
