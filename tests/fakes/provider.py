"""A local fake LLM provider speaking the OpenAI (chat completions, embeddings, Azure deployments) and
Anthropic (messages) HTTP APIs, streaming included, for tests and benchmarks that drive the real SDKs.

Replies are scripted: `provider.script(Reply(...), ...)` queues replies for the next requests (any route);
when the queue is empty, `provider.responder(request) -> Reply` answers (by default an echo of the last user
message). Every request is recorded in `provider.requests` (path, headers, JSON body).
"""

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One answer: `status` != 200 sends a provider error body; `cut_after` ends a stream after N deltas."""

    text: str = "ok"
    status: int = 200
    delay: float = 0.0
    usage: tuple[int, int] = (10, 5)
    tool_call: dict | None = None
    headers: dict = field(default_factory=dict)
    error: str = "fake provider error"
    chunks: int = 1
    chunk_interval: float = 0.0
    cut_after: int | None = None
    vector: list[float] | None = None


@dataclass
class Recorded:
    path: str
    headers: dict
    body: dict


def _last_user_text(body: dict) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def echo(request: Recorded) -> Reply:
    return Reply(text=_last_user_text(request.body) or "ok")


def _pieces(text: str, count: int) -> list[str]:
    size = max(1, -(-len(text) // max(count, 1)))
    return [text[start : start + size] for start in range(0, len(text), size)] or [""]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes: with Nagle's algorithm the body waits for the client's
    # delayed ACK (~40 ms a reply on Linux), which would swamp the latencies the benchmarks script.
    disable_nagle_algorithm = True
    server: "_Server"

    def log_message(self, format, *args):
        return

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "fake"}]})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {"_raw": raw.decode(errors="replace")}
        request = Recorded(self.path, {key.lower(): value for key, value in self.headers.items()}, body)
        provider = self.server.provider
        reply = provider.next_reply(request)
        provider.record(request)
        if reply.delay:
            time.sleep(reply.delay)
        anthropic = self.path.split("?")[0].endswith("/messages")
        if reply.status != 200:
            return self._error(reply, anthropic)
        if self.path.split("?")[0].endswith("/embeddings"):
            return self._embeddings(body, reply)
        if anthropic:
            return self._anthropic_stream(body, reply) if body.get("stream") else self._anthropic(body, reply)
        return self._openai_stream(body, reply) if body.get("stream") else self._openai(body, reply)

    def _send(self, status: int, payload: bytes, content_type: str, headers: dict | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def _json(self, status: int, data: dict, headers: dict | None = None):
        self._send(status, json.dumps(data).encode(), "application/json", headers)

    def _error(self, reply: Reply, anthropic: bool):
        headers = {"retry-after-ms": "10", **reply.headers} if reply.status == 429 else reply.headers
        if anthropic:
            kind = {401: "authentication_error", 429: "rate_limit_error", 400: "invalid_request_error"}
            body = {"type": "error", "error": {"type": kind.get(reply.status, "api_error"), "message": reply.error}}
        else:
            body = {"error": {"message": reply.error, "type": "fake_error", "code": str(reply.status)}}
        self._json(reply.status, body, headers)

    def _openai_message(self, reply: Reply) -> dict:
        if reply.tool_call:
            call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": reply.tool_call["name"], "arguments": json.dumps(reply.tool_call["arguments"])},
            }
            return {"role": "assistant", "content": None, "tool_calls": [call]}
        return {"role": "assistant", "content": reply.text}

    def _openai(self, body: dict, reply: Reply):
        prompt, completion = reply.usage
        self._json(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "fake-model"),
                "choices": [
                    {
                        "index": 0,
                        "message": self._openai_message(reply),
                        "finish_reason": "tool_calls" if reply.tool_call else "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            },
            reply.headers,
        )

    def _start_events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True

    def _event(self, data: str, event: str | None = None):
        prefix = f"event: {event}\n" if event else ""
        payload = f"{prefix}data: {data}\n\n".encode()
        self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
        self.wfile.flush()

    def _end_events(self):
        """The last chunk; a stream cut mid-way never sends it, so clients see an incomplete body."""
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _deltas(self, reply: Reply):
        for position, piece in enumerate(_pieces(reply.text, reply.chunks)):
            if reply.cut_after is not None and position >= reply.cut_after:
                return
            if position and reply.chunk_interval:
                time.sleep(reply.chunk_interval)
            yield piece

    def _openai_stream(self, body: dict, reply: Reply):
        self._start_events()
        model = body.get("model", "fake-model")

        def chunk(delta: dict, finish=None, usage=None, choices=True):
            data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model}
            data["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}] if choices else []
            if usage is not None:
                data["usage"] = usage
            self._event(json.dumps(data))

        chunk({"role": "assistant", "content": ""})
        for piece in self._deltas(reply):
            chunk({"content": piece})
        if reply.cut_after is not None:
            return
        chunk({}, finish="stop")
        if (body.get("stream_options") or {}).get("include_usage"):
            prompt, completion = reply.usage
            usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
            chunk({}, usage=usage, choices=False)
        self._event("[DONE]")
        self._end_events()

    def _anthropic_content(self, reply: Reply) -> list[dict]:
        if reply.tool_call:
            return [{"type": "tool_use", "id": "toolu_1", **reply.tool_call, "input": reply.tool_call["arguments"]}]
        return [{"type": "text", "text": reply.text}]

    def _anthropic(self, body: dict, reply: Reply):
        content = [
            {key: value for key, value in block.items() if key != "arguments"}
            for block in self._anthropic_content(reply)
        ]
        prompt, completion = reply.usage
        self._json(
            200,
            {
                "id": "msg_fake",
                "type": "message",
                "role": "assistant",
                "model": body.get("model", "fake-model"),
                "content": content,
                "stop_reason": "tool_use" if reply.tool_call else "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": prompt, "output_tokens": completion},
            },
            reply.headers,
        )

    def _anthropic_stream(self, body: dict, reply: Reply):
        self._start_events()
        prompt, completion = reply.usage
        message = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "fake-model"),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": 0},
        }
        self._event(json.dumps({"type": "message_start", "message": message}), "message_start")
        block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        self._event(json.dumps(block), "content_block_start")
        for piece in self._deltas(reply):
            delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
            self._event(json.dumps(delta), "content_block_delta")
        if reply.cut_after is not None:
            return
        self._event(json.dumps({"type": "content_block_stop", "index": 0}), "content_block_stop")
        ending = {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": completion},
        }
        self._event(json.dumps(ending), "message_delta")
        self._event(json.dumps({"type": "message_stop"}), "message_stop")
        self._end_events()

    def _embeddings(self, body: dict, reply: Reply):
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts or []
        vectors = [reply.vector or self.server.provider.embedding(text) for text in texts]
        data = [{"object": "embedding", "index": index, "embedding": vector} for index, vector in enumerate(vectors)]
        tokens = sum(len(str(text).split()) for text in texts)
        self._json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model", "fake-embedding"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    provider: "FakeProvider"


class FakeProvider:
    """Start with `start()` (or as a context manager); `url` is the base URL (`…/v1` for the OpenAI SDK)."""

    def __init__(self, responder: Callable[[Recorded], Reply] = echo):
        self.responder = responder
        self.requests: list[Recorded] = []
        self.embeddings: dict[str, list[float]] = {}
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: _Server | None = None

    def start(self) -> "FakeProvider":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.provider = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return f"{self.base_url}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def next_reply(self, request: Recorded) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self.responder(request)

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def embedding(self, text: str) -> list[float]:
        """The vector set for this text (`embeddings[text] = [...]`), else one derived from its letters."""
        if text in self.embeddings:
            return self.embeddings[text]
        counts = [0.0] * 26
        for letter in str(text).lower():
            if "a" <= letter <= "z":
                counts[ord(letter) - 97] += 1
        return counts
