"""Test overlay: a test secret, eager Celery, locmem cache; everything else from settings."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")

from reader.settings import *  # noqa: E402,F403

CELERY_TASK_ALWAYS_EAGER = not os.environ.get("READER_TEST_REAL_CELERY")
CELERY_TASK_EAGER_PROPAGATES = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMOS_SIZES = ["smoke"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ARXIV_MIN_INTERVAL = 0.0

if DATABASE_IS_SQLITE:  # noqa: F405
    # A file, not pytest-django's shared-cache in-memory database: live-server tests read while
    # another thread writes, and shared-cache memory databases answer that with "table is
    # locked" at once instead of honouring WAL and the busy timeout as the real file does.
    DATABASES["default"]["TEST"] = {"NAME": str(READER_DATA_DIR / "test-db.sqlite3")}  # noqa: F405
