"""A scripted loopback OpenAI-compatible server (POST /v1/chat/completions) for FAQ tests.

Each request pops the next step of the script (or repeats `default` when the script is empty):

- ``answer(tokens, finish="stop", delay=0.0, usage=True)``: the tokens as an SSE stream when
  the request asks for ``stream``, else one JSON completion; ``delay`` seconds between tokens;
- ``error(status, message, headers)``: an OpenAI-style error body;
- ``cut(tokens)``: a stream that drops the connection after these tokens.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def answer(tokens, finish="stop", delay=0.0, usage=True) -> dict:
    """A scripted successful answer made of `tokens`."""
    return {
        "kind": "answer",
        "tokens": list(tokens),
        "finish": finish,
        "delay": delay,
        "usage": usage,
    }


def error(status: int, message: str = "scripted error", headers: dict | None = None) -> dict:
    """A scripted HTTP error with an OpenAI-style body."""
    return {"kind": "error", "status": status, "message": message, "headers": headers or {}}


def cut(tokens) -> dict:
    """A stream that breaks after `tokens` (no finish, no [DONE])."""
    return {"kind": "cut", "tokens": list(tokens)}


def words(text: str) -> list[str]:
    """Split text into word-ish tokens that join back to exactly `text`."""
    out, current = [], ""
    for ch in text:
        current += ch
        if ch in " \n":
            out.append(current)
            current = ""
    if current:
        out.append(current)
    return out


class LlmServer:
    """The server; `requests` records (time, path, headers, JSON body) of every request."""

    def __init__(self, script=(), default: dict | None = None, model: str = "test-model"):
        self.script = list(script)
        self.default = default
        self.model = model
        self.requests: list[tuple[float, str, dict, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                try:
                    self._handle()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append((time.monotonic(), self.path, dict(self.headers), body))
                if not self.path.endswith("/chat/completions"):
                    return self._json(404, {"error": {"message": f"no route {self.path}"}})
                if server.model and body.get("model") != server.model:
                    message = f"The model `{body.get('model')}` does not exist"
                    return self._json(
                        404, {"error": {"message": message, "code": "model_not_found"}}
                    )
                step = server.script.pop(0) if server.script else server.default
                if step is None:
                    return self._json(500, {"error": {"message": "script exhausted"}})
                if step["kind"] == "error":
                    payload = {"error": {"message": step["message"], "type": "scripted"}}
                    return self._json(step["status"], payload, step["headers"])
                if body.get("stream"):
                    return self._stream(step, body)
                text = "".join(step["tokens"])
                payload = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": step["finish"],
                        }
                    ],
                    "usage": {
                        "prompt_tokens": 100,
                        "completion_tokens": len(step["tokens"]),
                        "total_tokens": 100 + len(step["tokens"]),
                    },
                }
                return self._json(200, payload)

            def _json(self, status, payload, headers=None):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _event(self, payload) -> None:
                data = b"data: " + json.dumps(payload).encode() + b"\n\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            def _chunk(self, body, delta, finish=None):
                return {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": body.get("model"),
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }

            def _stream(self, step, body):
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._event(self._chunk(body, {"role": "assistant", "content": ""}))
                for token in step["tokens"]:
                    if step.get("delay"):
                        time.sleep(step["delay"])
                    self._event(self._chunk(body, {"content": token}))
                if step["kind"] == "cut":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self._event(self._chunk(body, {}, step["finish"]))
                options = body.get("stream_options") or {}
                if step.get("usage") and options.get("include_usage"):
                    usage = {
                        "prompt_tokens": 100,
                        "completion_tokens": len(step["tokens"]),
                        "total_tokens": 100 + len(step["tokens"]),
                    }
                    self._event({**self._chunk(body, {}), "choices": [], "usage": usage})
                done = b"data: [DONE]\n\n"
                self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(done), done))
                self.wfile.flush()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()
