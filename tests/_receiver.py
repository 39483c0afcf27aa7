"""A webhook receiver written from the contract alone (extension 1.4, Events).

It checks each request's signature (``X-Signature: sha256=<HMAC-SHA256 of
"<X-Timestamp>.<raw body>">`` with the endpoint's outbound secret) and that
``X-Event-Id`` is the body's id, and dedupes on the event id: an event seen
before is answered 2xx again and counted as a resend, not processed. It can
go down (nothing listens on its port: connections are refused) and come
back on the same port. No Odoo import: the benchmark uses it too.
"""

import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ContractReceiver:
    def __init__(self, secret, port=None):
        self.secret = secret
        self.port = port or free_port()
        self.lock = threading.Lock()
        self.events = []  # event documents, in the order they were first received
        self.arrivals = []  # time.monotonic() of each first reception
        self.seen = set()
        self.resends = 0  # deliveries of an event already processed (at least once allows them)
        self.refused = []  # requests whose signature or id did not check
        self.server = None
        self.thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks"

    def verify(self, headers, body):
        timestamp = headers.get("X-Timestamp") or ""
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        return hmac.compare_digest(headers.get("X-Signature") or "", f"sha256={expected.hexdigest()}")

    def handle(self, headers, body):
        """The status to answer one request with."""
        if not self.verify(headers, body):
            self.refused.append(("signature", headers.get("X-Event-Id")))
            return 401
        document = json.loads(body)
        event_id = headers.get("X-Event-Id")
        if event_id != document.get("id"):
            self.refused.append(("event id", event_id, document.get("id")))
            return 400
        with self.lock:
            if event_id in self.seen:
                self.resends += 1
            else:
                self.seen.add(event_id)
                self.events.append(document)
                self.arrivals.append(time.monotonic())
        return 200

    def up(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.handle(self.headers, body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def down(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def count(self):
        with self.lock:
            return len(self.events)
