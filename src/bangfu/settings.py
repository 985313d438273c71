"""The one settings module: the environment decides.

Environment:
  BANGFU_ENV          "development" (default) or "production"
  BANGFU_DATA_DIR     folder for the embedded database, keys and uploads
  DATABASE_URL        default: SQLite in the data folder; PostgreSQL via postgres://…
  SECRET_KEY          required in production; otherwise generated once into the data folder
  BANGFU_DATA_KEY     base64 key for ID numbers and bank accounts at rest; same rule
  REDIS_URL           task queue broker and cache; default: SQLite queue, local cache
  ALLOWED_HOSTS       comma separated; default 127.0.0.1,localhost in development
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
_checkout = PACKAGE_DIR.parents[1]

ENV = os.environ.get("BANGFU_ENV", "development")
PRODUCTION = ENV == "production"
TESTING = os.environ.get("BANGFU_TESTING") == "1"


def _default_data_dir() -> Path:
    # A source checkout keeps its data beside the code (var/, ignored by git);
    # an installed package keeps it in the user's data folder.
    if (_checkout / "pyproject.toml").exists():
        return _checkout / "var"
    return Path.home() / ".local" / "share" / "bangfu"


DATA_DIR = Path(os.environ.get("BANGFU_DATA_DIR") or _default_data_dir())
DATA_DIR.mkdir(parents=True, exist_ok=True)


def secret_from_env_or_file(name: str, filename: str, make) -> str:
    """A secret comes from the environment; in development it is generated once and kept in DATA_DIR."""
    value = os.environ.get(name)
    if value:
        return value
    if PRODUCTION:
        raise RuntimeError(f"{name} must be set when BANGFU_ENV=production")
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = secret_from_env_or_file("SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50))
DATA_KEY = secret_from_env_or_file("BANGFU_DATA_KEY", "data_key", lambda: secrets.token_urlsafe(32))

DEBUG = os.environ.get("DEBUG", "0" if PRODUCTION else "1") == "1" and not TESTING
ALLOWED_HOSTS = [
    h
    for h in os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver").split(
        ","
    )
    if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "ninja",  # the API docs page and its Swagger UI assets, served by the application
    # Before bangfu's apps: its login-failure handler runs first, so the audit row of a
    # failed login knows whether it locked the account (bangfu.orgs.logins).
    "axes",
    "bangfu.web",
    "bangfu.orgs",
    "bangfu.audit",
    "bangfu.jobs",
    "bangfu.registry",
    "bangfu.policy",
    "bangfu.cases",
    "bangfu.discovery",
    "bangfu.funds",
    "bangfu.projects",
    "bangfu.specific",
    "bangfu.aid",
    "bangfu.demo",  # last: it may use every domain app, none uses it
]

MIDDLEWARE = [
    "bangfu.web.middleware.RequestSizeLimit",  # 413 before anything reads an oversized body
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "bangfu.urls"
WSGI_APPLICATION = "bangfu.wsgi.application"
AUTH_USER_MODEL = "orgs.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bangfu.web.context.navigation",
            ],
        },
    }
]

_sqlite_path = DATA_DIR / "bangfu.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{_sqlite_path}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at
    # BEGIN, so two writers queue instead of failing mid-transaction ("database is locked").
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Background work goes through huey: Redis in production, an SQLite queue file when
# embedded, and run inline ("immediate") under test so tests see the effect.
HUEY = {
    "name": "bangfu",
    "immediate": TESTING,
    "utc": True,
    "consumer": {"workers": 2, "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3")})

# Logins (SPEC §10; 等级保护 2.0 三级 8.1.4.1): repeated wrong passwords for one account lock it
# for a while, whatever address they come from; the lockout page says when to retry.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked account before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# The lock runs from the failure that set it: tries during it are refused and logged, not counted.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "bangfu.web.views.lockout"
AXES_CLIENT_IP_CALLABLE = "bangfu.audit.actor.client_ip"
AXES_ENABLE_ADMIN = False  # locks lift by themselves; the audit log is where logins are read
# axes.W006 warns that a lock by username alone can be dodged by rotating user agents: not
# so here, the failures of one username are summed over every address and agent (tested).
# An address lock would shut a whole street office out behind its one NAT address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email")},
    },
    {"NAME": "bangfu.orgs.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Fast hashing under test; the password rules above stay in force.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "zh-hans"
FORMAT_MODULE_PATH = ["bangfu.formats"]
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Development serves assets straight from the apps; production from collectstatic output.
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded documents are personal data: served only through scoped views, never as static files.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest request body read at all, files included (RequestSizeLimit answers 413 above it).
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# A project batch's delivery form names each item not delivered and its reason: two fields an
# item, for batches of tens of thousands (Django's 1,000 would refuse some 500 ticked items).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 50_000

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "bangfu.web.errors.csrf_failure"  # a Chinese 403 page (the API answers its own)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Behind a reverse proxy the client address comes from this header (set by the proxy only).
BANGFU_CLIENT_IP_HEADER = os.environ.get("BANGFU_CLIENT_IP_HEADER", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
