"""Settings: environment variables with embedded defaults (one module; see README "Settings").

Defaults give a single-machine setup with no services: an SQLite file and kombu's filesystem
broker under READER_DATA_DIR. Scaling out means setting DATABASE_URL and CELERY_BROKER_URL.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma- or space-separated list from the environment."""
    raw = os.environ.get(name, default)
    return [item for item in raw.replace(",", " ").split() if item]


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """Read a whole-number environment variable, refusing anything else with a clear error."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number >= {minimum}, not {raw!r}")
    return value


DEBUG = env_bool("DJANGO_DEBUG", False)

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it, or set DJANGO_DEBUG=1 for development."
        )
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

READER_DATA_DIR = Path(os.environ.get("READER_DATA_DIR", BASE_DIR / "var")).resolve()
READER_DATA_DIR.mkdir(parents=True, exist_ok=True)
READER_SHARED_DIR = Path(os.environ.get("READER_SHARED_DIR", BASE_DIR.parent / "shared"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "reader",
    "demos",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body (CSRF): a body Django refuses is a 400, not a 500.
    "reader.middleware.RequestBodyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "reader.middleware.ContentSecurityPolicyMiddleware",
    "reader.middleware.NotFoundPageMiddleware",
]

ROOT_URLCONF = "reader.urls"
WSGI_APPLICATION = "reader.wsgi.application"

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
            ],
        },
    },
]

# https://github.com/jazzband/dj-database-url
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{READER_DATA_DIR / 'db.sqlite3'}"),
        # Connections live across requests on every database: on SQLite, opening one costs
        # more than serving a cached page (Django's functions registered, the PRAGMAs below,
        # and a WAL checkpoint each time the last connection of a process closed): 2.8 ms of
        # CPU for a paper-page cache hit with a new connection per request, 0.6 ms without.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASE_IS_SQLITE = DATABASES["default"]["ENGINE"].endswith("sqlite3")
if DATABASE_IS_SQLITE:
    # WAL + IMMEDIATE transactions + a timeout: web, worker and beat share one file without
    # "database is locked" (https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-notes).
    # 16 KiB pages hold several ~3 KB paper rows each (a 4 KiB page holds one, wasting a
    # quarter of the file); page_size only takes effect on a new database, before WAL is on.
    # A 64 MiB page cache keeps the index pages of a large import in memory.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA cache_size=-65536;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_CACHE_URL"],
        }
        if os.environ.get("REDIS_CACHE_URL")
        else {
            # A database cache works across processes on the embedded default (rate limits).
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "reader_cache",
        }
    ),
    # Whole pages for anonymous readers (reader/page_cache.py); their own table, so that
    # culling pages never drops rate-limit counters.
    "pages": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_CACHE_URL"],
            "KEY_PREFIX": "pages",
        }
        if os.environ.get("REDIS_CACHE_URL")
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "reader_page_cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    ),
}
# Seconds a cached page may live; entries are checked against the data versions on every
# hit, so this only bounds what no version covers. 0 turns the page cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 3600)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = READER_DATA_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = READER_DATA_DIR / "media"

# ---- production hardening (debug off) ----
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# ---- arXiv ingest ----
ARXIV_API_URL = os.environ.get("ARXIV_API_URL", "https://export.arxiv.org/api/query")
ARXIV_OAI_URL = os.environ.get("ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
ARXIV_RSS_URL = os.environ.get("ARXIV_RSS_URL", "https://rss.arxiv.org/rss")
# /list/<category>/new pages: read when a category's RSS feed is stale.
ARXIV_LIST_URL = os.environ.get("ARXIV_LIST_URL", "https://arxiv.org/list")
ARXIV_CATEGORIES = env_list(
    "ARXIV_CATEGORIES", os.environ.get("READER_ARXIV_CATEGORIES", "cs.LG,cs.CL,cs.CV,cs.AI,stat.ML")
)
ARXIV_CONTACT = os.environ.get("READER_ARXIV_CONTACT", "")
# arXiv asks for one request every 3 s from the whole deployment
# (https://info.arxiv.org/help/api/tou.html); the limiter row enforces it across processes.
ARXIV_MIN_INTERVAL = float(os.environ.get("ARXIV_MIN_INTERVAL", "3.0"))
ARXIV_TIMEOUT = float(os.environ.get("ARXIV_TIMEOUT", "30"))
ARXIV_BACKOFF = float(os.environ.get("ARXIV_BACKOFF", "3.0"))  # first retry delay, doubling

# ---- Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html) ----
# "localhost" only names the filesystem broker (kombu warns "No hostname was supplied" without).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_dir = READER_DATA_DIR / "celery" / "queue"
    _processed_dir = READER_DATA_DIR / "celery" / "processed"
    _control_dir = READER_DATA_DIR / "celery" / "control"  # exchange tables (default: ./control)
    for _d in (_broker_dir, _processed_dir, _control_dir):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(_control_dir),
        "store_processed": False,
        # How long a worker sleeps when it may not take a message yet (kombu's default is
        # 1 s). With a prefetch of one, a worker that finished a task waited up to that long
        # for the next, so 0.6 s render chunks kept each of two workers 40 % busy. An idle
        # poll is a listdir of the queue folder.
        "polling_interval": 0.1,
    }
elif CELERY_BROKER_URL.startswith("redis"):
    # Longer than any hard time limit, or a long run is delivered twice while still running.
    # (Tests shorten it to watch a SIGKILLed worker's run come back.)
    _visibility = env_int("CELERY_VISIBILITY_TIMEOUT", 7200, minimum=1)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _visibility}
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"demos.tasks.demo_run_execute_task": {"queue": "demos"}}
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "America/New_York"
CELERY_BEAT_SCHEDULE_FILENAME = str(READER_DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # arXiv announces Sun-Thu 20:00 ET; fetch at 20:45 once feeds are rebuilt.
    # https://crontab.guru/#45_20_*_*_0-4
    "papers-ingest-daily": {
        "task": "reader.tasks.papers_ingest_new_task",
        "schedule": crontab(minute=45, hour=20, day_of_week="0-4"),
    },
    # Retry shortly after midnight ET, when RSS "days" roll over (stale-feed guard).
    # https://crontab.guru/#30_0_*_*_1-5
    "papers-ingest-daily-retry": {
        "task": "reader.tasks.papers_ingest_new_task",
        "schedule": crontab(minute=30, hour=0, day_of_week="1-5"),
    },
    # https://crontab.guru/#0_3_*_*_*
    "papers-rerender-stale": {
        "task": "reader.tasks.papers_rerender_stale_task",
        "schedule": crontab(minute=0, hour=3),
    },
    # https://crontab.guru/#*/5_*_*_*_*
    "demo-runs-fail-stale": {
        "task": "demos.tasks.demo_runs_fail_stale_task",
        "schedule": crontab(minute="*/5"),
    },
}

# ---- demos ----
DEMOS_SIZES = env_list("DEMOS_SIZES", "smoke")
DEMOS_MAX_QUEUED = env_int("DEMOS_MAX_QUEUED", 20)
DEMOS_RUNS_PER_MINUTE = env_int("DEMOS_RUNS_PER_MINUTE", 10)
# Reverse proxies in front of the web servers that append to X-Forwarded-For (nginx with
# `proxy_add_x_forwarded_for`, a load balancer...): the per-client demo rate limit then
# reads the client's address from that header instead of REMOTE_ADDR. 0: no proxy.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# ---- language-model FAQ (reader/faq; README "Paper FAQ") ----
# Any OpenAI-compatible endpoint: https://platform.openai.com/docs/api-reference/chat
# The feature is on only when both the endpoint and the model are set; local servers
# (vLLM, llama.cpp, Ollama) accept any API key.
LLM_BASE_URL = os.environ.get("LLM_BASE_URL", "").strip()
LLM_API_KEY = os.environ.get("LLM_API_KEY", "").strip()
LLM_MODEL = os.environ.get("LLM_MODEL", "").strip()
LLM_ENABLED = bool(LLM_BASE_URL and LLM_MODEL)
LLM_TIMEOUT = env_int("LLM_TIMEOUT", 60, minimum=1)  # seconds per request and per streamed read
LLM_MAX_RETRIES = env_int("LLM_MAX_RETRIES", 4)
LLM_MAX_TOKENS = env_int("LLM_MAX_TOKENS", 2000, minimum=1)
LLM_REQUESTS_PER_MINUTE = env_int("LLM_REQUESTS_PER_MINUTE", 30)  # whole deployment; 0: no cap
LLM_DAILY_TOKENS = env_int("LLM_DAILY_TOKENS", 2_000_000)  # prompt + answer, UTC day; 0: no cap
LLM_FAQS_PER_MINUTE = env_int("LLM_FAQS_PER_MINUTE", 10)  # per client, like DEMOS_RUNS_PER_MINUTE
LLM_MAX_QUEUED = env_int("LLM_MAX_QUEUED", 200)
LLM_STREAM = env_bool("LLM_STREAM", True)
LLM_STREAM_USAGE = env_bool("LLM_STREAM_USAGE", True)  # 0 for servers refusing stream_options
LLM_FULL_TEXT = env_bool("LLM_FULL_TEXT", False)
LLM_FULL_TEXT_CHARS = env_int("LLM_FULL_TEXT_CHARS", 60_000, minimum=1000)
LLM_PREGENERATE_CATEGORIES = env_list("LLM_PREGENERATE_CATEGORIES")
LLM_PREGENERATE_LANGS = env_list("LLM_PREGENERATE_LANGS", "en")
# arXiv's HTML rendering of a paper (https://info.arxiv.org/about/accessible_HTML.html).
ARXIV_HTML_URL = os.environ.get("ARXIV_HTML_URL", "https://arxiv.org/html")
CELERY_TASK_ROUTES["reader.faq.tasks.faq_generate_task"] = {"queue": "llm"}
# https://crontab.guru/#*/5_*_*_*_*
CELERY_BEAT_SCHEDULE["faqs-fail-stale"] = {
    "task": "reader.faq.tasks.faqs_fail_stale_task",
    "schedule": crontab(minute="*/5"),
}
if LLM_ENABLED and LLM_PREGENERATE_CATEGORIES:
    # After the evening ingest (20:45 ET): https://crontab.guru/#30_21_*_*_0-4
    CELERY_BEAT_SCHEDULE["faqs-pregenerate"] = {
        "task": "reader.faq.tasks.faqs_pregenerate_task",
        "schedule": crontab(minute=30, hour=21, day_of_week="0-4"),
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Correct 400s (DisallowedHost, RequestDataTooBig, ...) log one WARNING line, no traceback.
    "filters": {"client_errors": {"()": "reader.logfilters.ClientErrorsOneLine"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
