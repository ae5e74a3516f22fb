"""JSON text of stored values with orjson, whichever database they were read from.

PostgreSQL's jsonb keeps numbers as `numeric` and writes a large float such as 1e33 back as a
34-digit integer literal, which Python reads as an int wider than the 64 bits orjson encodes.
What was sent was a float, so such ints are encoded as floats again.
"""

import orjson

INT64_MIN, UINT64_MAX = -(2**63), 2**64 - 1


def _wide_ints_as_floats(value):
    if isinstance(value, dict):
        return {key: _wide_ints_as_floats(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wide_ints_as_floats(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= UINT64_MAX:
        return float(value)
    return value


def dumps(value, *, default=None, option: int = 0) -> bytes:
    """orjson.dumps; integers beyond 64 bits (only ever PostgreSQL's rendering of a float) become floats."""
    try:
        return orjson.dumps(value, default=default, option=option)
    except TypeError as error:
        if "64-bit" not in str(error):
            raise
        return orjson.dumps(_wide_ints_as_floats(value), default=default, option=option)
