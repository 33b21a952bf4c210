"""Fixtures for FAQ tests: the loopback OpenAI-compatible server and LLM settings pointing at it."""

import pytest

from tests.llm_server import LlmServer


@pytest.fixture
def llm_server():
    """start(script, default=None) runs an LlmServer; all are shut down after the test."""
    servers = []

    def start(script=(), default=None, model="test-model"):
        server = LlmServer(script, default=default, model=model)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def llm_settings(settings):
    """configure(server) points the FAQ settings at a loopback server (feature on)."""

    def configure(server, **extra):
        settings.LLM_BASE_URL = server.url
        settings.LLM_MODEL = "test-model"
        settings.LLM_API_KEY = "test-key"
        settings.LLM_ENABLED = True
        settings.LLM_MAX_RETRIES = 3
        settings.LLM_TIMEOUT = 5
        settings.LLM_STREAM = True
        settings.LLM_DAILY_TOKENS = 0
        settings.LLM_REQUESTS_PER_MINUTE = 0
        for key, value in extra.items():
            setattr(settings, key, value)
        return settings

    return configure


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the (locmem) cache: start every test from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
