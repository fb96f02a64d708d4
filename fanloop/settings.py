"""Django settings for fanloop, read from the environment with safe defaults.

Zero configuration runs on SQLite in ``FANLOOP_DATA_DIR``; every variable is
documented in the README's configuration table (a test checks it).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from fanloop.lib.env import env_bool, env_int, env_list, env_str
from fanloop.lib.files import private_sqlite_files

BASE_DIR = Path(__file__).resolve().parent

PRODUCTION = env_bool("FANLOOP_PRODUCTION", False)
DEBUG = env_bool("DEBUG", False)
DATA_DIR = Path(env_str("FANLOOP_DATA_DIR", str(BASE_DIR.parent / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use SECRET_KEY; outside production, generate one and keep it in the data dir."""
    key = env_str("SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when FANLOOP_PRODUCTION is on: set it to a long random value."
        )
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Former SECRET_KEYs, still accepted when checking signatures (and the suppression
# list's address hashes) while they age out.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])


def _encryption_keys() -> list[str]:
    """Fernet keys for platform tokens and app secrets; the first one encrypts."""
    keys = env_list("FANLOOP_ENCRYPTION_KEYS", [])
    if keys:
        return keys
    if PRODUCTION:
        raise ImproperlyConfigured(
            "FANLOOP_ENCRYPTION_KEYS is required when FANLOOP_PRODUCTION is on: "
            "generate one with `fanloop generate_encryption_key`."
        )
    path = DATA_DIR / "encryption_keys"
    if not path.exists():
        from cryptography.fernet import Fernet

        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return [key.strip() for key in path.read_text().split(",") if key.strip()]


ENCRYPTION_KEYS = _encryption_keys()
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "fanloop")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
REGISTRATION_OPEN = env_bool("REGISTRATION_OPEN", True)
# Days an invitation link stays valid.
INVITATION_TTL_DAYS = 7

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "fanloop.accounts",
    "fanloop.catalog",
    "fanloop.campaigns",
    "fanloop.analytics",
    "fanloop.platforms",
    "fanloop.fans",
    "fanloop.fulfillment",
    "fanloop.messaging",
    "fanloop.flows",
    "fanloop.webhooks",
    "fanloop.insights",
    "fanloop.ops",
    "fanloop.api",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Known public release pages are served from memory here, like static files.
    "fanloop.campaigns.middleware.PublicPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "fanloop.lib.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fanloop.urls"
WSGI_APPLICATION = "fanloop.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "catalog:home_dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "fanloop.accounts.context_processors.workspace",
            ],
        },
    },
]

# --- database -------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'fanloop.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
        ),
    }
# Test runs name a fresh PostgreSQL test database per run (conftest.py, --db-run-name).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's shared-cache in-memory database: worker threads and processes
    # (DBOS workflows, killed-and-restarted workers) must see the same data and wait on
    # its lock instead of failing with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_fanloop.sqlite3")}
# DBOS keeps its system tables apart from Django's so they never wait on one writer lock.
DBOS_SYSTEM_DATABASE_URL = env_str(
    "DBOS_SYSTEM_DATABASE_URL", f"sqlite:///{DATA_DIR / 'dbos.sqlite3'}"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- i18n / time ----------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production, serve straight from the app folders: no collectstatic step needed.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_MAX_AGE = 3600
ARTWORK_MAX_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- public pages ---------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fanloop",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

# --- email ----------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "fanloop <noreply@localhost>")
# The frequency cap and quiet hours of flow emails are per workspace (Email → Sending
# rules); the defaults of a workspace without its own are in messaging.sending_rules.
EMAIL_OPEN_TRACKING = env_bool("EMAIL_OPEN_TRACKING", False)
# Optional second List-Unsubscribe address (a mailbox someone processes); blank: https only.
EMAIL_UNSUBSCRIBE_MAILTO = env_str("EMAIL_UNSUBSCRIBE_MAILTO", "")
# Provider webhooks (bounces, complaints) under /webhooks/anymail/: "user:password" basic auth.
# Without a secret the webhook URLs answer 404: an open one would let anyone suppress fans.
_anymail_secret = env_str("ANYMAIL_WEBHOOK_SECRET", "")
ANYMAIL = {"WEBHOOK_SECRET": _anymail_secret} if _anymail_secret else {}
# The demo's SMTP sink folder: when set, members see what it received (Email → Sink).
SMTP_SINK_DIR = env_str("SMTP_SINK_DIR", "")

# --- security -------------------------------------------------------------
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Behind one reverse proxy: trust its X-Forwarded-Proto, and the last X-Forwarded-For entry.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- hardening: production mode, throttling, account emails -----------------
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "DEBUG must be off when FANLOOP_PRODUCTION is on: debug pages show settings and code."
    )
