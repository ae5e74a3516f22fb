"""Ingestion bodies, gzip-decoded with the decompressed size bounded by the same limit as the raw body.

The raw size limit and chunked bodies are handled for every endpoint in `aistrale.api.request_body`.
"""

import zlib

import orjson
from django.conf import settings
from rest_framework.exceptions import ParseError, UnsupportedMediaType, ValidationError

from aistrale.api.request_body import PayloadTooLarge, body_limit, too_large


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


def batch_events(request) -> list:
    """The `batch` list of a Langfuse ingestion request's JSON body; 415, 400 or 413 naming the problem."""
    if media_type(request) != "application/json":
        raise UnsupportedMediaType(media_type(request) or "none", detail="Content-Type must be application/json")
    try:
        data = orjson.loads(read_body(request))
    except orjson.JSONDecodeError as error:
        raise ParseError(f"Request body is not valid JSON: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("batch"), list):
        raise ValidationError({"batch": "is required and must be a list of events"})
    limit = settings.AISTRALE_MAX_EVENTS_PER_BATCH
    if len(data["batch"]) > limit:
        raise PayloadTooLarge(
            f"The batch carries {len(data['batch'])} events, more than the {limit} allowed per request "
            "(AISTRALE_MAX_EVENTS_PER_BATCH): send smaller batches"
        )
    return data["batch"]
