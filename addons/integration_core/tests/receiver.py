"""A webhook receiver on a local port, for the delivery tests: it records what it gets and answers
what the test tells it to, as a receiver built from the contract would."""

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.received = []  # (headers, body bytes) of every request, in arrival order
        self.answers = []  # statuses to answer next, one per request; 200 once empty
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((dict(self.headers), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": %s}' % (b"true" if status < 300 else b"false"))

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self):
        return [json.loads(body) for _headers, body in self.received]

    @staticmethod
    def verify(secret, headers, body):
        expected = hmac.new(
            secret.encode(), headers["X-Timestamp"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(headers["X-Signature"], f"sha256={expected}")


def closed_port_url():
    """An address nobody listens on: a receiver that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks"
