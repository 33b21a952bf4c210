"""Imported only by a test worker (``celery worker --include``): registers the test-only demos."""

from demos.base import register
from tests.demos.platform.slow_demo import SlowDemo

register(SlowDemo)
