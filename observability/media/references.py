"""The `@@@langfuseMedia:type=…|id=…|source=…@@@` reference strings the SDKs put in input, output and metadata."""

import re
from dataclasses import dataclass

REFERENCE = re.compile(r"@@@langfuseMedia:(.+?)@@@")
MAX_DEPTH = 100


@dataclass(frozen=True)
class MediaReference:
    text: str
    media_id: str
    content_type: str
    source: str


def _parse(match: re.Match) -> MediaReference | None:
    fields = dict(pair.split("=", 1) for pair in match.group(1).split("|") if "=" in pair)
    if not fields.get("id") or not fields.get("type"):
        return None
    return MediaReference(match.group(0), fields["id"], fields["type"], fields.get("source", ""))


def media_references(value) -> list[MediaReference]:
    """Every media reference in a JSON value (strings anywhere in it), in order, without repeats."""
    found: dict[str, MediaReference] = {}
    level, depth = [value], 0
    while level and depth <= MAX_DEPTH:
        below = []
        for item in level:
            if isinstance(item, str) and "@@@langfuseMedia:" in item:
                for match in REFERENCE.finditer(item):
                    if (reference := _parse(match)) is not None:
                        found.setdefault(reference.media_id, reference)
            elif isinstance(item, dict):
                below.extend(item.values())
            elif isinstance(item, list):
                below.extend(item)
        level, depth = below, depth + 1
    return list(found.values())
