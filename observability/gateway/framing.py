"""The two layers of a provider's stream as its bytes arrive: the HTTP body framing (chunked, Content-Length,
or to the close) and the server-sent events inside it, split only at event boundaries so the usage event the
gateway asked for (and the client did not) can be left out; every other event goes on as received, unparsed.
"""

from observability.gateway.tracing import Call


class FramingError(ValueError):
    """The body does not follow its HTTP framing."""


_SIZE, _DATA, _END_OF_DATA, _TRAILER, _DONE = range(5)


class Framing:
    """The payload of an HTTP/1.1 response body, fed the bytes read from the connection."""

    def __init__(self, *, chunked: bool, length: int | None):
        self.chunked, self.left = chunked, length
        self.state = _SIZE if chunked else _DONE if length == 0 else _DATA
        self.buffer = b""

    @property
    def done(self) -> bool:
        return self.state == _DONE

    def closed(self) -> bool:
        """The connection ended: whether that is the body's end (a body delimited by the close)."""
        if not self.chunked and self.left is None:
            self.state = _DONE
        return self.done

    def feed(self, data: bytes) -> bytes:
        if not self.chunked:
            if self.left is None:
                return data
            data = data[: self.left]
            self.left -= len(data)
            if not self.left:
                self.state = _DONE
            return data
        buffer = self.buffer + data if self.buffer else data
        payload, position, end = [], 0, len(buffer)
        while position < end:
            if self.state == _DATA:
                taken = min(self.left, end - position)
                payload.append(buffer[position : position + taken])
                position += taken
                self.left -= taken
                if self.left:
                    break
                self.state = _END_OF_DATA
            elif self.state == _END_OF_DATA:
                if end - position < 2:
                    break
                if buffer[position : position + 2] != b"\r\n":
                    raise FramingError("a chunk's data does not end with CRLF")
                position += 2
                self.state = _SIZE
            elif self.state == _DONE:
                break
            else:
                line_end = buffer.find(b"\r\n", position)
                if line_end < 0:
                    break
                line, position = buffer[position:line_end], line_end + 2
                if self.state == _TRAILER:
                    self.state = _TRAILER if line else _DONE
                    continue
                try:
                    self.left = int(line.split(b";", 1)[0], 16)
                except ValueError as error:
                    raise FramingError(f"bad chunk size line {line[:40]!r}") from error
                self.state = _DATA if self.left else _TRAILER
        self.buffer = buffer[position:]
        return payload[0] if len(payload) == 1 else b"".join(payload)


class Events:
    """The events of a stream: what each read passes on, every event kept for the trace."""

    def __init__(self, call: Call):
        self.shape = call.shape
        self.drop_usage = call.shape.drops_usage_event(call.body)
        self.seen: list[bytes] = []
        self.buffer = b""
        self.final = False

    def feed(self, data: bytes) -> bytes:
        """What of `data` goes on to the caller now (whole events only); `final` once the last event came."""
        if not self.buffer and data.endswith(b"\n\n") and not (self.drop_usage and b'"usage"' in data):
            self.seen.append(data)
            self.final = self.final or self.shape.is_final(data)
            return data
        buffer = self.buffer + data
        passed = []
        end = buffer.find(b"\n\n")
        while end >= 0:
            event, buffer = buffer[: end + 2], buffer[end + 2 :]
            self.seen.append(event)
            self.final = self.final or self.shape.is_final(event)
            if not (self.drop_usage and self.shape.is_usage_only(event)):
                passed.append(event)
            end = buffer.find(b"\n\n")
        self.buffer = buffer
        return passed[0] if len(passed) == 1 else b"".join(passed)

    def rest(self) -> bytes:
        """What is left after the stream's end (not a whole event), kept and passed on as it is."""
        rest, self.buffer = self.buffer, b""
        if rest.strip():
            self.seen.append(rest)
            return rest
        return b""
