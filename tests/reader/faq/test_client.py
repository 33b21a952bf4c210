"""reader.faq.client against the loopback OpenAI-compatible server: streaming, errors, retries."""

import time

import pytest

from reader.faq.client import LlmClient, LlmConfig, LlmConfigError, LlmUnavailable
from tests.llm_server import answer, cut, error, words

MESSAGES = [{"role": "user", "content": "hi"}]


def _client(server, sleeps=None, **config):
    cfg = {"base_url": server.url, "model": "test-model", "api_key": "k", "timeout": 5.0, **config}
    return LlmClient(
        LlmConfig(**cfg),
        sleep=(sleeps.append if sleeps is not None else time.sleep),
        rng=lambda: 0.5,
    )


def test_streams_deltas_in_order_with_usage(llm_server):
    text = "### Problem\n\nWe study $x^2$ and \\(y\\).\n"
    server = llm_server([answer(words(text))])
    pieces = []
    result = _client(server).complete(MESSAGES, max_tokens=50, on_delta=pieces.append)
    assert result.text == text == "".join(pieces)
    assert len(pieces) == len(words(text)) and result.finish_reason == "stop"
    assert result.usage_reported and result.prompt_tokens == 100
    assert result.completion_tokens == len(words(text)) and not result.truncated
    _t, path, headers, body = server.requests[0]
    assert path == "/v1/chat/completions" and body["stream"] is True
    assert body["max_tokens"] == 50 and body["model"] == "test-model"
    assert {k.lower(): v for k, v in headers.items()}["authorization"] == "Bearer k"


def test_non_streaming_answer(llm_server):
    server = llm_server([answer(["a ", "b"])])
    pieces = []
    result = _client(server, stream=False).complete(MESSAGES, max_tokens=5, on_delta=pieces.append)
    assert result.text == "a b" and pieces == ["a b"] and result.completion_tokens == 2
    assert "stream" not in server.requests[0][3] or not server.requests[0][3]["stream"]


def test_length_finish_marks_truncated_and_content_filter_is_reported(llm_server):
    server = llm_server(
        [answer(["cut ", "here"], finish="length"), answer(["x"], finish="content_filter")]
    )
    client = _client(server)
    assert client.complete(MESSAGES, max_tokens=2).truncated
    filtered = client.complete(MESSAGES, max_tokens=2)
    assert filtered.finish_reason == "content_filter" and not filtered.truncated


def test_429_waits_for_retry_after_then_succeeds(llm_server):
    server = llm_server([error(429, "slow down", {"Retry-After": "7"}), answer(["ok"])])
    sleeps = []
    result = _client(server, sleeps).complete(MESSAGES, max_tokens=5)
    assert result.text == "ok" and result.attempts == 2
    assert sleeps == [7.0]  # the header, not our back-off


def test_500_and_dropped_stream_retry_with_backoff_and_restart(llm_server):
    server = llm_server([error(500), cut(["half ", "an "]), answer(["whole"])])
    sleeps, pieces, restarts = [], [], []
    result = _client(server, sleeps, backoff=2.0).complete(
        MESSAGES, max_tokens=5, on_delta=pieces.append, on_restart=lambda: restarts.append(1)
    )
    assert result.text == "whole" and result.attempts == 3
    assert sleeps == [2.0, 4.0]  # backoff * 2**attempt * (0.5 + rng)
    assert len(restarts) == 2 and pieces[-1] == "whole" and "half " in pieces


def test_5xx_gives_up_after_max_retries(llm_server):
    server = llm_server(default=error(503, "overloaded"))
    with pytest.raises(LlmUnavailable, match="failed 3 times; last: HTTP 503: overloaded"):
        _client(server, [], max_retries=2).complete(MESSAGES, max_tokens=5)
    assert len(server.requests) == 3


def test_connection_refused_is_retried_then_unavailable(llm_server):
    server = llm_server()
    url = server.url
    server.close()
    client = _client(type("S", (), {"url": url})(), [], max_retries=1)
    with pytest.raises(LlmUnavailable, match="APIConnectionError"):
        client.complete(MESSAGES, max_tokens=5)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, "refused the API key \\(HTTP 401\\): check LLM_API_KEY"),
        (403, "denied access \\(HTTP 403\\)"),
        (400, "refused the request \\(HTTP 400\\)"),
    ],
)
def test_auth_and_bad_request_fail_at_once(llm_server, status, expected):
    server = llm_server([error(status, "nope"), answer(["never"])])
    sleeps = []
    with pytest.raises(LlmConfigError, match=expected):
        _client(server, sleeps).complete(MESSAGES, max_tokens=5)
    assert len(server.requests) == 1 and sleeps == []


def test_unknown_model_names_model_and_setting(llm_server):
    server = llm_server([answer(["x"])], model="the-real-model")
    with pytest.raises(LlmConfigError, match="model 'test-model' not found at .*check LLM_MODEL"):
        _client(server, []).complete(MESSAGES, max_tokens=5)


def test_slow_tokens_past_the_timeout_are_a_retryable_failure(llm_server):
    server = llm_server(default=answer(["a", "b"], delay=1.5))
    with pytest.raises(LlmUnavailable, match="APITimeoutError|APIConnectionError"):
        _client(server, [], timeout=0.5, max_retries=1).complete(MESSAGES, max_tokens=5)


def test_retry_after_too_long_gives_up_at_once(llm_server):
    server = llm_server([error(429, "daily quota", {"Retry-After": "3600"})])
    with pytest.raises(LlmUnavailable, match="asked us to wait 3600 s"):
        _client(server, []).complete(MESSAGES, max_tokens=5)


def test_missing_settings_refused():
    with pytest.raises(LlmConfigError, match="LLM_BASE_URL and LLM_MODEL"):
        LlmClient(LlmConfig(base_url="", model=""))


def test_usage_option_can_be_left_out_and_tokens_are_then_counted(llm_server):
    server = llm_server([answer(["a ", "b ", "c"])])
    result = _client(server, stream_usage=False).complete(MESSAGES, max_tokens=5)
    assert "stream_options" not in server.requests[0][3]
    assert result.completion_tokens == 3 and not result.usage_reported
