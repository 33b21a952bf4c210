"""A scripted loopback HTTP server standing in for arXiv in tests."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Replay:
    """A scripted loopback server: each request pops the next (status, headers, body|None)."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[tuple[float, str, str]] = []
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                replay.requests.append(
                    (time.monotonic(), self.path, self.headers.get("User-Agent", ""))
                )
                status, headers, body = replay.script.pop(0)
                if body is None:  # a dropped connection
                    self.connection.shutdown(2)
                    self.close_connection = True
                    return
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
