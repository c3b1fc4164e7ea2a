"""A demo webhook receiver for sigflow's `webhook` sink (deploy/compose).

It does what docs/sinks.md asks of a receiver: it checks `X-Sigflow-Signature:
t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with the shared secret before reading the
body, refuses requests older than five minutes, acknowledges a repeated `Idempotency-Key`
without processing it again, and prints one line per alert.

Answers: 200 accepted (or a repeat), 401 bad or missing signature, 400 not JSON, 413 too large.
sigflow retries 5xx and 429 and dead-letters other 4xx, so a 401 here shows up as a dead letter
with reason http_401 (`sigflow outbox list`).

Standard library only: python3 receiver.py, with WEBHOOK_SECRET set (PORT defaults to 8080).
"""

import collections
import hashlib
import hmac
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 1 << 20
REMEMBERED_KEYS = 10_000


def signature_error(header: str, body: bytes, secret: bytes, now: float) -> str | None:
    """Why the signature is not acceptable, or None when it is."""
    try:
        parts = dict(p.strip().split("=", 1) for p in header.split(",") if p.strip())
    except ValueError:
        return "malformed X-Sigflow-Signature"
    t, v1 = parts.get("t"), parts.get("v1")
    if not t or not v1:
        return "X-Sigflow-Signature lacks t or v1"
    if not t.isdigit():
        return "t is not a Unix time"
    if abs(now - int(t)) > TOLERANCE_SECONDS:
        return "t is more than 5 minutes away (a replay, or a clock off)"
    expected = hmac.new(secret, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, v1):
        return "signature mismatch (is WEBHOOK_SECRET the same on both sides?)"
    return None


class SeenKeys:
    """The most recent idempotency keys: a retry of an accepted request is acknowledged, not redone."""

    def __init__(self, capacity: int) -> None:
        self._keys: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._keys

    def add(self, key: str) -> None:
        with self._lock:
            self._keys[key] = None
            if len(self._keys) > self._capacity:
                self._keys.popitem(last=False)


def describe(alert: dict) -> str:
    event = alert.get("event") or {}
    return (f"{alert.get('severity', '?')} {alert.get('signal', '?')} [{alert.get('rule', '?')}] "
            f"{alert.get('summary', '')} <{event.get('url', '')}>")


def make_handler(secret: bytes, seen: SeenKeys):
    class Handler(BaseHTTPRequestHandler):
        server_version = "sigflow-demo-receiver"

        def reply(self, code: int, text: str) -> None:
            data = (text + "\n").encode()
            self.send_response(code)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self.reply(200, "ok")
            else:
                self.reply(404, "POST alerts to /alerts")

        def do_POST(self) -> None:
            if self.path != "/alerts":
                self.reply(404, "POST alerts to /alerts")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                self.reply(413, "body too large")
                return
            body = self.rfile.read(length)  # the raw bytes: the signature covers them, not parsed JSON
            error = signature_error(self.headers.get("X-Sigflow-Signature", ""), body, secret, time.time())
            if error:
                print(f"refused {self.client_address[0]}: {error}", flush=True)
                self.reply(401, error)
                return
            key = self.headers.get("Idempotency-Key", "")
            if key and key in seen:
                print(f"repeat of {key}: already accepted", flush=True)
                self.reply(200, "repeat")
                return
            try:
                payload = json.loads(body)
            except ValueError as e:
                self.reply(400, f"not JSON: {e}")
                return
            # A grouped delivery (group_wait) is {"idempotency_key": ..., "alerts": [...]}.
            alerts = payload.get("alerts") if isinstance(payload, dict) and "alerts" in payload else [payload]
            for alert in alerts:
                print(describe(alert if isinstance(alert, dict) else {}), flush=True)
            if key:
                seen.add(key)
            self.reply(200, "accepted")

        def log_message(self, format: str, *args) -> None:  # one line per alert is enough
            pass

    return Handler


def main() -> int:
    secret = os.environ.get("WEBHOOK_SECRET", "").encode()
    if not secret:
        print("WEBHOOK_SECRET is not set: nothing could be verified", file=sys.stderr)
        return 2
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer(("0.0.0.0", port), make_handler(secret, SeenKeys(REMEMBERED_KEYS)))
    # As PID 1 in a container, a signal without a handler is ignored: stop on SIGTERM ourselves.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on :{port}, POST /alerts", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
