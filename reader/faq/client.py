"""Chat completions from any OpenAI-compatible endpoint, streamed, with our own retry policy.

Pure (the official `openai` client, no Django): the Django side passes the settings and a
`slot` context manager that spaces requests across the deployment (LLM_REQUESTS_PER_MINUTE).
The client's own retries are off so that one policy decides: 429 waits for Retry-After, 5xx,
timeouts and dropped connections back off exponentially with jitter, and 401/403, an unknown
model or a refused request fail at once with a message an operator can act on.
"""

import logging
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import openai

logger = logging.getLogger(__name__)

TRANSIENT_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529}
MAX_RETRY_AFTER_S = 300.0


class LlmError(Exception):
    """The answer could not be produced; the message is meant for the operator and the page."""


class LlmConfigError(LlmError):
    """The endpoint refused us for a reason retrying cannot fix (key, model, request)."""


class LlmUnavailable(LlmError):
    """The endpoint kept failing (5xx, 429, timeouts) after every retry."""


@dataclass(frozen=True)
class LlmConfig:
    """Where and how to ask: endpoint, key, model and limits (from Django settings or a test)."""

    base_url: str
    model: str
    api_key: str = ""
    timeout: float = 60.0
    max_retries: int = 4
    backoff: float = 2.0
    stream: bool = True
    stream_usage: bool = True  # ask for token counts in the stream (stream_options)


@dataclass
class Completion:
    """What came back: the text, why it stopped, and token counts (estimated when not sent)."""

    text: str = ""
    finish_reason: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usage_reported: bool = False
    attempts: int = 0
    chunks: int = field(default=0, repr=False)

    @property
    def truncated(self) -> bool:
        """True when the model stopped at the token limit."""
        return self.finish_reason == "length"


def _retry_after(exc: openai.APIStatusError) -> float | None:
    """Seconds from a Retry-After (or retry-after-ms) header, None when absent or unreadable."""
    headers = exc.response.headers if exc.response is not None else {}
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return float(raw_ms) / 1000
        except ValueError:
            pass
    from email.utils import parsedate_to_datetime

    raw = (headers.get("retry-after") or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _short(exc: Exception) -> str:
    """The endpoint's own error message, one line, capped."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = body["error"]
    message = body.get("message") if isinstance(body, dict) else None
    message = message or getattr(exc, "message", None) or str(exc)
    return " ".join(str(message).split())[:300]


class LlmClient:
    """Streams one chat completion at a time, reporting the text as it grows."""

    def __init__(
        self,
        config: LlmConfig,
        *,
        slot: Callable[[], AbstractContextManager] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ):
        if not config.base_url or not config.model:
            raise LlmConfigError("LLM_BASE_URL and LLM_MODEL must both be set")
        self.config = config
        self.slot = slot or nullcontext
        self.sleep = sleep
        self.rng = rng
        # Local servers ignore the key, but the client insists on one.
        self._api = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "not-needed",
            timeout=openai.Timeout(config.timeout, connect=min(10.0, config.timeout)),
            max_retries=0,
        )

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        on_delta: Callable[[str], None] | None = None,
        on_restart: Callable[[], None] | None = None,
    ) -> Completion:
        """Ask for one answer; `on_delta(text)` receives each piece as it streams in.

        A retry after a partial stream starts the answer again: `on_restart()` comes first.
        """
        last = "no attempt made"
        for attempt in range(self.config.max_retries + 1):
            delay: float | None = None
            if attempt and on_restart:
                on_restart()
            try:
                with self.slot():
                    result = self._attempt(messages, max_tokens=max_tokens, on_delta=on_delta)
                result.attempts = attempt + 1
                return result
            except openai.AuthenticationError as exc:
                raise LlmConfigError(
                    f"{self.config.base_url} refused the API key (HTTP 401): check LLM_API_KEY. "
                    f"The endpoint said: {_short(exc)}"
                ) from exc
            except openai.PermissionDeniedError as exc:
                raise LlmConfigError(
                    f"{self.config.base_url} denied access (HTTP 403) to model "
                    f"{self.config.model!r}: check LLM_API_KEY's permissions. "
                    f"The endpoint said: {_short(exc)}"
                ) from exc
            except openai.NotFoundError as exc:
                raise LlmConfigError(
                    f"model {self.config.model!r} not found at {self.config.base_url} (HTTP 404): "
                    f"check LLM_MODEL and LLM_BASE_URL (it usually ends in /v1). "
                    f"The endpoint said: {_short(exc)}"
                ) from exc
            except openai.APIStatusError as exc:
                if exc.status_code not in TRANSIENT_STATUS:
                    raise LlmConfigError(
                        f"{self.config.base_url} refused the request (HTTP {exc.status_code}): "
                        f"{_short(exc)}"
                    ) from exc
                last = f"HTTP {exc.status_code}: {_short(exc)}"
                delay = _retry_after(exc)
                if delay is not None and delay > MAX_RETRY_AFTER_S:
                    raise LlmUnavailable(
                        f"{self.config.base_url} asked us to wait {delay:.0f} s ({last})"
                    ) from exc
            except (openai.APIConnectionError, openai.APIResponseValidationError) as exc:
                # APITimeoutError is an APIConnectionError; a stream cut mid-way lands here too.
                last = f"{type(exc).__name__}: {_short(exc)}"
            if attempt == self.config.max_retries:
                break
            if delay is None:
                delay = self.config.backoff * 2**attempt * (0.5 + self.rng())
            logger.warning("LLM request failed (%s); retrying in %.1f s", last, delay)
            self.sleep(delay)
        raise LlmUnavailable(
            f"{self.config.base_url} failed {self.config.max_retries + 1} times; last: {last}"
        )

    def _attempt(self, messages, *, max_tokens: int, on_delta) -> Completion:
        kwargs = {"model": self.config.model, "messages": messages, "max_tokens": max_tokens}
        if not self.config.stream:
            response = self._api.chat.completions.create(**kwargs)
            choice = response.choices[0] if response.choices else None
            text = (choice.message.content or "") if choice else ""
            out = Completion(
                text=text, finish_reason=(choice.finish_reason or "") if choice else ""
            )
            _set_usage(out, response.usage)
            out.chunks = 1 if text else 0
            if on_delta and text:
                on_delta(text)
            return out
        if self.config.stream_usage:
            kwargs["stream_options"] = {"include_usage": True}
        stream = self._api.chat.completions.create(stream=True, **kwargs)
        out = Completion()
        parts: list[str] = []
        try:
            for chunk in stream:
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    _set_usage(out, usage)
                for choice in chunk.choices or ():
                    delta = getattr(choice.delta, "content", None) if choice.delta else None
                    if delta:
                        parts.append(delta)
                        out.chunks += 1
                        if on_delta:
                            on_delta(delta)
                    if choice.finish_reason:
                        out.finish_reason = choice.finish_reason
        finally:
            stream.close()
        out.text = "".join(parts)
        if not out.usage_reported:
            out.completion_tokens = out.chunks  # servers send about one token per chunk
        return out


def _set_usage(out: Completion, usage) -> None:
    if usage is None:
        return
    out.prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
    out.completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
    out.usage_reported = True
