"""Settings come from the environment; production refuses to start without a secret."""

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT


def _clean_env() -> dict:
    """This process's environment without the settings' own variables."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_"))
    }


def load_settings(env: dict) -> subprocess.CompletedProcess:
    base = _clean_env()
    code = (
        "import reader.settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG, s.ARXIV_CATEGORIES)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_secret_key():
    proc = load_settings({"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "example.org"})
    assert proc.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in proc.stderr


def test_production_requires_allowed_hosts():
    proc = load_settings({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50})
    assert proc.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is required" in proc.stderr


def test_embedded_defaults_are_sqlite_and_filesystem_broker():
    proc = load_settings(
        {"DJANGO_DEBUG": "1", "READER_DATA_DIR": str(REPO_ROOT / "var/test-settings")}
    )
    assert proc.returncode == 0, proc.stderr
    engine, broker, debug, cats = proc.stdout.split(" ", 3)
    assert engine == "django.db.backends.sqlite3"
    assert broker == "filesystem://localhost/"
    assert debug == "True"
    assert cats.strip() == "['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'stat.ML']"


def test_embedded_broker_connects_without_alarming_logs(tmp_path):
    """kombu warned "No hostname was supplied" in every process for `filesystem://`."""
    base = _clean_env()
    code = (
        "import logging, django; logging.basicConfig(level=logging.INFO);"
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'reader.settings');"
        "django.setup(); from reader.celery import app;"
        "c = app.connection_for_write(); c.ensure_connection(max_retries=1);"
        "print(c.as_uri()); c.release()"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**base, "DJANGO_DEBUG": "1", "READER_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().startswith("filesystem://")
    assert "WARNING" not in proc.stderr and "hostname" not in proc.stderr, proc.stderr


def test_urls_select_postgres_redis_and_categories():
    proc = load_settings(
        {
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": "postgres://u:p@db.example:5432/reader",
            "CELERY_BROKER_URL": "redis://cache.example:6379/0",
            "ARXIV_CATEGORIES": "hep-th math.NA",
        }
    )
    assert proc.returncode == 0, proc.stderr
    engine, broker, _debug, cats = proc.stdout.split(" ", 3)
    assert engine == "django.db.backends.postgresql"
    assert broker == "redis://cache.example:6379/0"
    assert cats.strip() == "['hep-th', 'math.NA']"


def test_a_number_setting_that_is_not_a_number_is_a_clear_error():
    proc = load_settings({"DJANGO_DEBUG": "1", "TRUSTED_PROXY_COUNT": "two"})
    assert proc.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be a whole number >= 0, not 'two'" in proc.stderr
    proc = load_settings({"DJANGO_DEBUG": "1", "DEMOS_RUNS_PER_MINUTE": "-3"})
    assert "DEMOS_RUNS_PER_MINUTE must be a whole number >= 0, not '-3'" in proc.stderr
