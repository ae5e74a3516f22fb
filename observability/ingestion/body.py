"""Ingestion bodies, gzip-decoded with the decompressed size bounded by the same limit as the raw body.

The raw size limit and chunked bodies are handled for every endpoint in `aistrale.api.request_body`.
"""

import zlib

from rest_framework.exceptions import ParseError, UnsupportedMediaType

from aistrale.api.request_body import body_limit, too_large


def _gunzip(raw: bytes, limit: int) -> bytes:
    """Every gzip member of `raw`, whole and checked (CRC and length trailers); ParseError otherwise."""
    parts, size = [], 0
    while raw:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            part = decompressor.decompress(raw, limit + 1 - size)
            if decompressor.unconsumed_tail:
                raise too_large(limit)
            part += decompressor.flush()
        except zlib.error as error:
            raise ParseError(f"Request body is not valid gzip: {error}") from None
        if not decompressor.eof:
            raise ParseError("Request body is not valid gzip: the stream is truncated (no complete trailer)")
        size += len(part)
        if size > limit:
            raise too_large(limit)
        parts.append(part)
        raw = decompressor.unused_data
    if not parts:
        raise ParseError("Request body is not valid gzip: it is empty")
    return b"".join(parts)


def read_body(request) -> bytes:
    """The request body, gzip-decoded when so encoded; 413 past the limit."""
    limit = body_limit()
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise too_large(limit)
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding not in ("gzip", "x-gzip"):
        raise UnsupportedMediaType(encoding, detail=f"Content-Encoding {encoding!r} is not supported: use gzip")
    return _gunzip(raw, limit)


def media_type(request) -> str:
    return request.META.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
