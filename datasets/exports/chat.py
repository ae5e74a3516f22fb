"""Fine-tuning records from an input and an output: the OpenAI chat format and the Anthropic messages format.

An input is read as a conversation: a list of `{role, content}` messages, a `{"messages": [...]}` object, or
anything else as one user turn (strings as they are, other values as JSON text). An output is the assistant
turn: a string, a message's `content`, or other values as JSON text. Every record is checked against its
format before it is written (`ChatFormatError` names the item and what is wrong).
"""

import orjson

from aistrale import json_text

OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool")


class ChatFormatError(ValueError):
    """A record that does not fit the fine-tuning format."""


def _text(value) -> str:
    if isinstance(value, str):
        return value
    return json_text.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _content(value):
    """Message content: strings and lists of content parts stay; other values become JSON text."""
    if isinstance(value, str) or (isinstance(value, list) and all(isinstance(part, dict) for part in value)):
        return value
    return _text(value)


def conversation(value) -> list[dict]:
    """The messages an input holds."""
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        value = value["messages"]
    if isinstance(value, list) and value and all(isinstance(m, dict) and "role" in m for m in value):
        return [{"role": message["role"], "content": _content(message.get("content"))} for message in value]
    if value is None:
        raise ChatFormatError("the input is empty")
    return [{"role": "user", "content": _text(value)}]


def assistant_text(value) -> str:
    """The assistant turn an output holds."""
    if value is None:
        raise ChatFormatError("the output (expected output) is empty")
    if isinstance(value, dict) and "content" in value:
        value = value["content"]
    elif isinstance(value, list) and value and isinstance(value[-1], dict) and "content" in value[-1]:
        value = value[-1]["content"]
    return _text(value)


def openai_chat_record(*, input, output) -> dict:
    """`{"messages": [...]}` with the output as the final assistant turn, checked."""
    record = {"messages": [*conversation(input), {"role": "assistant", "content": assistant_text(output)}]}
    openai_chat_check(record)
    return record


def openai_chat_check(record) -> None:
    """Refuse a record that is not an OpenAI chat fine-tuning example."""
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or not messages:
        raise ChatFormatError("messages must be a non-empty list")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in OPENAI_ROLES:
            raise ChatFormatError(f"messages[{index}].role must be one of {', '.join(OPENAI_ROLES)}")
        content = message.get("content")
        if not isinstance(content, (str, list)) or (message["role"] == "assistant" and not isinstance(content, str)):
            raise ChatFormatError(f"messages[{index}].content must be text")
    if messages[-1]["role"] != "assistant" or not messages[-1]["content"]:
        raise ChatFormatError("the last message must be a non-empty assistant turn")


def anthropic_record(*, input, output) -> dict:
    """`{"system"?, "messages": [...]}` alternating user and assistant, ending with the output; checked."""
    system, messages = [], []
    for message in conversation(input):
        if message["role"] in ("system", "developer"):
            system.append(_text(message["content"]))
        else:
            messages.append(message)
    record = {"messages": [*messages, {"role": "assistant", "content": assistant_text(output)}]}
    if system:
        record = {"system": "\n\n".join(system), **record}
    anthropic_check(record)
    return record


def anthropic_check(record) -> None:
    """Refuse a record that is not an Anthropic messages example (user first, turns alternating)."""
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or not messages:
        raise ChatFormatError("messages must be a non-empty list")
    if "system" in record and not isinstance(record["system"], str):
        raise ChatFormatError("system must be text")
    for index, message in enumerate(messages):
        expected = "user" if index % 2 == 0 else "assistant"
        if not isinstance(message, dict) or message.get("role") != expected:
            raise ChatFormatError(f"messages[{index}].role must be {expected} (turns alternate, user first)")
        if not isinstance(message.get("content"), (str, list)) or not message["content"]:
            raise ChatFormatError(f"messages[{index}].content must be non-empty")
    if messages[-1]["role"] != "assistant":
        raise ChatFormatError("the last message must be the assistant turn")


RECORDS = {"openai-chat": openai_chat_record, "anthropic": anthropic_record}
