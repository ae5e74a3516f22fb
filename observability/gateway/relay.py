"""Streamed answers relayed on one event loop per process: a thread of its own reads every stream's provider
connection and writes the caller's, so the request threads do no per-event work and do not wake per event.

The request thread opens the stream (urllib3, failover included) and hands the response's connection to the
loop. Under gunicorn the loop also writes to the caller's socket (`gunicorn.socket` in the WSGI environ): the
request's response iterator lets gunicorn send the head, waits until the loop has written the body, and gunicorn
ends it (the last chunk, keep-alive). Other servers get the loop's output through a queue the iterator yields
from. A stream that ends cleanly gives its provider connection back to the pool; one that breaks closes it.
This reads two urllib3 internals: the response's buffered reader (`_fp.fp`, whose unread bytes the loop takes
over) and the httplib response (`_original_response`, closed as urllib3 closes it at a body's end).
"""

import asyncio
import logging
import os
import queue
import socket
import ssl
import threading
import time

import urllib3
from django.conf import settings
from django.utils import timezone

from observability.gateway.framing import Events, Framing, FramingError
from observability.gateway.tracing import Attempt, Call, call_trace_queue

logger = logging.getLogger(__name__)
READ_SIZE = 65536
CLIENT_CLOSED = "the client closed the stream"
_WOULD_BLOCK = (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError)
_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def relay_loop() -> asyncio.AbstractEventLoop:
    """This process's relay loop, started on first use."""
    global _loop
    with _loop_lock:
        if _loop is None:
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="gateway-relay", daemon=True).start()
        return _loop


def _forget_loop() -> None:
    global _loop
    _loop = None


os.register_at_fork(after_in_child=_forget_loop)


