"""A real webhook receiver on a free loopback port: it records every request, verifies its
signature with the documented scheme, and answers as the test scripts it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from storefront.outbound import verify_signature


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool


@dataclass
class Receiver:
    url: str
    secret: str = ""
    # What to answer, in turn: a status code, or ("hang", seconds) to answer 200 that late.
    # The last entry repeats once the script runs out.
    script: list[int | tuple[str, float]] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(self, count: int, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        raise AssertionError(f"{count} request(s) expected, {len(self.requests)} arrived")


@contextmanager
def receiver(path: str = "/hooks") -> Iterator[Receiver]:
    """Serve a receiver for the block (its `url` ends with `path`)."""
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server names it
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with state.lock:
                ok = verify_signature(
                    state.secret, self.headers.get("Storefront-Signature", ""), body
                )
                state.requests.append(Received(self.path, dict(self.headers), body, ok))
                answer = state.script.pop(0) if len(state.script) > 1 else state.script[0]
            status = 200
            if isinstance(answer, tuple):
                time.sleep(answer[1])
            else:
                status = answer
            payload = f'{{"answer": {status}}}'.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the sender gave up waiting
                pass

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}{path}"
    try:
        yield state
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
