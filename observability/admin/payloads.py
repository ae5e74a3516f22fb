"""How the explorer shows an input, output or metadata: chat messages, or (pretty) JSON cut at a size."""

import orjson

from aistrale import json_text

PREVIEW_CHARS = 120
PAYLOAD_PREVIEW_CHARS = 200
PAYLOAD_RENDER_CHARS = 100_000


def payload_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json_text.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


def _message_content(content) -> str:
    """Chat message content as text: strings as is, OpenAI content parts joined, other JSON pretty."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(part, dict) for part in content):
        texts = [part.get("text") for part in content if isinstance(part.get("text"), str)]
        if len(texts) == len(content):
            return "\n".join(texts)
    return payload_text(content)


def chat_messages(value) -> list[dict] | None:
    """Chat messages ({role, content}) in a payload, or None when it is not a chat."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, dict) and "role" in value and ("content" in value or "tool_calls" in value):
        value = [value]
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(message, dict) and "role" in message for message in value):
        return None
    messages = []
    for message in value:
        extra = {key: item for key, item in message.items() if key not in ("role", "content")}
        messages.append(
            {
                "role": str(message["role"]),
                "content": _message_content(message.get("content")),
                "extra": payload_text(extra) if extra else None,
            }
        )
    return messages


def payload_view(value, media=None) -> dict:
    """What the detail pages show of an input/output: chat messages, or (pretty) JSON cut at a size.

    media, a page's MediaRenderer (observability.media.rendering), lists the media the payload references.
    """
    text = payload_text(value)
    cut = f"\n… cut here: {len(text)} characters in all" if len(text) > PAYLOAD_RENDER_CHARS else ""
    return {
        "empty": value is None,
        "messages": chat_messages(value),
        "text": text[:PAYLOAD_RENDER_CHARS] + cut,
        "preview": text[:PAYLOAD_PREVIEW_CHARS] + ("…" if len(text) > PAYLOAD_PREVIEW_CHARS else ""),
        "size": len(text),
        "media": media(value) if media is not None else [],
    }


def short(text: str | None) -> str:
    """A list cell's preview: one line, at most PREVIEW_CHARS characters."""
    text = (text or "").replace("\n", " ")
    return text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS] + "…"