# Production answers http:// with a redirect to https:// unless the TLS-terminating proxy
# already does (set SECURE_SSL_REDIRECT=false there), and tells browsers to stay on https.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# /healthz stays plain http for load balancers and container probes on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if PRODUCTION and not SECURE_HSTS_PRELOAD:
    # Preloading is a one-way promise for the whole domain: the operator's choice alone.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# SQLite databases readable by fanloop's user only, like the key files (0600).
private_sqlite_files(DATABASE_URL, DBOS_SYSTEM_DATABASE_URL)
# Wrong passwords allowed per account, and per client address, within LOGIN_COOLOFF_MINUTES;
# one more locks that account (or address) out of the login form until the window ends.
# Failures during a lockout do not extend it, and a password reset by email always works.
LOGIN_FAILURE_LIMIT = 10
LOGIN_COOLOFF_MINUTES = 15
# Password reset requests per client address, and bad invitation links per client address,
# within LOGIN_COOLOFF_MINUTES (an address's reset emails are capped lower, see throttle).
PASSWORD_RESET_LIMIT = 5
INVITATION_FAILURE_LIMIT = 10
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # shared by every web process
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "fanloop.accounts.throttle.login_username"
AXES_CLIENT_IP_CALLABLE = "fanloop.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "fanloop.accounts.throttle.locked_out"
AXES_DISABLE_ACCESS_LOG = True
# Masked in the stored attempts (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
AXES_VERBOSE = False

# --- worker ---------------------------------------------------------------
WORKER_EXECUTOR_ID = env_str("WORKER_EXECUTOR_ID", "")
# Worker processes one ``fanloop worker`` runs (0: one per usable CPU core). The engine's
# work is CPU-bound Python, so one process uses one core at most.
WORKER_PROCESSES = env_int("WORKER_PROCESSES", 0)

# --- growth flows -----------------------------------------------------------
# Signs webhook calls (HMAC-SHA256); blank: derived from SECRET_KEY.
FLOW_WEBHOOK_SECRET = env_str("FLOW_WEBHOOK_SECRET", "")
# Allow webhooks to private, loopback and link-local addresses (off: no SSRF into the network).
FLOW_WEBHOOK_ALLOW_PRIVATE = env_bool("FLOW_WEBHOOK_ALLOW_PRIVATE", False)

# --- streaming platforms ----------------------------------------------------
# The real platforms by default; the demo, the tests and the benchmarks set
# PLATFORM_EMULATOR_URL and every platform is then the emulator's (its paths below).
PLATFORM_EMULATOR_URL = env_str("PLATFORM_EMULATOR_URL", "").rstrip("/")
_emulator = PLATFORM_EMULATOR_URL
SPOTIFY_ACCOUNTS_URL = (
    f"{_emulator}/spotify/accounts" if _emulator else "https://accounts.spotify.com"
)
SPOTIFY_API_URL = f"{_emulator}/spotify/v1" if _emulator else "https://api.spotify.com/v1"
APPLE_MUSIC_API_URL = f"{_emulator}/apple/v1" if _emulator else "https://api.music.apple.com/v1"
DEEZER_CONNECT_URL = (
    f"{_emulator}/deezer/oauth" if _emulator else "https://connect.deezer.com/oauth"
)
DEEZER_API_URL = f"{_emulator}/deezer/api" if _emulator else "https://api.deezer.com"

# --- fans -----------------------------------------------------------------
# Email consents wait for the fan to follow a confirmation link (double opt-in).
EMAIL_DOUBLE_OPT_IN = env_bool("EMAIL_DOUBLE_OPT_IN", True)
# MusicKit JS loaded by the Apple Music connect page (the demo and tests use the emulator's).
APPLE_MUSICKIT_JS_URL = (
    f"{_emulator}/apple/musickit/v3/musickit.js"
    if _emulator
    else "https://js-cdn.music.apple.com/musickit/v3/musickit.js"
)

# --- analytics ------------------------------------------------------------
# Header set by a trusted proxy / CDN that carries the visitor's country (e.g. CF-IPCountry).
COUNTRY_HEADER = env_str("COUNTRY_HEADER", "HTTP_CF_IPCOUNTRY")

# --- tuning overrides (tests, benchmarks, the demo) -------------------------
# Tuning is module constants next to the code it tunes; a process started by a test, a
# benchmark or `fanloop demo` gets overrides here ("fanloop.module.CONSTANT=value,...",
# applied by the ops app once apps are loaded: see fanloop/lib/tuning.py).
TUNING = env_str("FANLOOP_TUNING", "")

# Token addresses (portal, action, unsubscribe, invitation links ...) are credentials: every
# handler scrubs them, and Django's request loggers, the development server and granian's
# access log (when an operator turns it on) all write through the scrubbing handlers.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub_tokens": {"()": "fanloop.lib.logscrub.ScrubTokens"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["scrub_tokens"],
        },
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["scrub_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers (a DEBUG-only console, mail to ADMINS) would print request
        # paths unscrubbed: its records go to the root handler instead.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "granian.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # httpx logs request URLs at INFO; Deezer's carry the fan's access token.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
