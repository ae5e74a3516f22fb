"""Filling `{{variable}}` placeholders of an evaluator prompt; values that are not text go in as JSON."""

import json
import re

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")


def as_text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def placeholders(text: str) -> list[str]:
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def fill(text: str, variables: dict) -> str:
    """The text with each known placeholder replaced; unknown ones stay as written."""
    return PLACEHOLDER.sub(lambda match: as_text(variables[match[1]]) if match[1] in variables else match[0], text)


def fill_messages(messages: list[dict], variables: dict) -> list[dict]:
    return [{**message, "content": fill(message["content"], variables)} for message in messages]
