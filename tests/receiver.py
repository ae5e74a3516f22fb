"""A local HTTP receiver of webhooks (prompt webhooks, alert notifications) that checks their signatures."""

import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson


class Receiver:
    """An HTTP server answering each POST with the next planned status (then 200), recording what came."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"at": time.monotonic(), "headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                reply = b'{"received": true}' if status < 300 else b"receiver is down"
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/aistrale"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verified(self, secret: str) -> list[dict]:
        """Each received document whose signature header matches the HMAC-SHA256 of its raw body."""
        documents = []
        for request in self.requests:
            expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
            assert hmac.compare_digest(request["headers"]["X-Aistrale-Signature"], expected)
            documents.append(orjson.loads(request["body"]))
        return documents

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def receivers(settings):
    """The body of a `receiver` fixture: private URLs allowed, every server made closed at the end."""
    settings.AISTRALE_WEBHOOK_ALLOW_PRIVATE_URLS = True
    servers = []

    def make(statuses=()):
        servers.append(Receiver(statuses))
        return servers[-1]

    yield make
    for server in servers:
        server.close()