class Collected:
    """What the request thread reads before the loop takes over: the stream's first events."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> bool:
        self.parts.append(data)
        return True

    def close(self) -> None:
        pass

    def take(self) -> bytes:
        parts, self.parts = self.parts, []
        return b"".join(parts)


class QueueSink:
    """The loop's output for a request thread to yield (servers that keep the caller's socket to themselves)."""

    def __init__(self):
        self.queue: queue.SimpleQueue = queue.SimpleQueue()

    def write(self, data: bytes) -> bool:
        self.queue.put(data)
        return True

    def close(self) -> None:
        self.queue.put(None)


class SocketSink:
    """Writes to the caller's socket from the loop (in HTTP/1.1 chunks when `chunked`); `done` is set once all
    is written or the caller is gone, with the socket as gunicorn left it."""

    def __init__(self, sock: socket.socket, *, chunked: bool):
        self.sock, self.chunked = sock, chunked
        self.done = threading.Event()
        self.pending = bytearray()
        self.broken = self.closing = False
        self.saved_timeout = sock.gettimeout()
        self.loop: asyncio.AbstractEventLoop | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.sock.setblocking(False)

    def write(self, data: bytes) -> bool:
        """Queue `data` for the caller; False once the caller is gone."""
        if self.broken:
            return False
        frame = b"%X\r\n%b\r\n" % (len(data), data) if self.chunked else data
        if self.pending:
            self.pending += frame
            return True
        try:
            sent = self.sock.send(frame)
        except _WOULD_BLOCK:
            sent = 0
        except OSError:
            self._finish(broken=True)
            return False
        if sent < len(frame):
            self.pending += frame[sent:]
            self.loop.add_writer(self.sock, self._writable)
        return True

    def _writable(self) -> None:
        try:
            sent = self.sock.send(self.pending)
        except _WOULD_BLOCK:
            return
        except OSError:
            self._finish(broken=True)
            return
        del self.pending[:sent]
        if not self.pending:
            self.loop.remove_writer(self.sock)
            if self.closing:
                self._finish()

    def close(self) -> None:
        self.closing = True
        if not self.pending:
            self._finish()

    def _finish(self, *, broken: bool = False) -> None:
        if self.done.is_set():
            return
        self.broken = self.broken or broken
        if self.pending:
            self.loop.remove_writer(self.sock)
        self.sock.settimeout(self.saved_timeout)
        self.done.set()


class Relay:
    """One stream from the provider's connection to a sink: its opening read by the request thread, the rest on
    the loop; its call goes to the trace writer when the last event (or the error) has come."""

    def __init__(self, *, call: Call, upstream: urllib3.BaseHTTPResponse, attempt: Attempt):
        self.call, self.upstream, self.attempt = call, upstream, attempt
        self.sink: Collected | QueueSink | SocketSink = Collected()
        self.events = Events(call)
        self.framing = Framing(chunked=upstream.chunked, length=upstream.length_remaining)
        self.timeout = settings.LLM_TIMEOUT_SECONDS
        self.sock: socket.socket | None = None
        self.tls = self.recorded = self.ended = False
        self.saved_timeout: float | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.last_read = 0.0

    def opening(self) -> bytes:
        """In the request thread: the stream's first events to pass on (all of it when it ends as soon)."""
        reader = self.upstream._fp.fp
        while not self.ended and not self.sink.parts:
            self._guarded(self._opening_read, reader)
        return self.sink.take()

    def _opening_read(self, reader) -> None:
        data = reader.read1(READ_SIZE)
        if data:
            self._received(data)
        else:
            self._end(None if self.framing.closed() else "the provider closed the connection mid-stream")

    def start(self, sink: QueueSink | SocketSink) -> None:
        """On the loop: take over the connection (with what its reader already buffered) and relay the rest."""
        self.loop, self.sink = asyncio.get_running_loop(), sink
        self._guarded(self._take_over)

    def _take_over(self) -> None:
        reader = self.upstream._fp.fp
        self.sock = reader.raw._sock
        self.tls = isinstance(self.sock, ssl.SSLSocket)
        self.saved_timeout = self.sock.gettimeout()
        self.sock.setblocking(False)
        if isinstance(self.sink, SocketSink):
            self.sink.start(self.loop)
        try:
            buffered = reader.peek()
        except _WOULD_BLOCK:
            buffered = b""
        reader.read(len(buffered))
        self.last_read = time.monotonic()
        self.timer = self.loop.call_later(self.timeout, self._idle_check)
        self.loop.add_reader(self.sock, self._readable)
        if buffered:
            self._received(buffered)
        if not self.ended:
            self._read()  # TLS keeps bytes it decrypted already, of which the selector says nothing

    def _guarded(self, step, *arguments) -> None:
        try:
            step(*arguments)
        except FramingError as error:
            self._end(f"the provider's stream is malformed: {error}")
        except OSError as error:
            self._end(str(error))
        except Exception as error:
            logger.exception("gateway stream relay failed")
            self._end(f"relay failed: {error!r}")

    def _readable(self) -> None:
        self._guarded(self._read)

    def _read(self) -> None:
        while not self.ended:
            try:
                data = self.sock.recv(READ_SIZE)
            except _WOULD_BLOCK:
                return
            if not data:
                self._end(None if self.framing.closed() else "the provider closed the connection mid-stream")
                return
            self._received(data)
            if len(data) < READ_SIZE and not (self.tls and self.sock.pending()):
                return

    def _received(self, data: bytes) -> None:
        if self.attempt.first_byte_at is None:
            self.attempt.first_byte_at = timezone.now()
        self.last_read = time.monotonic()
        payload = self.framing.feed(data)
        if payload:
            passed = self.events.feed(payload)
            if self.events.final and not self.recorded:
                self._record()
            if passed and not self.sink.write(passed):
                self.abort(CLIENT_CLOSED)
                return
        if self.framing.done:
            self._end()

    def _idle_check(self) -> None:
        idle = time.monotonic() - self.last_read
        if idle >= self.timeout:
            self._end(f"read timed out (no data for {self.timeout} s)")
        else:
            self.timer = self.loop.call_later(self.timeout - idle, self._idle_check)

    def _record(self, error: str | None = None) -> None:
        attempt = self.attempt
        attempt.ended_at, attempt.error, attempt.events = timezone.now(), error or attempt.error, list(self.events.seen)
        self.recorded = True
        call_trace_queue(self.call)

    def _end(self, error: str | None = None) -> None:
        """The stream is over: cleanly (None), or broken off with `error`, which the caller gets as an event."""
        if self.ended:
            return
        if error is None:
            rest = self.events.rest()
            if rest:
                self.sink.write(rest)
            if not self.recorded:
                self._record()
        else:
            self._record(f"stream interrupted: {error}")
            self.sink.write(self.call.shape.stream_error_event(f"The provider's stream broke off: {error}"))
        self._release(clean=error is None)
        self.sink.close()

    def abort(self, reason: str) -> None:
        """Stop relaying (the caller is gone)."""
        if self.ended:
            return
        if not self.recorded:
            self.attempt.error = self.attempt.error or reason
            self._record()
        self._release(clean=False)
        self.sink.close()

    def _release(self, *, clean: bool) -> None:
        self.ended = True
        if self.timer is not None:
            self.timer.cancel()
        if self.sock is not None:
            self.loop.remove_reader(self.sock)
            self.sock.settimeout(self.saved_timeout)
        if clean and self.framing.done and not self.framing.buffer:
            self.upstream._original_response.close()
        else:
            self.upstream.close()
        self.upstream.release_conn()


def _caller_socket(environ) -> socket.socket | None:
    sock = environ.get("gunicorn.socket")
    return sock if type(sock) is socket.socket else None


def relayed(*, call: Call, upstream: urllib3.BaseHTTPResponse, attempt: Attempt, environ):
    """The response body of a streamed answer: its opening from the request thread, the rest from the loop."""
    relay = Relay(call=call, upstream=upstream, attempt=attempt)
    opening = relay.opening()
    try:
        if opening:
            yield opening  # gunicorn sends the response's head with it
    except GeneratorExit:
        relay.abort(CLIENT_CLOSED)
        raise
    if relay.ended:
        return
    sock = _caller_socket(environ)
    if sock is None:
        yield from _through_queue(relay)
        return
    sink = SocketSink(sock, chunked=environ.get("SERVER_PROTOCOL") != "HTTP/1.0")
    relay_loop().call_soon_threadsafe(relay.start, sink)
    sink.done.wait()


def _through_queue(relay: Relay):
    sink, loop = QueueSink(), relay_loop()
    loop.call_soon_threadsafe(relay.start, sink)
    try:
        while (data := sink.queue.get()) is not None:
            yield data
    except GeneratorExit:
        loop.call_soon_threadsafe(relay.abort, CLIENT_CLOSED)
        raise
